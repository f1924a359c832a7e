package media

import (
	"image"
	"slices"

	"github.com/hashgate/hashgate/fingerprint"
)

// ListTurns returns the upright PDQ of a listed image img turned and
// mirrored: its seven other orientations (EXIF's 2..8), each hashed from
// the turned pixels through the canonical pipeline, as a file of it would
// be. A publisher with the media at hand lists them beside the image's own
// PDQ: the edge and the browser derive the turns of a query's hash from its
// DCT, but PDQ's box filter is not mirror-symmetric at the pixel level
// (over a 512-pixel canonical side its width is even), so the derived
// hash lies a median 14 bits from the turned file's, and over 31 for 9 %
// of turns, most on fine texture (gravel, grass, brick, text): 658 turns
// of the 94 listable bench/variants listed and hold-out originals. A turn whose hash is one of the derived ones already, or whose
// quality is under 50, is left out.
func ListTurns(img image.Image) []fingerprint.PDQHash {
	f, err := fingerprint.FromImage(img)
	if err != nil {
		return nil
	}
	var out []fingerprint.PDQHash
	for o := 2; o <= 8; o++ {
		t, err := fingerprint.FromImage(Orient(img, o))
		if err != nil || t.PDQQuality < 50 {
			continue
		}
		if !slices.Contains(f.PDQDihedral[:], t.PDQ) && !slices.Contains(out, t.PDQ) {
			out = append(out, t.PDQ)
		}
	}
	return out
}
