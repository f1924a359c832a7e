package media

import (
	"image"

	"github.com/hashgate/hashgate/fingerprint"
)

// A Region is a sub-rectangle of an uploaded image, in fractions of its
// width and height, that the edge hashes as an extra query: where a listed
// picture (or one of its listed sub-crops, ListCrops) may sit inside a
// reframed or off-centre-cropped copy. Name is what a match reports.
//
// Region hashing lives here, not in fingerprint/canon beside the trim:
// canon is linked into the browser's wasm module, and these are the edge's
// alone (no byte of the module changes for them).
type Region struct {
	Name           string
	X0, Y0, X1, Y1 float64
}

// Rect is r on a w×h image, rounded to the nearest pixel.
func (r Region) Rect(w, h int) image.Rectangle {
	at := func(f float64, n int) int { return int(f*float64(n) + 0.5) }
	return image.Rect(at(r.X0, w), at(r.Y0, h), at(r.X1, w), at(r.Y1, h))
}

// Anchored is the region keeping fw of the width and fh of the height,
// placed against the sides anchor names ("c" centred; "n", "s", "e", "w"
// and the four corners "nw", "ne", "sw", "se") and centred on the others.
// Its name is anchor, then the kept percentages ("se90x90").
func Anchored(anchor string, fw, fh float64) Region {
	x0, y0 := (1-fw)/2, (1-fh)/2
	for _, c := range anchor {
		switch c {
		case 'n':
			y0 = 0
		case 's':
			y0 = 1 - fh
		case 'w':
			x0 = 0
		case 'e':
			x0 = 1 - fw
		}
	}
	return Region{Name: anchor + pct(fw) + "x" + pct(fh), X0: x0, Y0: y0, X1: x0 + fw, Y1: y0 + fh}
}

func pct(f float64) string {
	n := int(f*100 + 0.5)
	if n >= 100 {
		return "100"
	}
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

// QueryRegions are the regions the edge hashes, in the order
// `bench/variants regions` picked them greedily on the listed set of the
// variants corpus (docs/variants.md has the table), stopping where the next
// region would add under 0.3 % of the listed edits:
//
//   - se90x90, the bottom-right 90 %: in a top-left 90 % crop it is the
//     original's centre 81 %, next to its listed 80 % crop;
//   - s100x90, the bottom 90 %: in a crop keeping the bottom 85 % it is the
//     original's bottom 76 %, a listed one-axis crop;
//   - c100x70 and c60x100, the middle 70 % of the height and 60 % of the
//     width: where a picture sits in a letterbox or pillarbox of blurred
//     fill (canvas 140 % tall, 160 % wide) that Trim leaves whole;
//   - c80x80, the centre 80 %: a picture inside a border;
//   - n100x75, the top 75 %: a picture above a caption band Trim does not
//     cut.
//
// Frames on a textured canvas and rotations by a few degrees gain almost
// nothing from any region tried: PDQ moves too far with a 2 % shift or a
// turn.
func QueryRegions() []Region {
	return []Region{
		Anchored("se", 0.9, 0.9), Anchored("s", 1, 0.9), Anchored("c", 1, 0.7),
		Anchored("c", 0.6, 1), Anchored("c", 0.8, 0.8), Anchored("n", 1, 0.75),
	}
}

// HashRegions returns the upright PDQ (all eight dihedral variants, as
// PDQRegion gives them) and quality of each region rs of the canonical
// image c, named "region:" + its name. The regions are hashed on c
// averaged down 2×2 (at most 256×256), a quarter of the cost: the hash
// lands a median 16 bits from the full-size region's, but as often within
// the threshold of the listed original (docs/fingerprint.md).
//
// The edge calls it (through Regions); neither the wasm module nor the
// publisher does: these are extra look-ups of the query, and the list is
// unchanged.
func HashRegions(c *image.NRGBA, grey bool, rs []Region) []fingerprint.RobustPDQ {
	if len(rs) == 0 {
		return nil
	}
	h := halve(c)
	w, ht := h.Rect.Dx(), h.Rect.Dy()
	out := make([]fingerprint.RobustPDQ, 0, len(rs))
	for _, r := range rs {
		d, q := fingerprint.PDQRegion(h, r.Rect(w, ht), grey)
		out = append(out, fingerprint.RobustPDQ{Name: "region:" + r.Name, Rect: r.Rect(c.Rect.Dx(), c.Rect.Dy()), Dihedral: d, Quality: q})
	}
	return out
}

// halve averages c's 2×2 blocks (a last odd row or column is dropped); an
// image under 128 pixels on a side is used as it is.
func halve(c *image.NRGBA) *image.NRGBA {
	w, h := c.Rect.Dx()/2, c.Rect.Dy()/2
	if w < 64 || h < 64 {
		return c
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		r0 := c.Pix[2*y*c.Stride:]
		r1 := c.Pix[(2*y+1)*c.Stride:]
		o := out.Pix[y*out.Stride:]
		for x := range w {
			for k := range 4 {
				i := 8*x + k
				o[4*x+k] = uint8((int(r0[i]) + int(r0[i+4]) + int(r1[i]) + int(r1[i+4]) + 2) / 4)
			}
		}
	}
	return out
}

// Regions returns the PDQ hashes of the query regions of a canonical image c
// (QueryRegions, hashed by HashRegions), as
// FingerprintCanonical returned c and grey: the edge's extra look-ups for
// a listed picture inside a reframed copy or a listed sub-crop inside an
// off-centre crop. Only the edge computes them.
func Regions(c *image.NRGBA, grey bool) []fingerprint.RobustPDQ {
	if c == nil {
		return nil
	}
	return HashRegions(c, grey, QueryRegions())
}
