package video

import (
	"image"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
)

// trimmer finds, frame by frame, the picture inside borders, bands or
// blurred fill and hashes it (Options.Trim). Trim runs on the frame
// sampled to at most 512×512, as fingerprint.Canonical samples an image
// (nearest pixel here: only the rectangle is used), and the rectangle it
// keeps is hashed from the frame's own pixels at full size, as the frame
// itself is.
type trimmer struct{ c *image.NRGBA }

// frame returns f with its PDQ and quality replaced by those of the picture
// Trim keeps in the w×h RGB24 frame pix, or f as it is when Trim keeps the
// whole frame.
func (t *trimmer) frame(fh *fingerprint.FrameHasher, pix []byte, w, h int, f Frame) (Frame, error) {
	cw, ch := min(w, 512), min(h, 512)
	if t.c == nil || t.c.Rect.Dx() != cw || t.c.Rect.Dy() != ch {
		t.c = image.NewNRGBA(image.Rect(0, 0, cw, ch))
	}
	for y := range ch {
		src := pix[3*w*(y*h/ch):]
		dst := t.c.Pix[y*t.c.Stride:]
		for x := range cw {
			s := src[3*(x*w/cw):]
			d := dst[4*x:]
			d[0], d[1], d[2], d[3] = s[0], s[1], s[2], 0xff
		}
	}
	r := canon.Trim(t.c)
	if r == t.c.Rect {
		return f, nil
	}
	// The kept rectangle in the frame's pixels: canonical column x covers
	// frame columns from x·w/cw.
	x0, x1 := (r.Min.X*w+cw-1)/cw, r.Max.X*w/cw
	y0, y1 := (r.Min.Y*h+ch-1)/ch, r.Max.Y*h/ch
	if x1-x0 < 16 || y1-y0 < 16 {
		return f, nil
	}
	p, q, err := fh.PDQRGB24(pix[3*(y0*w+x0):], x1-x0, y1-y0, 3*w)
	if err != nil {
		return f, err
	}
	f.PDQ, f.Quality = p, q
	return f, nil
}
