package media

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// picture draws a deterministic textured scene: a gradient with noise and
// a few dozen rectangles.
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

// viaJPEG encodes m at quality q and fingerprints the file as the edge
// does, returning the canonical image it hashed.
func viaJPEG(t *testing.T, m image.Image, q int) *image.NRGBA {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	_, c, _, err := FingerprintCanonical(b.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAnchored(t *testing.T) {
	tests := []struct {
		anchor         string
		fw, fh         float64
		name           string
		x0, y0, x1, y1 float64
	}{
		{"c", 0.8, 0.8, "c80x80", 0.1, 0.1, 0.9, 0.9},
		{"se", 0.9, 0.9, "se90x90", 0.1, 0.1, 1, 1},
		{"nw", 0.7, 0.6, "nw70x60", 0, 0, 0.7, 0.6},
		{"ne", 0.9, 0.9, "ne90x90", 0.1, 0, 1, 0.9},
		{"sw", 0.9, 0.9, "sw90x90", 0, 0.1, 0.9, 1},
		{"s", 1, 0.9, "s100x90", 0, 0.1, 1, 1},
		{"n", 1, 0.75, "n100x75", 0, 0, 1, 0.75},
		{"e", 0.6, 1, "e60x100", 0.4, 0, 1, 1},
		{"w", 0.6, 0.5, "w60x50", 0, 0.25, 0.6, 0.75},
		{"c", 0.6, 1, "c60x100", 0.2, 0, 0.8, 1},
	}
	for _, tc := range tests {
		r := Anchored(tc.anchor, tc.fw, tc.fh)
		got := [4]float64{r.X0, r.Y0, r.X1, r.Y1}
		want := [4]float64{tc.x0, tc.y0, tc.x1, tc.y1}
		for i := range got {
			if d := got[i] - want[i]; d > 1e-9 || d < -1e-9 {
				t.Errorf("Anchored(%q, %v, %v) = %v, want %v", tc.anchor, tc.fw, tc.fh, got, want)
				break
			}
		}
		if r.Name != tc.name {
			t.Errorf("Anchored(%q, %v, %v).Name = %q, want %q", tc.anchor, tc.fw, tc.fh, r.Name, tc.name)
		}
	}
}

func TestRegionRect(t *testing.T) {
	tests := []struct {
		r    Region
		w, h int
		want image.Rectangle
	}{
		{Anchored("c", 0.8, 0.8), 512, 384, image.Rect(51, 38, 461, 346)},
		{Anchored("se", 0.9, 0.9), 255, 191, image.Rect(25, 19, 255, 191)}, // 1-0.9 is just under 0.1
		{Anchored("s", 1, 0.9), 100, 100, image.Rect(0, 10, 100, 100)},
		{Anchored("c", 1, 1), 7, 5, image.Rect(0, 0, 7, 5)},
	}
	for _, tc := range tests {
		if got := tc.r.Rect(tc.w, tc.h); got != tc.want {
			t.Errorf("%s on %dx%d: %v, want %v", tc.r.Name, tc.w, tc.h, got, tc.want)
		}
	}
}

// TestQueryRegions holds the edge's regions to what match searches and to
// sane geometry: inside the image, at least half of each side, distinct.
func TestQueryRegions(t *testing.T) {
	rs := QueryRegions()
	if len(rs) == 0 || len(rs) > 16 { // match.MaxRegions
		t.Fatalf("%d query regions, want 1..16", len(rs))
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if r.X0 < 0 || r.Y0 < 0 || r.X1 > 1+1e-9 || r.Y1 > 1+1e-9 || r.X1-r.X0 < 0.5 || r.Y1-r.Y0 < 0.5 {
			t.Errorf("region %s = %+v: outside the image or under half a side", r.Name, r)
		}
		if r.X1-r.X0 > 1-1e-9 && r.Y1-r.Y0 > 1-1e-9 {
			t.Errorf("region %s is the whole image, which the raw PDQ already is", r.Name)
		}
		if seen[r.Name] {
			t.Errorf("region %s twice", r.Name)
		}
		seen[r.Name] = true
	}
}

// TestHashRegionsFindsPlacedPicture places a picture on a textured canvas
// exactly where each query region falls: that region's hash lands near the
// picture's own PDQ, and the canvas's raw PDQ does not.
func TestHashRegionsFindsPlacedPicture(t *testing.T) {
	b, err := os.ReadFile("../canon/testdata/astronaut-320.q85.jpg")
	if err != nil {
		t.Fatal(err)
	}
	pic, err := DecodeBytes(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pw, ph := pic.Bounds().Dx(), pic.Bounds().Dy()
	pc := fingerprint.Canonical(pic)
	want, q := fingerprint.PDQRegion(pc, pc.Rect, false)
	if q < 50 {
		t.Fatalf("test picture has PDQ quality %d", q)
	}
	for i, r := range QueryRegions() {
		// The canvas whose region r is exactly the picture.
		cw, ch := int(float64(pw)/(r.X1-r.X0)+0.5), int(float64(ph)/(r.Y1-r.Y0)+0.5)
		x, y := int(r.X0*float64(cw)+0.5), int(r.Y0*float64(ch)+0.5)
		m := picture(cw, ch, 100+uint64(i))
		draw.Draw(m, image.Rect(x, y, x+pw, y+ph), pic, pic.Bounds().Min, draw.Src)
		c := viaJPEG(t, m, 90)
		raw, _ := fingerprint.PDQRegion(c, c.Rect, false)
		hs := HashRegions(c, false, []Region{r})
		if len(hs) != 1 || hs[0].Name != "region:"+r.Name {
			t.Fatalf("%s: HashRegions gave %+v", r.Name, hs)
		}
		if d := hs[0].Dihedral[0].Distance(want[0]); d > 20 || hs[0].Quality < 50 {
			t.Errorf("%s: region hash %d bits from the picture's PDQ (quality %d), want at most 20", r.Name, d, hs[0].Quality)
		}
		if d := raw[0].Distance(want[0]); d <= 31 {
			t.Errorf("%s: the canvas's raw PDQ is %d bits from the picture's: the test shows nothing", r.Name, d)
		}
	}
}

// TestHalve checks the 2×2 average against the obvious per-pixel sum, on
// an odd size (the last row and column are dropped).
func TestHalve(t *testing.T) {
	m := picture(301, 203, 9)
	h := halve(m)
	if h.Rect != image.Rect(0, 0, 150, 101) {
		t.Fatalf("halved to %v", h.Rect)
	}
	for y := range 101 {
		for x := range 150 {
			a, b, c, d := m.NRGBAAt(2*x, 2*y), m.NRGBAAt(2*x+1, 2*y), m.NRGBAAt(2*x, 2*y+1), m.NRGBAAt(2*x+1, 2*y+1)
			want := uint8((int(a.G) + int(b.G) + int(c.G) + int(d.G) + 2) / 4)
			if got := h.NRGBAAt(x, y).G; got != want {
				t.Fatalf("(%d,%d): green %d, want %d", x, y, got, want)
			}
		}
	}
	if small := picture(100, 300, 1); halve(small) != small {
		t.Error("an image under 128 px on a side was halved")
	}
}
