package media

import (
	"image"
	"image/color"

	"github.com/hashgate/hashgate/fingerprint"
)

// Orient returns img transformed for display according to EXIF orientation
// o (1..8), as a new *image.NRGBA with opaque alpha; o = 1 or out of range
// returns img. Orientations 5..8 swap width and height. Pixels convert to
// 8-bit RGB exactly as fingerprint.ToNRGBA converts them.
func Orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	var at func(x, y int) (r, g, b uint8)
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		// The common case (phone JPEGs): read the planes directly rather
		// than converting the whole photo first.
		at = func(x, y int) (uint8, uint8, uint8) {
			yi, ci := m.YOffset(x+b.Min.X, y+b.Min.Y), m.COffset(x+b.Min.X, y+b.Min.Y)
			return color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
		}
	case *image.Gray:
		at = func(x, y int) (uint8, uint8, uint8) {
			v := m.Pix[m.PixOffset(x+b.Min.X, y+b.Min.Y)]
			return v, v, v
		}
	default:
		src := fingerprint.ToNRGBA(img)
		at = func(x, y int) (uint8, uint8, uint8) {
			p := src.Pix[y*src.Stride+4*x:]
			return p[0], p[1], p[2]
		}
	}
	return orientWith(at, b.Dx(), b.Dy(), o)
}

// orientWith builds the displayed image from a stored w×h image read
// through at, for orientation o (EXIF 2.3, tag 0x0112).
func orientWith(at func(x, y int) (r, g, b uint8), w, h, o int) *image.NRGBA {
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
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
			r, g, b := at(sx, sy)
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = r, g, b, 0xff
		}
	}
	return dst
}
