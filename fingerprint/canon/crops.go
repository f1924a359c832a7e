package canon

import (
	"image"

	"github.com/hashgate/hashgate/fingerprint"
)

// A crop is a sub-rectangle of a listed image, in fractions of its width
// and height: x0, y0, x1, y1.
type crop [4]float64

// listCrops are the sub-crops a publisher hashes besides the whole image:
// centred crops keeping 96 % down to 68 % of each side in steps of 4 %,
// corner crops keeping 92 % down to 76 % in steps of 4 %, and crops of one
// axis keeping 88 % and 76 % against each edge (36 in all). PDQ moves 20–40
// bits when 3 % is taken off each side centrally and more off-centre
// (bench/variants), so a crop matches one within about 2 % a side of its
// own framing: 4 % steps leave none of the crops between further off.
// docs/fingerprint.md says what they buy. (A function, not a package
// variable: the wasm module links canon for Trim, and a variable's
// initialiser would come with it.)
func listCrops() []crop {
	var out []crop
	for _, k := range centredShares() {
		m := (1 - k) / 2
		out = append(out, crop{m, m, 1 - m, 1 - m})
	}
	for _, k := range []float64{0.92, 0.88, 0.84, 0.80, 0.76} {
		out = append(out, crop{0, 0, k, k}, crop{1 - k, 0, 1, k}, crop{0, 1 - k, k, 1}, crop{1 - k, 1 - k, 1, 1})
	}
	for _, k := range []float64{0.88, 0.76} {
		out = append(out, crop{0, 0, k, 1}, crop{1 - k, 0, 1, 1}, crop{0, 0, 1, k}, crop{0, 1 - k, 1, 1})
	}
	return out
}

// centredShares are the shares of each side the centred list crops keep,
// largest first.
func centredShares() []float64 {
	var out []float64
	for k := 0.96; k > 0.66; k -= 0.04 {
		out = append(out, k)
	}
	return out
}

// CentredCrop returns the largest share of each side that one of the
// centred crops ListCrops lists keeps and that is at most k, or false when
// none is that small: a query-side box of share k meets that listed crop.
func CentredCrop(k float64) (float64, bool) {
	for _, s := range centredShares() {
		if s <= k+1e-9 {
			return s, true
		}
	}
	return 0, false
}

// ListCrops returns the PDQ hashes (upright only) of the listed image img's
// sub-crops, each hashed through the canonical pipeline as a file of that
// crop would be. A publisher with the media at hand lists them as extra PDQ
// entries of the same item, so that cropped reposts match at the edge and
// in the browser with no change to either. Crops whose PDQ quality is
// below 50 are left out.
func ListCrops(img image.Image) []fingerprint.PDQHash {
	b := img.Bounds()
	type sub interface {
		SubImage(image.Rectangle) image.Image
	}
	s, ok := img.(sub)
	if !ok {
		return nil
	}
	var out []fingerprint.PDQHash
	for _, c := range listCrops() {
		r := image.Rect(
			b.Min.X+int(c[0]*float64(b.Dx())+0.5), b.Min.Y+int(c[1]*float64(b.Dy())+0.5),
			b.Min.X+int(c[2]*float64(b.Dx())+0.5), b.Min.Y+int(c[3]*float64(b.Dy())+0.5))
		cc := fingerprint.Canonical(s.SubImage(r))
		h, q := fingerprint.PDQRegion(cc, cc.Rect, allGrey(cc))
		if q >= 50 {
			out = append(out, h[0])
		}
	}
	return out
}
