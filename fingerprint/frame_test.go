package fingerprint

import (
	"image"
	"math/rand/v2"
	"testing"
)

// PDQFromLuma of the plane PDQFullResolution builds gives its hash and
// quality, with a reused scratch too.
func TestPDQFromLumaMatchesFullResolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var scratch []float32
	for _, tc := range []struct {
		name string
		w, h int
		grey bool
	}{
		{"colour 480x720", 480, 720, false},
		{"grey 300x200", 300, 200, true},
		{"colour 97x61", 97, 61, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewNRGBA(image.Rect(0, 0, tc.w, tc.h))
			for y := range tc.h {
				for x := range tc.w {
					p := img.Pix[img.PixOffset(x, y):]
					v := uint8((x*7 + y*3 + rng.IntN(40)) % 256)
					p[0], p[1], p[2], p[3] = v, v, v, 0xff
					if !tc.grey {
						p[1], p[2] = uint8(rng.IntN(256)), uint8((x+y)%256)
					}
				}
			}
			want, wq, err := PDQFullResolution(img)
			if err != nil {
				t.Fatal(err)
			}
			luma := make([]float32, tc.w*tc.h)
			for i := range luma {
				p := img.Pix[4*i:]
				if tc.grey {
					luma[i] = float32(p[0])
				} else {
					luma[i] = float32(lumaR*float32(p[0])) + float32(lumaG*float32(p[1])) + float32(lumaB*float32(p[2]))
				}
			}
			var got PDQHash
			var q int
			got, q, scratch, err = PDQFromLuma(luma, tc.w, tc.h, scratch)
			if err != nil {
				t.Fatal(err)
			}
			if got != want || q != wq {
				t.Errorf("PDQFromLuma %s q%d, PDQFullResolution %s q%d", got, q, want, wq)
			}
		})
	}
	if _, _, _, err := PDQFromLuma(make([]float32, 3), 2, 2, nil); err == nil {
		t.Error("a plane shorter than its size was accepted")
	}
}
