package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
)

var turbo = strings.HasPrefix(media.JPEGDecoder(), "libjpeg-turbo")

// TestScaledJPEG: a JPEG over twice the canonical side is decoded at 1/2
// (with libjpeg-turbo) and hashed within a few bits of the full-size
// decode, through every EXIF orientation, at the upright size.
func TestScaledJPEG(t *testing.T) {
	u := photo(1100, 1040)
	img, err := media.DecodeBytes(encodeJPEG(t, u), media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := fingerprint.FromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	wantScale := 1
	if turbo {
		wantScale = 2
	}
	for o := 1; o <= 8; o++ {
		jpg := withEXIF(encodeJPEG(t, stored(u, o)), o, binary.BigEndian)
		c, err := media.EstimateCost(jpg, media.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Scale != wantScale {
			t.Errorf("orientation %d: decoded at 1/%d by %s, want 1/%d", o, c.Scale, c.Decoder, wantScale)
		}
		f, err := media.FingerprintBytes(jpg, media.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != 1100 || f.Height != 1040 {
			t.Errorf("orientation %d: size %dx%d, want the upright 1100x1040", o, f.Width, f.Height)
		}
		d := f.PDQ.Distance(full.PDQ)
		t.Logf("orientation %d: 1/%d decode %d bits from the full-size upright decode", o, c.Scale, d)
		if d > 8 {
			t.Errorf("orientation %d: distance %d > 8", o, d)
		}
	}
}

// TestJPEGDecoders: which decoder takes each kind of JPEG, and that every
// kind decodes. libjpeg-turbo decodes YCbCr and grey files to planes;
// CMYK (and YCCK, RGB) go to image/jpeg.
func TestJPEGDecoders(t *testing.T) {
	tests := []struct {
		file, turbo string
	}{
		{"base420-1024x768.jpg", "libjpeg-turbo"},
		{"prog420-1024x768.jpg", "libjpeg-turbo"},
		{"prog444-1024x768.jpg", "libjpeg-turbo"},
		{"proggray-1024x768.jpg", "libjpeg-turbo"},
		{"progcmyk-1024x768.jpg", "image/jpeg"},
		{"tiny-12x16-exif6.jpg", "libjpeg-turbo"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := media.EstimateCost(b, media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := "image/jpeg"
			if turbo {
				want = tt.turbo
			}
			if c.Decoder != want {
				t.Errorf("decoder %s, want %s", c.Decoder, want)
			}
			f, err := media.FingerprintBytes(b, media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			img, err := media.DecodeBytes(b, media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			g, err := fingerprint.FromImage(img)
			if err != nil {
				t.Fatal(err)
			}
			// Under 1024 px on a side the grid and the full decode are one.
			if f.PDQ != g.PDQ || f.Width != g.Width || f.Height != g.Height {
				t.Errorf("FingerprintBytes %v %dx%d, FromImage(DecodeBytes) %v %dx%d", f.PDQ, f.Width, f.Height, g.PDQ, g.Width, g.Height)
			}
		})
	}
}

// FuzzDecodeScaled is FuzzDecode for files big enough to be decoded at
// 1/2 (libjpeg-turbo's scaled path, which FuzzDecode's 64K-pixel limit
// never reaches): never a panic, only the sentinels, the upright size
// within the limit, and Go allocations within EstimateCost.
func FuzzDecodeScaled(f *testing.F) {
	for _, sz := range [][2]int{{1030, 1030}, {1100, 1024}} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, photo(sz[0], sz[1]), &jpeg.Options{Quality: 20}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
		f.Add(withEXIF(buf.Bytes(), 6, binary.LittleEndian))
	}
	grey := image.NewGray(image.Rect(0, 0, 1040, 1030))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i % 251)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, grey, &jpeg.Options{Quality: 10}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	const maxPixels = 1200 * 1100
	f.Fuzz(func(t *testing.T, b []byte) {
		o := media.Options{MaxPixels: maxPixels}
		c, err := media.EstimateCost(b, o)
		if err != nil {
			if !errors.Is(err, media.ErrTooLarge) && !errors.Is(err, media.ErrUnsupportedFormat) && !errors.Is(err, media.ErrCorrupt) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		var fp fingerprint.Fingerprints
		got := largeAllocs(func() { fp, err = media.FingerprintBytes(b, o) })
		if err != nil {
			if !errors.Is(err, media.ErrTooLarge) && !errors.Is(err, media.ErrUnsupportedFormat) && !errors.Is(err, media.ErrCorrupt) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if got > c.Bytes {
			t.Fatalf("%s %dx%d at 1/%d: allocated %d bytes, over the estimate %d", c.Format, c.Width, c.Height, c.Scale, got, c.Bytes)
		}
		if fp.Width*fp.Height != c.Width*c.Height || fp.Width*fp.Height > maxPixels {
			t.Fatalf("accepted %dx%d for a %dx%d header", fp.Width, fp.Height, c.Width, c.Height)
		}
	})
}
