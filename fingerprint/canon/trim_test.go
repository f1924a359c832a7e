package canon

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// picture draws a deterministic textured scene: overlapping rectangles
// and noise, nothing flat across a whole row or column.
func picture(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(60 + (x*7+y*3)%120 + r.IntN(40))
			m.SetNRGBA(x, y, color.NRGBA{v, uint8(int(v) * 3 / 4), uint8(255 - int(v)), 255})
		}
	}
	for range 40 {
		x, y := r.IntN(w), r.IntN(h)
		c := color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		draw.Draw(m, image.Rect(x, y, x+10+r.IntN(w/4), y+10+r.IntN(h/4)), image.NewUniform(c), image.Point{}, draw.Src)
	}
	return m
}

// place puts p on a w×h canvas of colour bg at (x, y).
func place(p image.Image, w, h, x, y int, bg color.Color) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
	draw.Draw(m, p.Bounds().Add(image.Pt(x, y)), p, p.Bounds().Min, draw.Src)
	return m
}

// viaJPEG encodes and decodes m at quality q and returns the canonical
// image, as the edge and the browser would see the file.
func viaJPEG(t *testing.T, m image.Image, q int) *image.NRGBA {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	d, err := jpeg.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	return fingerprint.Canonical(d)
}

func loadJPEG(t *testing.T, name string) image.Image {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// near reports whether a and b differ by at most d on every edge.
func nearRect(a, b image.Rectangle, d int) bool {
	f := func(u, v int) bool { return u-v <= d && v-u <= d }
	return f(a.Min.X, b.Min.X) && f(a.Min.Y, b.Min.Y) && f(a.Max.X, b.Max.X) && f(a.Max.Y, b.Max.Y)
}

// unletterbox is the rule of Meta's `tx hash --preprocess=unletterbox`:
// trim whole rows and columns whose every channel value is at most 15.
func unletterbox(c *image.NRGBA) image.Rectangle {
	dark := func(x0, y0, x1, y1 int) bool {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				p := c.Pix[y*c.Stride+4*x:]
				if p[0] > 15 || p[1] > 15 || p[2] > 15 {
					return false
				}
			}
		}
		return true
	}
	r := c.Rect
	for r.Dy() > 1 && dark(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1) {
		r.Min.Y++
	}
	for r.Dy() > 1 && dark(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y) {
		r.Max.Y--
	}
	for r.Dx() > 1 && dark(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y) {
		r.Min.X++
	}
	for r.Dx() > 1 && dark(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y) {
		r.Max.X--
	}
	return r
}

func TestTrim(t *testing.T) {
	astro := loadJPEG(t, "astronaut-320.q85.jpg") // 320×320
	pic := picture(300, 200, 1)
	tests := []struct {
		name string
		img  image.Image
		q    int
		want image.Rectangle // in the canonical image; the whole image means no trim
		// meta says whether unletterbox also finds it (for the record).
		meta bool
	}{
		{"letterbox black q40", place(pic, 300, 300, 0, 50, color.Black), 40, image.Rect(0, 50, 300, 250), true},
		{"letterbox dark grey q40", place(pic, 300, 300, 0, 50, color.Gray{0x22}), 40, image.Rect(0, 50, 300, 250), false},
		{"pillarbox white q60", place(pic, 420, 200, 60, 0, color.White), 60, image.Rect(60, 0, 360, 200), false},
		{"border of any colour q50", place(pic, 340, 240, 20, 20, color.NRGBA{200, 30, 90, 255}), 50, image.Rect(20, 20, 320, 220), false},
		{"real photo pillarboxed q50", place(astro, 440, 320, 60, 0, color.Black), 50, image.Rect(60, 0, 380, 320), true},
		{"real photo in a flat frame q70", place(astro, 400, 400, 50, 30, color.NRGBA{30, 90, 160, 255}), 70, image.Rect(50, 30, 370, 350), false},
		{"real photo as is", astro, 85, image.Rect(0, 0, 320, 320), true},
		{"real dark sky (Hubble deep field)", loadJPEG(t, "hubble-deep-field-320.q85.jpg"), 85, image.Rect(0, 0, 320, 279), true},
		{"synthetic night sky over a ragged horizon", nightSky(320, 240), 75, image.Rect(0, 0, 320, 240), false},
		{"caption band with text", caption(pic), 60, image.Rect(0, 48, 300, 248), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := viaJPEG(t, tc.img, tc.q)
			got := Trim(c)
			if !nearRect(got, tc.want, 3) {
				t.Errorf("Trim = %v, want %v (±3)", got, tc.want)
			}
			if m := unletterbox(c); nearRect(m, tc.want, 3) != tc.meta {
				t.Logf("unletterbox = %v (finds it: %v)", m, !tc.meta)
			}
		})
	}
}

