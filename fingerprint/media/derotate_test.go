package media

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
)

// Derotate turns back a photo that ImageMagick rotated a few degrees onto
// a white or black canvas (convert -background white -rotate 4), close
// enough for its PDQ to match the original's, and one rotated and cropped
// back to its size (-rotate 5 -gravity center -crop 320x320+0+0, which
// IM 6 takes from the canvas's top left, leaving wedges on two sides),
// close enough to match one of the original's listed crops; it leaves
// upright photos, a dark-sky photo and a bordered one alone.
func TestDerotate(t *testing.T) {
	astro := loadJPEG(t, canonData+"astronaut-320.q85.jpg")
	orig, err := fingerprint.FromImage(astro)
	if err != nil {
		t.Fatal(err)
	}
	crops := canon.ListCrops(astro)
	for _, tt := range []struct {
		file string
		deg  float64 // 0: no rotation to find
		name string  // the hash Derotate should give
	}{
		{"astronaut-320-rot4-white.q85.jpg", 4, "derotate"},
		{"astronaut-320-rot-3-black.q85.jpg", -3, "derotate"},
		{"astronaut-320-rot5-fit.q85.jpg", 5, "derotate-inner"},
		{"astronaut-320-rot-6-fit-white.q85.jpg", -6, "derotate-inner"},
		{"astronaut-320.q85.jpg", 0, ""},
		{"hubble-deep-field-320.q85.jpg", 0, ""},
	} {
		img := loadJPEG(t, testdataPath(tt.file))
		_, c, grey, err := fingerprint.FromImageCanonical(img)
		if err != nil {
			t.Fatal(err)
		}
		if tt.deg != 0 {
			g, ok := wedges(c, float64(c.Rect.Dx())/float64(img.Bounds().Dx()), float64(c.Rect.Dy())/float64(img.Bounds().Dy()))
			th := g.theta
			if !ok || math.Abs(th*180/math.Pi-tt.deg) > 0.3 {
				t.Errorf("%s: angle %.2f° (found %v), want %v°", tt.file, th*180/math.Pi, ok, tt.deg)
			}
		}
		r := Derotate(c, grey, img.Bounds().Dx(), img.Bounds().Dy())
		switch {
		case tt.deg == 0 && r.Name != "":
			t.Errorf("%s: derotated an upright picture (%v)", tt.file, r.Rect)
		case tt.deg != 0 && r.Name != tt.name:
			t.Errorf("%s: derotated as %q, want %q", tt.file, r.Name, tt.name)
		case tt.deg != 0:
			// The whole picture's hash is near the original's; the inner
			// box's near the listed crop of its size.
			d := r.Dihedral[0].Distance(orig.PDQ)
			for _, h := range crops {
				d = min(d, r.Dihedral[0].Distance(h))
			}
			if d > 31 || r.Quality < 50 {
				t.Errorf("%s: derotated PDQ %d bits from the original and its crops at quality %d, want <= 31 at >= 50", tt.file, d, r.Quality)
			} else {
				t.Logf("%s: %v, %d bits from the original or a listed crop (raw PDQ of the rotated file: %d from the original)", tt.file, r.Rect, d, mustPDQ(t, c, grey).Distance(orig.PDQ))
			}
		}
	}
	// A border is not a rotation.
	bordered := viaJPEG(t, place(picture(400, 300, 7), 480, 360, 40, 30, color.White), 90)
	if r := Derotate(bordered, false, bordered.Rect.Dx(), bordered.Rect.Dy()); r.Name != "" {
		t.Errorf("derotated a bordered picture (%v)", r.Rect)
	}
}

// canonData holds canon's test photos, which these tests share.
const canonData = "../canon/testdata/"

// testdataPath is name in this package's testdata, or in canon's for the
// two photos kept there.
func testdataPath(name string) string {
	if name == "astronaut-320.q85.jpg" || name == "hubble-deep-field-320.q85.jpg" {
		return canonData + name
	}
	return "testdata/" + name
}

func loadJPEG(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
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

// nearRect reports whether a and b differ by at most d on every edge.
func nearRect(a, b image.Rectangle, d int) bool {
	f := func(u, v int) bool { return u-v <= d && v-u <= d }
	return f(a.Min.X, b.Min.X) && f(a.Min.Y, b.Min.Y) && f(a.Max.X, b.Max.X) && f(a.Max.Y, b.Max.Y)
}

func mustPDQ(t *testing.T, c *image.NRGBA, grey bool) fingerprint.PDQHash {
	h, _ := fingerprint.PDQRegion(c, c.Rect, grey)
	return h[0]
}

// BenchmarkDerotate: an upright photo (the corner test rejects it) and a
// turned, cropped-back one (measured, turned back and hashed).
func BenchmarkDerotate(b *testing.B) {
	for _, name := range []string{"astronaut-320.q85.jpg", "astronaut-320-rot5-fit.q85.jpg"} {
		fh, err := os.ReadFile(testdataPath(name))
		if err != nil {
			b.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(fh))
		if err != nil {
			b.Fatal(err)
		}
		c := fingerprint.Canonical(img)
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Derotate(c, false, w, h)
			}
		})
	}
}
