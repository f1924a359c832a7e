package fingerprint

import (
	"image"
	"testing"

	"github.com/hashgate/hashgate/internal/testenv"
)

var benchSizes = []struct {
	name string
	w, h int
}{
	{"512x512", 512, 512},
	{"1MP-1152x864", 1152, 864},
	{"12MP-4032x3024", 4032, 3024},
}

// BenchmarkPDQ is PDQ alone (grey check, canonical sampling, luma, blur,
// DCT, eight dihedral hashes) of already-decoded RGBA pixels.
func BenchmarkPDQ(b *testing.B) {
	for _, sz := range benchSizes {
		src := testImage(sz.w, sz.h, 1)
		b.Run("rgba-"+sz.name, func(b *testing.B) {
			testenv.ReportCPU(b, func() {
				pdqCanonical(canonicalNRGBA(src), rgbaAllGrey(src.Pix))
			})
		})
	}
}

// BenchmarkFromRGBA is everything FromRGBA does: PDQ plus pHash, dHash and
// aHash of the canonical image.
func BenchmarkFromRGBA(b *testing.B) {
	for _, sz := range benchSizes {
		src := testImage(sz.w, sz.h, 1)
		b.Run("rgba-"+sz.name, func(b *testing.B) {
			testenv.ReportCPU(b, func() {
				if _, err := FromRGBA(src.Pix, sz.w, sz.h); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkHash64 is each 64-bit hash of a 512x512 image.
func BenchmarkHash64(b *testing.B) {
	src := testImage(512, 512, 1)
	for _, h := range []struct {
		name string
		fn   func(*image.NRGBA) Hash64
	}{{"phash", pHash}, {"dhash", dHash}, {"ahash", aHash}} {
		b.Run(h.name+"-512x512", func(b *testing.B) {
			testenv.ReportCPU(b, func() { h.fn(src) })
		})
	}
}
