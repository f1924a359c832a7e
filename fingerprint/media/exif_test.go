package media

import (
	"bytes"
	"image"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

func TestTIFFOrientation(t *testing.T) {
	be := func(b ...byte) []byte { return b }
	entry := func(tag, typ uint16, n uint32, v uint16) []byte {
		return be(byte(tag>>8), byte(tag), byte(typ>>8), byte(typ), byte(n>>24), byte(n>>16), byte(n>>8), byte(n), byte(v>>8), byte(v), 0, 0)
	}
	head := be('M', 'M', 0, 42, 0, 0, 0, 8)
	ifd := func(entries ...[]byte) []byte {
		b := append([]byte{}, head...)
		b = append(b, 0, byte(len(entries)))
		for _, e := range entries {
			b = append(b, e...)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"empty", nil, 1},
		{"short", head[:7], 1},
		{"bad byte order", append(be('M', 'I'), head[2:]...), 1},
		{"bad magic", be('M', 'M', 0, 43, 0, 0, 0, 8, 0, 0), 1},
		{"offset past end", be('M', 'M', 0, 42, 0xff, 0xff, 0xff, 0xff), 1},
		{"offset into header", be('M', 'M', 0, 42, 0, 0, 0, 2, 0, 0), 1},
		{"no entries", ifd(), 1},
		{"orientation 6", ifd(entry(0x0112, 3, 1, 6)), 6},
		{"after another tag", ifd(entry(0x010f, 2, 4, 0), entry(0x0112, 3, 1, 8)), 8},
		{"out of range 9", ifd(entry(0x0112, 3, 1, 9)), 1},
		{"zero", ifd(entry(0x0112, 3, 1, 0)), 1},
		{"wrong type", ifd(entry(0x0112, 4, 1, 6)), 1},
		{"wrong count", ifd(entry(0x0112, 3, 2, 6)), 1},
		{"count past end", append(ifd(entry(0x0112, 3, 1, 6))[:10], 0xff), 1},
		{"truncated entry", ifd(entry(0x0112, 3, 1, 6))[:20], 1},
		{"little-endian", []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 3, 0, 0, 0}, 3},
	}
	for _, tt := range tests {
		if got := TIFFOrientation(tt.in); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestJPEGOrientationMarkers(t *testing.T) {
	exif := append([]byte("Exif\x00\x00"), 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0)
	app1 := append([]byte{0xff, 0xe1, 0, byte(len(exif) + 2)}, exif...)
	app0 := []byte{0xff, 0xe0, 0, 4, 'x', 'y'}
	soi := []byte{0xff, 0xd8}
	sos := []byte{0xff, 0xda, 0, 2}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"app1 first", cat(soi, app1, sos), 6},
		{"after app0 and fill bytes", cat(soi, app0, []byte{0xff}, app1), 6},
		{"after the scan", cat(soi, sos, app1), 1},
		{"not a jpeg", cat(app1), 1},
		{"truncated segment", cat(soi, app1[:10]), 1},
		{"zero length", cat(soi, []byte{0xff, 0xe1, 0, 0}, app1), 1},
		{"garbage between", cat(soi, []byte{0x00}, app1), 1},
		{"app1 not exif", cat(soi, []byte{0xff, 0xe1, 0, 6, 'X', 'M', 'P', 0}, app1), 6},
	}
	for _, tt := range tests {
		if got := JPEGOrientation(tt.in); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestOrientFastPaths: the YCbCr and Gray paths give exactly the pixels of
// the general path (convert with fingerprint.ToNRGBA, then orient).
func TestOrientFastPaths(t *testing.T) {
	ycc := image.NewYCbCr(image.Rect(3, 5, 3+37, 5+21), image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = uint8(i * 7)
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = uint8(i*13), uint8(255-i*5)
	}
	gray := image.NewGray(image.Rect(-2, 0, 30, 17))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 3)
	}
	for _, img := range []image.Image{ycc, gray} {
		slow := fingerprint.ToNRGBA(img)
		for o := 2; o <= 8; o++ {
			want := orientWith(func(x, y int) (uint8, uint8, uint8) {
				p := slow.Pix[y*slow.Stride+4*x:]
				return p[0], p[1], p[2]
			}, slow.Rect.Dx(), slow.Rect.Dy(), o)
			got, ok := Orient(img, o).(*image.NRGBA)
			if !ok || got.Rect != want.Rect || !bytes.Equal(got.Pix, want.Pix) {
				t.Fatalf("%T orientation %d: fast path differs", img, o)
			}
		}
	}
	if Orient(gray, 1) != image.Image(gray) || Orient(gray, 9) != image.Image(gray) {
		t.Fatal("orientation 1 or out of range changed the image")
	}
}
