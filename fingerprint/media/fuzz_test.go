package media_test

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
)

func addSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, p := range files {
		if st, err := os.Stat(p); filepath.Ext(p) == ".md" || (err == nil && st.IsDir()) {
			continue // the README, and testdata/fuzz's corpora
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		n++
	}
	if n < 5 {
		f.Fatalf("only %d seed files in testdata", n)
	}
}

// fuzzMaxPixels keeps fuzzed images small so the allocation bound is
// meaningful: 64K pixels.
const fuzzMaxPixels = 1 << 16

// fuzzMaxAlloc is what one decode may allocate at most: generous per pixel
// (a progressive CMYK JPEG keeps 16 bytes of coefficients and 4 of pixels
// per pixel, the canonical pipeline two float32 planes and an RGBA copy),
// plus a fixed allowance for decoder tables and the input itself.
func fuzzMaxAlloc(inputLen int) uint64 {
	return 64*fuzzMaxPixels + 4<<20 + 4*uint64(inputLen)
}

// FuzzDecode: random bytes never panic, every error is one of the three
// sentinels, success respects the pixel limit, and no input makes the
// decoder allocate past the bound the limit implies.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		fp, err := media.FingerprintBytes(b, media.Options{MaxPixels: fuzzMaxPixels})
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > fuzzMaxAlloc(len(b)) {
			t.Fatalf("allocated %d bytes for a %d-byte input (bound %d)", alloc, len(b), fuzzMaxAlloc(len(b)))
		}
		if err != nil {
			if !errors.Is(err, media.ErrTooLarge) && !errors.Is(err, media.ErrUnsupportedFormat) && !errors.Is(err, media.ErrCorrupt) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if fp.Width <= 0 || fp.Height <= 0 || fp.Width*fp.Height > fuzzMaxPixels {
			t.Fatalf("accepted a %dx%d image", fp.Width, fp.Height)
		}
		if fp.PDQQuality < 0 || fp.PDQQuality > 100 {
			t.Fatalf("quality %d", fp.PDQQuality)
		}
	})
}

// FuzzJPEGOrientation: the EXIF reader never panics and always returns a
// valid orientation.
func FuzzJPEGOrientation(f *testing.F) {
	addSeeds(f)
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x22Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := media.JPEGOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		if o := media.TIFFOrientation(b); o < 1 || o > 8 {
			t.Fatalf("TIFF orientation %d", o)
		}
	})
}

// FuzzDerotate feeds Derotate and Frame arbitrary pixels and file sizes:
// they never panic, and a hash they return is of a box inside the image.
func FuzzDerotate(f *testing.F) {
	f.Add(uint16(344), uint16(344), uint16(344), uint16(344), []byte{255, 255, 255, 255, 0, 40, 90, 255})
	f.Add(uint16(512), uint16(512), uint16(1400), uint16(900), []byte{0, 0, 0, 255})
	f.Fuzz(func(t *testing.T, w, h, w0, h0 uint16, seed []byte) {
		if w == 0 || h == 0 || w > 512 || h > 512 || len(seed) == 0 {
			return
		}
		m := image.NewNRGBA(image.Rect(0, 0, int(w), int(h)))
		for i := range m.Pix {
			m.Pix[i] = seed[(i*7+i/len(seed))%len(seed)]
		}
		// A rotated-looking picture: the seed's pixels inside a diamond
		// of the first pixel's colour, so the corner test runs deep.
		for y := range int(h) {
			for x := range int(w) {
				if x*int(h)+y*int(w) < int(w)*int(h)/8 {
					copy(m.Pix[y*m.Stride+4*x:], m.Pix[:4])
				}
			}
		}
		for _, r := range []fingerprint.RobustPDQ{media.Derotate(m, false, int(w0), int(h0)), media.Frame(m, false)} {
			if r.Name != "" && (!r.Rect.In(m.Rect) || r.Rect.Empty()) {
				t.Fatalf("%s box %v outside %v", r.Name, r.Rect, m.Rect)
			}
		}
	})
}
