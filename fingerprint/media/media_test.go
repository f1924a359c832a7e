package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/internal/testenv"
)

// photo is a deterministic photo-like image: smooth shading, a few
// blobs and mild noise, asymmetric so that rotations hash differently.
func photo(w, h int) *image.NRGBA {
	rng := rand.New(rand.NewPCG(42, 7))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	type blob struct{ x, y, r int }
	blobs := []blob{{w / 4, h / 3, h / 5}, {2 * w / 3, h / 2, h / 4}, {w / 2, 4 * h / 5, h / 8}}
	for y := range h {
		for x := range w {
			r, g, b := 40+150*x/w, 60+120*y/h, 120
			for i, bl := range blobs {
				dx, dy := x-bl.x, y-bl.y
				if dx*dx+dy*dy < bl.r*bl.r {
					r, g, b = 230-50*i, 200-70*i, 40+60*i
				}
			}
			n := rng.IntN(9) - 4
			m.SetNRGBA(x, y, color.NRGBA{clamp(r + n), clamp(g + n), clamp(b + n), 255})
		}
	}
	return m
}

func clamp(v int) uint8 { return uint8(min(max(v, 0), 255)) }

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withEXIF inserts an APP1 segment carrying EXIF orientation o right after
// the JPEG's SOI marker. The TIFF block is big-endian with one IFD0 entry.
func withEXIF(jpg []byte, o int, order binary.AppendByteOrder) []byte {
	var tiff []byte
	if order == binary.BigEndian {
		tiff = append(tiff, "MM"...)
	} else {
		tiff = append(tiff, "II"...)
	}
	tiff = order.AppendUint16(tiff, 42)
	tiff = order.AppendUint32(tiff, 8)      // IFD0 offset
	tiff = order.AppendUint16(tiff, 2)      // two entries
	tiff = order.AppendUint16(tiff, 0x010f) // Make, ASCII, pointing nowhere useful
	tiff = order.AppendUint16(tiff, 2)
	tiff = order.AppendUint32(tiff, 4)
	tiff = append(tiff, "Go\x00\x00"...)
	tiff = order.AppendUint16(tiff, 0x0112) // Orientation, SHORT, 1
	tiff = order.AppendUint16(tiff, 3)
	tiff = order.AppendUint32(tiff, 1)
	tiff = order.AppendUint16(tiff, uint16(o))
	tiff = append(tiff, 0, 0)
	tiff = order.AppendUint32(tiff, 0) // no IFD1
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// stored returns the pixels a camera would store for an upright image u
// and EXIF orientation o: the inverse of the display transform.
func stored(u image.Image, o int) image.Image {
	inv := o
	switch o {
	case 6:
		inv = 8
	case 8:
		inv = 6
	}
	return media.Orient(u, inv)
}

// TestJPEGSameFromFileReaderAndPixels is the acceptance check that the
// three inputs of the canonical pipeline agree bit for bit.
func TestJPEGSameFromFileReaderAndPixels(t *testing.T) {
	for _, sz := range []image.Point{{320, 240}, {1200, 900}} {
		jpg := encodeJPEG(t, photo(sz.X, sz.Y))
		path := filepath.Join(t.TempDir(), "photo.jpg")
		if err := os.WriteFile(path, jpg, 0o644); err != nil {
			t.Fatal(err)
		}
		fromFile, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		a, err := media.FingerprintBytes(fromFile, media.Options{})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := media.FingerprintReader(f, media.Options{})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		img, err := media.Decode(bytes.NewReader(jpg), media.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// RGBA pixels as another program would get them: image/draw's
		// conversion, not ours.
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		c, err := fingerprint.FromRGBA(rgba.Pix, sz.X, sz.Y)
		if err != nil {
			t.Fatal(err)
		}
		c.SHA256, c.MD5 = fingerprint.Digest(jpg)
		if a != b || a != c {
			t.Fatalf("%v: file %v / reader %v / pixels %v disagree", sz, a.PDQ, b.PDQ, c.PDQ)
		}
		if a.Width != sz.X || a.Height != sz.Y || a.PDQQuality < 50 || a.SHA256 == (fingerprint.SHA256Digest{}) {
			t.Fatalf("%v: implausible fingerprints %+v", sz, a)
		}
	}
}

// TestEXIFOrientation: a JPEG stored rotated with an orientation tag
// hashes like its upright twin, for all eight orientations and both byte
// orders; orientation 6 (the usual phone portrait) within 2 bits.
func TestEXIFOrientation(t *testing.T) {
	u := photo(640, 480)
	up, err := media.FingerprintBytes(encodeJPEG(t, u), media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for o := 1; o <= 8; o++ {
		for _, order := range []binary.AppendByteOrder{binary.BigEndian, binary.LittleEndian} {
			jpg := withEXIF(encodeJPEG(t, stored(u, o)), o, order)
			if got := media.JPEGOrientation(jpg); got != o {
				t.Fatalf("orientation %d read back as %d", o, got)
			}
			f, err := media.FingerprintBytes(jpg, media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != 640 || f.Height != 480 {
				t.Errorf("orientation %d: upright size %dx%d", o, f.Width, f.Height)
			}
			d := f.PDQ.Distance(up.PDQ)
			limit := 8
			if o == 6 {
				limit = 2
			}
			if d > limit {
				t.Errorf("orientation %d (%v): distance %d to the upright twin > %d", o, order, d, limit)
			}
			t.Logf("orientation %d (%v): distance %d to the upright twin", o, order, d)
			raw, err := media.FingerprintBytes(jpg, media.Options{IgnoreOrientation: true})
			if err != nil {
				t.Fatal(err)
			}
			if o != 1 && raw.PDQ.Distance(up.PDQ) < 32 {
				t.Errorf("orientation %d: stored pixels already hash like the upright ones (%d); test image too symmetric", o, raw.PDQ.Distance(up.PDQ))
			}
		}
	}
}

// hugePNGHeader is a valid PNG signature and IHDR declaring w×h RGBA,
// followed by nothing: a decoder that trusted it would allocate w·h·4 bytes.
func hugePNGHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// TestHugePNGRefusedCheaply: a 60000x60000 PNG header is refused with
// ErrTooLarge before any pixel memory exists, using well under 10 MB.
func TestHugePNGRefusedCheaply(t *testing.T) {
	b := hugePNGHeader(60000, 60000)
	_, err := media.DecodeBytes(b, media.Options{})
	if !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	var e *media.Error
	if !errors.As(err, &e) || e.Format != "png" {
		t.Fatalf("error %v does not name the format", err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const runs = 10
	for range runs {
		if _, err := media.FingerprintReader(bytes.NewReader(b), media.Options{}); !errors.Is(err, media.ErrTooLarge) {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / runs
	allocs := testing.AllocsPerRun(runs, func() { _, _ = media.DecodeBytes(b, media.Options{}) })
	t.Logf("refusing a 60000x60000 PNG header: %d bytes, %.0f allocations per call", perRun, allocs)
	if perRun > 10<<20 {
		t.Fatalf("refusal allocated %d bytes per call, want < 10 MB", perRun)
	}
}

func TestPixelLimit(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, photo(100, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := media.DecodeBytes(buf.Bytes(), media.Options{MaxPixels: 9999}); !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("9999-pixel limit: %v", err)
	}
	if _, err := media.DecodeBytes(buf.Bytes(), media.Options{MaxPixels: 10000}); err != nil {
		t.Fatalf("10000-pixel limit: %v", err)
	}
	if _, err := media.Decode(bytes.NewReader(buf.Bytes()), media.Options{MaxBytes: int64(buf.Len() - 1)}); !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("byte limit: %v", err)
	}
}

func TestFormats(t *testing.T) {
	src := photo(120, 90)
	enc := map[string]func(*bytes.Buffer) error{
		"png":  func(w *bytes.Buffer) error { return png.Encode(w, src) },
		"jpeg": func(w *bytes.Buffer) error { return jpeg.Encode(w, src, nil) },
		"gif":  func(w *bytes.Buffer) error { return gif.Encode(w, src, nil) },
		"bmp":  func(w *bytes.Buffer) error { return bmp.Encode(w, src) },
	}
	want, err := fingerprint.FromImage(src)
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range enc {
		var buf bytes.Buffer
		if err := e(&buf); err != nil {
			t.Fatal(err)
		}
		f, err := media.FingerprintBytes(buf.Bytes(), media.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		limit := 16
		if name == "gif" {
			limit = 48 // quantised to a 256-colour palette with dithering
		}
		if d := f.PDQ.Distance(want.PDQ); d > limit || f.Width != 120 {
			t.Errorf("%s: distance %d to the source pixels, size %d", name, d, f.Width)
		}
	}
	// WebP has no encoder in the standard library or x/image: use the
	// reference set's WebP files.
	webp := filepath.Join(testenv.PDQDir(t), "images", "misc-images", "modes", "HSV.webp")
	b, err := os.ReadFile(webp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := media.FingerprintBytes(b, media.Options{}); err != nil {
		t.Fatalf("webp: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	jpg := encodeJPEG(t, photo(64, 64))
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, photo(64, 64)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, media.ErrUnsupportedFormat},
		{"text", []byte("hello, world"), media.ErrUnsupportedFormat},
		{"tiff little-endian", []byte("II*\x00\x08\x00\x00\x00rest"), media.ErrUnsupportedFormat},
		{"tiff big-endian", []byte("MM\x00*\x00\x00\x00\x08rest"), media.ErrUnsupportedFormat},
		{"truncated jpeg", jpg[:len(jpg)/2], media.ErrCorrupt},
		{"jpeg header only", jpg[:40], media.ErrCorrupt},
		{"truncated png", pngBuf.Bytes()[:pngBuf.Len()/2], media.ErrCorrupt},
		{"zero-size png", hugePNGHeader(0, 10), media.ErrCorrupt},
		{"png over the limit", hugePNGHeader(10000, 10000), media.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := media.FingerprintBytes(tt.in, media.Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if len(err.Error()) < len("media: ") || err.Error()[:7] != "media: " {
				t.Fatalf("error %q does not start with the package name", err)
			}
		})
	}
}

// TestGIFFrameSmallerThanScreen: a first frame covering part of the
// logical screen is placed on a screen-sized canvas, as browsers show it.
func TestGIFFrameSmallerThanScreen(t *testing.T) {
	frame := image.NewPaletted(image.Rect(10, 20, 50, 60), color.Palette{color.Black, color.White})
	for i := range frame.Pix {
		frame.Pix[i] = uint8(i % 2)
	}
	var buf bytes.Buffer
	g := &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0}, Config: image.Config{Width: 80, Height: 70, ColorModel: frame.Palette}}
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	img, err := media.DecodeBytes(buf.Bytes(), media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 80, 70) {
		t.Fatalf("bounds %v, want the 80x70 screen", img.Bounds())
	}
	if r, _, _, _ := img.At(11, 20).RGBA(); r != 0xffff {
		t.Fatalf("frame pixel not placed: %v", img.At(11, 20))
	}
}
