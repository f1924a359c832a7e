package canon

import (
	"image"

	"github.com/hashgate/hashgate/fingerprint"
)

// Robust returns the robust PDQ hashes of a canonical image c (at most
// 512×512, as fingerprint.Canonical returns it): the trimmed picture, when
// Trim finds a border, band or fill. A picture Trim leaves whole gets none:
// its raw PDQ already is that hash. grey says the image is all grey, as the
// raw PDQ's grey path decides it.
func Robust(c *image.NRGBA, grey bool) [fingerprint.MaxRobust]fingerprint.RobustPDQ {
	var out [fingerprint.MaxRobust]fingerprint.RobustPDQ
	t := Trim(c)
	if t == c.Rect {
		return out
	}
	h, q := fingerprint.PDQRegion(c, t, grey)
	out[0] = fingerprint.RobustPDQ{Name: "trim", Rect: t, Dihedral: h, Quality: q}
	return out
}

// Add fills f.Robust for the image img that f was computed from.
func Add(f *fingerprint.Fingerprints, img image.Image) {
	c := fingerprint.Canonical(img)
	f.Robust = Robust(c, allGrey(c))
}

func allGrey(c *image.NRGBA) bool {
	for y := c.Rect.Min.Y; y < c.Rect.Max.Y; y++ {
		row := c.Pix[(y-c.Rect.Min.Y)*c.Stride:]
		for x := range c.Rect.Dx() {
			p := row[4*x:]
			if p[0] != p[1] || p[0] != p[2] {
				return false
			}
		}
	}
	return true
}
