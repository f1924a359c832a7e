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
// keeps is hashed from the frame's own pixels, box-averaged by the whole
// factor that brings its longer side to at most 512 (as canonical images
// are, and as the reference's photo hasher advises: PDQ samples 64×64 of
// it either way, and a full-size 1080p region cost as much as the frame's
// own hash).
type trimmer struct {
	c     *image.NRGBA
	small []byte // the kept picture box-averaged down, for its hash
}

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
	rw, rh := x1-x0, y1-y0
	k := (max(rw, rh) + 511) / 512
	src, sw, sh, stride := pix[3*(y0*w+x0):], rw, rh, 3*w
	if k > 1 {
		sw, sh = rw/k, rh/k
		t.small = boxDown(t.small[:0], src, sw, sh, stride, k)
		src, stride = t.small, 3*sw
	}
	p, q, err := fh.PDQRGB24(src, sw, sh, stride)
	if err != nil {
		return f, err
	}
	f.PDQ, f.Quality = p, q
	return f, nil
}

// boxDown appends to dst the sw×sh RGB24 image whose pixels are the means of
// k×k blocks of the RGB24 pixels src (stride bytes a row).
func boxDown(dst, src []byte, sw, sh, stride, k int) []byte {
	n := k * k
	for y := range sh {
		for x := range sw {
			var r, g, b int
			for dy := range k {
				row := src[(y*k+dy)*stride+3*x*k:]
				for dx := range k {
					r += int(row[3*dx])
					g += int(row[3*dx+1])
					b += int(row[3*dx+2])
				}
			}
			dst = append(dst, byte((r+n/2)/n), byte((g+n/2)/n), byte((b+n/2)/n))
		}
	}
	return dst
}
