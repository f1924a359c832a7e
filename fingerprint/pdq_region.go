package fingerprint

import (
	"image"
	"strconv"
)

// PDQRegion is the PDQ hash (all eight dihedral variants) and quality of
// the rectangle r of c, hashed at its own size: c is a canonical image
// (Canonical's result, at most 512×512), so r is too. Robust fingerprints
// (package fingerprint/canon) hash trimmed or cropped regions with it; the
// raw PDQ is always the whole canonical image. An empty or out-of-bounds r
// is clipped; a region under 5 px on a side hashes to zero with quality 0.
func PDQRegion(c *image.NRGBA, r image.Rectangle, grey bool) ([8]PDQHash, int) {
	r = r.Intersect(c.Rect)
	if r.Dx() < 5 || r.Dy() < 5 {
		return [8]PDQHash{}, 0
	}
	// pdqCanonical reads rows by stride from Pix, so the region is used in
	// place, rebased to the origin.
	o := (r.Min.Y-c.Rect.Min.Y)*c.Stride + 4*(r.Min.X-c.Rect.Min.X)
	v := &image.NRGBA{Pix: c.Pix[o:], Stride: c.Stride, Rect: image.Rect(0, 0, r.Dx(), r.Dy())}
	return pdqCanonical(v, grey)
}

// MaxRobust is how many robust PDQ hashes Fingerprints carries.
const MaxRobust = 2

// RobustPDQ is a PDQ hash of a region of a file's canonical image, made to
// survive reframing (package fingerprint/canon computes them): it is
// searched against the same PDQ entries as the raw hash, which it never
// replaces.
type RobustPDQ struct {
	// Name says which region: "trim" for the image with its borders,
	// bands and blurred fill removed.
	Name     string
	Rect     image.Rectangle // in the canonical image
	Dihedral [8]PDQHash      // the region's PDQ, then its rotations and mirrors
	Quality  int
}

// FromImageCanonical is FromImage that also returns the canonical image it
// hashed and whether it took the grey path, so that robust hashes of the
// same pixels (package fingerprint/canon) need no second copy.
func FromImageCanonical(img image.Image) (Fingerprints, *image.NRGBA, bool, error) {
	if img == nil {
		return Fingerprints{}, nil, false, imageError("nil image")
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if err := checkDims(w, h); err != nil {
		return Fingerprints{}, nil, false, err
	}
	c := Canonical(img)
	grey := imageAllGrey(img)
	return fromCanonical(c, grey, w, h), c, grey, nil
}

// FromRGBACanonical is FromRGBA that also returns the canonical image it
// hashed and whether it took the grey path, like FromImageCanonical. It
// takes no image.Image, so the wasm module that calls it links none of the
// image package's generic colour conversions.
func FromRGBACanonical(pix []byte, width, height int) (Fingerprints, *image.NRGBA, bool, error) {
	f, c, grey, err := FromRGBALookup(pix, width, height)
	if err == nil {
		g := bilinearGrays(c, hashSizes[1:], grey && opaque(c))
		f.DHash, f.AHash = dHash(g[0]), aHash(g[1])
	}
	return f, c, grey, err
}

// FromRGBALookup is FromRGBACanonical for a checker that only looks
// fingerprints up in a release's filter, which carries PDQ and pHash of the
// perceptual kinds (bloom.Type): DHash and AHash are left zero, and the two
// resizes they need are not done. The browser's module calls it.
func FromRGBALookup(pix []byte, width, height int) (Fingerprints, *image.NRGBA, bool, error) {
	if err := checkDims(width, height); err != nil {
		return Fingerprints{}, nil, false, err
	}
	if len(pix)/4/height < width {
		return Fingerprints{}, nil, false, imageError("RGBA buffer of " + strconv.Itoa(len(pix)) + " bytes is shorter than 4x" + strconv.Itoa(width) + "x" + strconv.Itoa(height))
	}
	src := &image.NRGBA{Pix: pix[:4*width*height], Stride: 4 * width, Rect: image.Rect(0, 0, width, height)}
	grey, op := rgbaGreyOpaque(src.Pix)
	c := canonicalNRGBA(src)
	f := fromCanonicalLookup(c, grey, width, height)
	f.PHash = pHash(bilinearGrays(c, hashSizes[:1], op)[0])
	return f, c, grey, nil
}
