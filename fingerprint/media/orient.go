package media

import (
	"image"

	"github.com/hashgate/hashgate/fingerprint"
)

// Orient returns img transformed for display according to EXIF orientation
// o (1..8), as a new *image.NRGBA; o = 1 or out of range returns img.
// Orientations 5..8 swap width and height.
func Orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	src := fingerprint.ToNRGBA(img)
	dst := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	for y := range oh {
		out := dst.Pix[y*dst.Stride:]
		for x := range ow {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-x, y
			case 3: // rotated 180
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // stored rotated 90 counter-clockwise: turn it clockwise
				sx, sy = y, h-1-x
			case 7: // transverse
				sx, sy = w-1-y, h-1-x
			case 8: // stored rotated 90 clockwise: turn it counter-clockwise
				sx, sy = w-1-y, x
			}
			copy(out[4*x:4*x+4], src.Pix[sy*src.Stride+4*sx:])
		}
	}
	return dst
}
