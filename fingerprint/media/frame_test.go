package media

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// canvas draws a smooth, non-uniform background: a sum of slow waves with a
// little noise, like paper or a plasma texture, which Trim does not cut.
func canvas(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 2))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := 150 + 40*math.Sin(float64(x)/37+float64(y)/53) + 25*math.Cos(float64(y)/29-float64(x)/71) + float64(r.IntN(7))
			m.SetNRGBA(x, y, color.NRGBA{uint8(v), uint8(v * 0.8), uint8(v * 0.55), 255})
		}
	}
	return m
}

// Frame finds a photo pasted on a textured canvas (ImageMagick's plasma,
// and a synthetic one), and its hash lands within the match threshold of
// the original's; it finds nothing in photos with no canvas, flat or
// textured.
func TestFrame(t *testing.T) {
	astro := loadJPEG(t, canonData+"astronaut-320.q85.jpg")
	orig, err := fingerprint.FromImage(astro)
	if err != nil {
		t.Fatal(err)
	}
	synth := canvas(420, 400, 1)
	for y := range 320 {
		for x := range 320 {
			synth.Set(40+x, 50+y, astro.At(x, y))
		}
	}
	for _, tt := range []struct {
		name string
		c    *image.NRGBA
		want image.Rectangle // in the canonical image; empty: no frame
	}{
		// convert astronaut-320.q85.jpg '(' -size 427x427 -seed 5
		// plasma:tan-sienna ')' +swap -gravity center -geometry +10+5
		// -composite -quality 85: the picture at (63, 58) on the canvas.
		{"plasma canvas", fingerprint.Canonical(loadJPEG(t, "testdata/astronaut-320-frame-plasma.q85.jpg")), image.Rect(63, 58, 383, 378)},
		{"synthetic canvas", viaJPEG(t, synth, 90), image.Rect(40, 50, 360, 370)},
		{"astronaut", fingerprint.Canonical(astro), image.Rectangle{}},
		{"hubble", fingerprint.Canonical(loadJPEG(t, canonData+"hubble-deep-field-320.q85.jpg")), image.Rectangle{}},
		{"texture", viaJPEG(t, picture(400, 300, 3), 90), image.Rectangle{}},
	} {
		r := Frame(tt.c, false)
		switch {
		case tt.want.Empty() && r.Name != "":
			t.Errorf("%s: found a frame %v in a picture with none", tt.name, r.Rect)
		case tt.want.Empty():
		case r.Name != "frame":
			t.Errorf("%s: no frame found, want %v", tt.name, tt.want)
		case !nearRect(r.Rect, tt.want, 2):
			t.Errorf("%s: frame %v, want %v within 2 px", tt.name, r.Rect, tt.want)
		default:
			if d := r.Dihedral[0].Distance(orig.PDQ); d > 31 {
				t.Errorf("%s: framed picture's PDQ %d bits from the original, want <= 31", tt.name, d)
			} else {
				t.Logf("%s: %v, %d bits from the original (whole file: %d)", tt.name, r.Rect, d, mustPDQ(t, tt.c, false).Distance(orig.PDQ))
			}
		}
	}
}

func BenchmarkFrame(b *testing.B) {
	c := image.NewNRGBA(image.Rect(0, 0, 512, 512))
	for i := range c.Pix {
		c.Pix[i] = uint8(i * 7 % 251)
	}
	b.ReportAllocs()
	for b.Loop() {
		Frame(c, false)
	}
}
