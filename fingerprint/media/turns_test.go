package media

import (
	"image"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// ListTurns lists exactly the turns whose own PDQ the derived dihedral
// variants miss: some for a finely textured 512×512 picture (PDQ's box
// filter over 512 pixels has an even width, so mirroring moves it by a
// pixel), none for a 320×320 photo (an odd width: the derived variants are
// exact), and never the upright hash.
func TestListTurns(t *testing.T) {
	for _, tt := range []struct {
		name string
		img  image.Image
		some bool
	}{
		{"textured 512x512", picture(512, 512, 5), true},
		{"astronaut 320x320", loadJPEG(t, testdataPath("astronaut-320.q85.jpg")), false},
	} {
		img := tt.img
		f, err := fingerprint.FromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		turns := ListTurns(img)
		for _, h := range turns {
			if h == f.PDQ {
				t.Errorf("%s: the upright hash is listed as a turn", tt.name)
			}
		}
		// Each listed turn is the PDQ of a file turned that way.
		for o := 2; o <= 8; o++ {
			g, err := fingerprint.FromImage(Orient(img, o))
			if err != nil {
				t.Fatal(err)
			}
			derived := false
			for _, d := range f.PDQDihedral {
				derived = derived || d == g.PDQ
			}
			listed := false
			for _, h := range turns {
				listed = listed || h == g.PDQ
			}
			if listed == (derived || g.PDQQuality < 50) {
				t.Errorf("%s: orientation %d: derived %v, listed %v", tt.name, o, derived, listed)
			}
		}
		if tt.some != (len(turns) > 0) {
			t.Errorf("%s: %d turns listed, want some: %v", tt.name, len(turns), tt.some)
		}
	}
}
