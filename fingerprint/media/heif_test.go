package media_test

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
)

var haveHEIF = strings.HasPrefix(media.HEIFDecoder(), "libheif")

// TestHEIF: HEIC and AVIF re-encodes of a JPEG (ImageMagick through
// libheif: x265 and libaom) hash near the JPEG itself, at its size; in a
// build without libheif they are refused as unsupported, never taken for
// something else.
func TestHEIF(t *testing.T) {
	src, err := os.ReadFile("../../testdata/demo/listed/harbour.jpg")
	if err != nil {
		t.Fatal(err)
	}
	want, err := media.FingerprintBytes(src, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ file, format string }{
		{"testdata/harbour-640x480.heic", "heic"},
		{"testdata/harbour-640x480.avif", "avif"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := media.EstimateCost(b, media.Options{})
			if !haveHEIF {
				if !errors.Is(err, media.ErrUnsupportedFormat) {
					t.Fatalf("without libheif: %v, want ErrUnsupportedFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Format != tt.format || c.Width != 640 || c.Height != 480 || c.Decoder != "libheif" {
				t.Fatalf("cost %+v", c)
			}
			f, err := media.FingerprintBytes(b, media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := f.PDQ.Distance(want.PDQ)
			t.Logf("%s: %d bits from the JPEG it was made from, quality %d", tt.format, d, f.PDQQuality)
			if f.Width != 640 || f.Height != 480 || d > 16 || f.PDQQuality < 50 {
				t.Errorf("%s: %dx%d, %d bits from the JPEG, quality %d", tt.format, f.Width, f.Height, d, f.PDQQuality)
			}
		})
	}
}

// TestHEIFBadInput: truncated files, garbage after the ftyp box and a size
// over the pixel limit get the sentinels the edge maps to 4xx answers,
// before any pixel is decoded for the last.
func TestHEIFBadInput(t *testing.T) {
	heic, err := os.ReadFile("testdata/harbour-640x480.heic")
	if err != nil {
		t.Fatal(err)
	}
	avif, err := os.ReadFile("testdata/harbour-640x480.avif")
	if err != nil {
		t.Fatal(err)
	}
	garbage := append(append([]byte{}, heic[:32]...), strings.Repeat("\xa5", 512)...)
	bomb := withSize(t, heic, 60000, 60000)
	wide := withSize(t, avif, 40000, 1500) // 60 MP: under the default limit, over libheif's side limit
	tests := []struct {
		name string
		in   []byte
		o    media.Options
		want error
	}{
		{"heic truncated in the container", heic[:200], media.Options{}, media.ErrCorrupt},
		{"heic truncated in the picture", heic[:len(heic)*2/3], media.Options{}, media.ErrCorrupt},
		{"avif truncated in the picture", avif[:len(avif)*2/3], media.Options{}, media.ErrCorrupt},
		{"heic ftyp then garbage", garbage, media.Options{}, media.ErrCorrupt},
		{"heic over the pixel limit", heic, media.Options{MaxPixels: 640*480 - 1}, media.ErrTooLarge},
		{"heic declaring 60000x60000", bomb, media.Options{}, media.ErrTooLarge},
		{"avif declaring 40000x1500", wide, media.Options{}, media.ErrTooLarge},
		{"heic declaring 20000x20000", withSize(t, heic, 20000, 20000), media.Options{}, media.ErrTooLarge},
		{"avif over the decode budget", avif, media.Options{MaxDecodeBytes: 1 << 20}, media.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := media.FingerprintBytes(tt.in, tt.o)
			want := tt.want
			if !haveHEIF {
				want = media.ErrUnsupportedFormat
			}
			if !errors.Is(err, want) {
				t.Fatalf("got %v, want %v", err, want)
			}
			if !strings.HasPrefix(err.Error(), "media: ") {
				t.Fatalf("error %q does not start with the package name", err)
			}
			t.Logf("%v", err)
		})
	}
}

// withSize rewrites every ispe (image spatial extents) box of a HEIF file
// to declare w×h, as a decompression bomb would.
func withSize(t *testing.T, b []byte, w, h uint32) []byte {
	t.Helper()
	out := append([]byte{}, b...)
	n := 0
	for i := 0; i+16 <= len(out); i++ {
		if string(out[i:i+4]) == "ispe" {
			binary.BigEndian.PutUint32(out[i+8:], w) // after version and flags
			binary.BigEndian.PutUint32(out[i+12:], h)
			n++
		}
	}
	if n == 0 {
		t.Fatal("no ispe box")
	}
	return out
}

// FuzzHEIF: libheif (with libde265, dav1d, libaom) on mutated HEIC and
// AVIF files never takes the process down, fails only with the sentinels,
// and a decoded image is the header's size within the limit.
func FuzzHEIF(f *testing.F) {
	for _, name := range []string{"testdata/harbour-640x480.heic", "testdata/harbour-640x480.avif"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	const maxPixels = 1 << 20
	f.Fuzz(func(t *testing.T, b []byte) {
		o := media.Options{MaxPixels: maxPixels}
		c, err := media.EstimateCost(b, o)
		if err == nil {
			var fp fingerprint.Fingerprints
			fp, err = media.FingerprintBytes(b, o)
			if err == nil && (fp.Width != c.Width || fp.Height != c.Height || fp.Width*fp.Height > maxPixels) {
				t.Fatalf("decoded %dx%d for a %dx%d header", fp.Width, fp.Height, c.Width, c.Height)
			}
		}
		if err != nil && !errors.Is(err, media.ErrTooLarge) && !errors.Is(err, media.ErrUnsupportedFormat) && !errors.Is(err, media.ErrCorrupt) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
