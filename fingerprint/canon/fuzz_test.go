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

// FuzzDerotate feeds Derotate arbitrary pixels and file sizes: it never
// panics, and a hash it returns is of a box inside the image.
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
		r := Derotate(m, false, int(w0), int(h0))
		if r.Name != "" && (!r.Rect.In(m.Rect) || r.Rect.Empty()) {
			t.Fatalf("Derotate box %v outside %v", r.Rect, m.Rect)
		}
	})
}
