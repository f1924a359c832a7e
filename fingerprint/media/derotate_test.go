package canon

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// Derotate turns back a photo that ImageMagick rotated a few degrees onto
// a white or black canvas (convert -background white -rotate 4), close
// enough for its PDQ to match the original's, and leaves upright photos,
// a dark-sky photo and a bordered one alone.
func TestDerotate(t *testing.T) {
	orig, err := fingerprint.FromImage(loadJPEG(t, "astronaut-320.q85.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file string
		deg  float64 // 0: no rotation to find
	}{
		{"astronaut-320-rot4-white.q85.jpg", 4},
		{"astronaut-320-rot-3-black.q85.jpg", -3},
		{"astronaut-320.q85.jpg", 0},
		{"hubble-deep-field-320.q85.jpg", 0},
	} {
		img := loadJPEG(t, tt.file)
		_, c, grey, err := fingerprint.FromImageCanonical(img)
		if err != nil {
			t.Fatal(err)
		}
		if tt.deg != 0 {
			th, ok := cornerAngle(c, float64(c.Rect.Dx())/float64(img.Bounds().Dx()), float64(c.Rect.Dy())/float64(img.Bounds().Dy()))
			if !ok || math.Abs(th*180/math.Pi-tt.deg) > 0.5 {
				t.Errorf("%s: angle %.2f° (found %v), want %v°", tt.file, th*180/math.Pi, ok, tt.deg)
			}
		}
		r := Derotate(c, grey, img.Bounds().Dx(), img.Bounds().Dy())
		switch {
		case tt.deg == 0 && r.Name != "":
			t.Errorf("%s: derotated an upright picture (%v)", tt.file, r.Rect)
		case tt.deg != 0 && r.Name != "derotate":
			t.Errorf("%s: not derotated", tt.file)
		case tt.deg != 0:
			if d := r.Dihedral[0].Distance(orig.PDQ); d > 31 || r.Quality < 50 {
				t.Errorf("%s: derotated PDQ %d bits from the original at quality %d, want <= 31 at >= 50", tt.file, d, r.Quality)
			} else {
				t.Logf("%s: %d bits from the original (raw PDQ of the rotated file: %d)", tt.file, d, mustPDQ(t, c, grey).Distance(orig.PDQ))
			}
		}
	}
	// A border is not a rotation.
	bordered := viaJPEG(t, place(picture(400, 300, 7), 480, 360, 40, 30, color.White), 90)
	if r := Derotate(bordered, false, bordered.Rect.Dx(), bordered.Rect.Dy()); r.Name != "" {
		t.Errorf("derotated a bordered picture (%v)", r.Rect)
	}
}

func mustPDQ(t *testing.T, c *image.NRGBA, grey bool) fingerprint.PDQHash {
	h, _ := fingerprint.PDQRegion(c, c.Rect, grey)
	return h[0]
}
