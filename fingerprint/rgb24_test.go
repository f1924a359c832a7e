package fingerprint_test

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// TestFrameHasherMatchesFullResolution: on colour pixels FrameHasher is
// PDQFullResolution of the same image, whatever the stride, and reusing
// its buffers for a second size changes nothing.
func TestFrameHasherMatchesFullResolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var fh fingerprint.FrameHasher
	for _, sz := range []struct{ w, h, pad int }{{64, 64, 0}, {480, 270, 5}, {97, 131, 1}, {4, 9, 0}} {
		img := image.NewNRGBA(image.Rect(0, 0, sz.w, sz.h))
		stride := 3*sz.w + sz.pad
		rgb := make([]byte, stride*sz.h)
		for y := range sz.h {
			for x := range sz.w {
				r, g, b := uint8(x*3+y), uint8(rng.IntN(256)), uint8(y*5)
				img.Pix[y*img.Stride+4*x+0], img.Pix[y*img.Stride+4*x+1], img.Pix[y*img.Stride+4*x+2], img.Pix[y*img.Stride+4*x+3] = r, g, b, 255
				rgb[y*stride+3*x], rgb[y*stride+3*x+1], rgb[y*stride+3*x+2] = r, g, b
			}
		}
		want, wq, err := fingerprint.PDQFullResolution(img)
		if err != nil {
			t.Fatal(err)
		}
		got, q, err := fh.PDQRGB24(rgb, sz.w, sz.h, stride)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || q != wq {
			t.Errorf("%dx%d: %v q%d, PDQFullResolution %v q%d", sz.w, sz.h, got, q, want, wq)
		}
	}
	if _, _, err := fh.PDQRGB24(make([]byte, 10), 4, 4, 12); err == nil {
		t.Error("short buffer accepted")
	}
}
