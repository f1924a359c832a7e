package media

import (
	"image"
	"image/color"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// TestSampleGridMatchesOrientThenSample: sampling the grid through the
// orientation (what a scaled decode does) gives exactly the pixels of
// orienting the whole image and then sampling it (the full-size path),
// for every orientation, at scale 1 where the two must agree pixel for
// pixel, for sizes on both sides of the canonical side.
func TestSampleGridMatchesOrientThenSample(t *testing.T) {
	for _, sz := range []image.Point{{700, 530}, {300, 200}, {513, 1025}} {
		img := image.NewYCbCr(image.Rect(0, 0, sz.X, sz.Y), image.YCbCrSubsampleRatio420)
		for i := range img.Y {
			img.Y[i] = uint8(i*7 + i/sz.X*3)
		}
		for i := range img.Cb {
			img.Cb[i], img.Cr[i] = uint8(i*5), uint8(255-i*3)
		}
		for o := 1; o <= 8; o++ {
			got := sampleGrid(img, sz.X, sz.Y, 1, o)
			want := fingerprint.Canonical(Orient(img, o))
			if got.Rect != want.Rect {
				t.Fatalf("%v orientation %d: %v, want %v", sz, o, got.Rect, want.Rect)
			}
			for i := range got.Pix {
				if got.Pix[i] != want.Pix[i] {
					t.Fatalf("%v orientation %d: byte %d is %d, want %d", sz, o, i, got.Pix[i], want.Pix[i])
				}
			}
		}
	}
}

// TestSampleGridScaled: at 1/scale each sample reads the decoded pixel
// covering the full-size point, so a picture made of scale×scale blocks
// samples the same whether decoded whole or at 1/scale.
func TestSampleGridScaled(t *testing.T) {
	const w, h, s = 2100, 1300, 2
	full := image.NewGray(image.Rect(0, 0, w, h))
	small := image.NewGray(image.Rect(0, 0, (w+s-1)/s, (h+s-1)/s))
	for y := range small.Rect.Dy() {
		for x := range small.Rect.Dx() {
			small.SetGray(x, y, color.Gray{uint8(x*13 ^ y*7)})
		}
	}
	for y := range h {
		for x := range w {
			full.SetGray(x, y, small.GrayAt(x/s, y/s))
		}
	}
	for o := 1; o <= 8; o++ {
		got := sampleGrid(small, w, h, s, o)
		want := fingerprint.Canonical(Orient(full, o))
		if string(got.Pix) != string(want.Pix) {
			t.Fatalf("orientation %d: scaled sampling differs from the full-size one", o)
		}
	}
}

func TestPlanJPEGScale(t *testing.T) {
	tests := []struct{ w, h, want int }{
		{4032, 3024, 4}, {3024, 4032, 4}, {8000, 4200, 8}, {4095, 8000, 8}, {4088, 8000, 4}, {4096, 4096, 8},
		{2048, 1536, 2}, {1600, 1200, 2}, {1600, 1004, 1}, {1024, 1024, 2}, {1023, 4000, 2}, {1022, 4000, 1}, {512, 512, 1}, {200, 100, 1},
	}
	for _, tt := range tests {
		if got := gridScale(tt.w, tt.h); got != tt.want {
			t.Errorf("%dx%d: scale 1/%d, want 1/%d", tt.w, tt.h, got, tt.want)
		}
	}
}
