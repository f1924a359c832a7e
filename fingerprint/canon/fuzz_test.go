package canon

import (
	"image"
	"testing"
)

// FuzzTrim feeds Trim and Robust arbitrary pixels: they never panic and the
// rectangle stays inside the image, keeping at least minKeep of each side.
func FuzzTrim(f *testing.F) {
	f.Add(uint16(64), uint16(48), []byte{0, 0, 0, 255, 255, 255})
	f.Add(uint16(200), uint16(17), []byte{10, 200, 30})
	f.Fuzz(func(t *testing.T, w, h uint16, seed []byte) {
		if w == 0 || h == 0 || w > 512 || h > 512 || len(seed) == 0 {
			return
		}
		m := image.NewNRGBA(image.Rect(0, 0, int(w), int(h)))
		for i := range m.Pix {
			m.Pix[i] = seed[(i*7+i/len(seed))%len(seed)]
		}
		r := Trim(m)
		if !r.In(m.Rect) || r.Empty() {
			t.Fatalf("Trim = %v outside %v", r, m.Rect)
		}
		if r != m.Rect && (float64(r.Dx()) < minKeep*float64(w) || float64(r.Dy()) < minKeep*float64(h)) {
			t.Fatalf("Trim = %v keeps too little of %v", r, m.Rect)
		}
		Robust(m, false)
	})
}