// nightSky is a dark sky that brightens slowly towards a ragged horizon
// of hills: its top rows are near-uniform, but no straight edge ends them.
func nightSky(w, h int) *image.NRGBA {
	r := rand.New(rand.NewPCG(5, 5))
	m := picture(w, h, 2)
	ridge := h / 2
	for x := range w {
		if r.IntN(3) == 0 {
			ridge += r.IntN(9) - 4
		}
		ridge = min(max(ridge, h/3), 2*h/3)
		for y := range ridge {
			v := uint8(8 + 30*y/ridge + r.IntN(4))
			m.SetNRGBA(x, y, color.NRGBA{v / 2, v / 2, v, 255})
		}
	}
	return m
}

// caption puts a white band with black text-like strokes above pic.
func caption(pic image.Image) *image.NRGBA {
	b := pic.Bounds()
	m := place(pic, b.Dx(), b.Dy()+48, 0, 48, color.White)
	r := rand.New(rand.NewPCG(3, 3))
	for x := 10; x < b.Dx()-20; x += 14 {
		draw.Draw(m, image.Rect(x, 12+r.IntN(4), x+5, 34), image.NewUniform(color.Black), image.Point{}, draw.Src)
	}
	return m
}

func TestRobustOnlyWhenTrimmed(t *testing.T) {
	astro := loadJPEG(t, "astronaut-320.q85.jpg")
	c := viaJPEG(t, astro, 85)
	if r := Robust(c, false); r[0].Name != "" {
		t.Fatalf("untrimmed photo got a robust hash: %+v", r[0])
	}
	boxed := viaJPEG(t, place(astro, 440, 320, 60, 0, color.Black), 60)
	r := Robust(boxed, false)
	if r[0].Name != "trim" || r[0].Quality < 50 {
		t.Fatalf("pillarboxed photo: robust %+v", r[0])
	}
	orig, _ := fingerprint.FromImage(astro)
	if d := orig.PDQ.Distance(r[0].Dihedral[0]); d > 31 {
		t.Errorf("trimmed hash is %d bits from the original's PDQ, want <= 31", d)
	}
	raw, _ := fingerprint.FromImage(boxed)
	t.Logf("pillarboxed: raw PDQ %d bits from the original, trimmed %d", orig.PDQ.Distance(raw.PDQ), orig.PDQ.Distance(r[0].Dihedral[0]))
}

// CentredCrop snaps a share down to a centred crop ListCrops lists.
func TestCentredCrop(t *testing.T) {
	for _, tt := range []struct {
		k    float64
		want float64
		ok   bool
	}{
		{1, 0.96, true}, {0.96, 0.96, true}, {0.959, 0.92, true}, {0.887, 0.88, true},
		{0.70, 0.68, true}, {0.68, 0.68, true}, {0.67, 0, false},
	} {
		got, ok := CentredCrop(tt.k)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("CentredCrop(%v) = %v, %v; want %v, %v", tt.k, got, ok, tt.want, tt.ok)
		}
	}
	if n := len(centredShares()); n != 8 {
		t.Errorf("%d centred shares, want 8 (96 %% to 68 %%)", n)
	}
}
