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

// BenchmarkHash64 is pHash, dHash and aHash of a 512x512 image (hash64s:
// the three resizes and hashes), in colour and opaque grey (the browser's
// JPEG path hands the module luma as grey RGBA).
func BenchmarkHash64(b *testing.B) {
	colour := testImage(512, 512, 1)
	grey := testImage(512, 512, 1)
	for i := 0; i < len(grey.Pix); i += 4 {
		grey.Pix[i+1], grey.Pix[i+2], grey.Pix[i+3] = grey.Pix[i], grey.Pix[i], 0xff
	}
	for _, c := range []struct {
		name string
		img  *image.NRGBA
	}{{"colour", colour}, {"grey", grey}} {
		b.Run(c.name+"-512x512", func(b *testing.B) {
			g := rgbaAllGrey(c.img.Pix)
			testenv.ReportCPU(b, func() { hash64s(c.img, g) })
		})
	}
}
