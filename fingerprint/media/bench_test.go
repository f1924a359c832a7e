package media_test

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/internal/testenv"
)

// BenchmarkPipeline12MP is the canonical pipeline on a 12-MP (4032x3024)
// JPEG, split into decoding (at full size: DecodeBytes) and fingerprinting
// the decoded image; total is FingerprintBytes, which decodes a JPEG at the
// canonical grid's scale (1/4 here) when libjpeg-turbo is in the build
// (compare -tags purego).
func BenchmarkPipeline12MP(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photo(4032, 3024), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	jpg := buf.Bytes()
	img, err := media.DecodeBytes(jpg, media.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode-jpeg-12MP", func(b *testing.B) {
		testenv.ReportCPU(b, func() {
			if _, err := media.DecodeBytes(jpg, media.Options{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("fingerprint-decoded-12MP", func(b *testing.B) {
		testenv.ReportCPU(b, func() {
			if _, err := fingerprint.FromImage(img); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("digests-12MP-file", func(b *testing.B) {
		testenv.ReportCPU(b, func() { fingerprint.Digest(jpg) })
	})
	b.Run("total-jpeg-12MP", func(b *testing.B) {
		testenv.ReportCPU(b, func() {
			if _, err := media.FingerprintBytes(jpg, media.Options{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	// A real phone photo (4032x3024, EXIF orientation 6, 3.6 MB) with the
	// robust hashes, as the edge fingerprints an upload.
	phone, err := os.ReadFile(filepath.Join(testenv.PDQDir(b), "images/reg-test-input/exif-rotn/exif-rotn-6.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("edge-phone-photo-12MP", func(b *testing.B) {
		testenv.ReportCPU(b, func() {
			if _, err := media.FingerprintBytes(phone, media.Options{Robust: true}); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkRefuseHugeHeader is the cost of refusing a 60000x60000 PNG.
func BenchmarkRefuseHugeHeader(b *testing.B) {
	h := hugePNGHeader(60000, 60000)
	b.ReportAllocs()
	testenv.ReportCPU(b, func() {
		if _, err := media.DecodeBytes(h, media.Options{}); err == nil {
			b.Fatal("accepted")
		}
	})
}
