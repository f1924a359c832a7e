package tjpeg

import "errors"

// Colour spaces of a JPEG as libjpeg-turbo reads its header.
const (
	ColorRGB = iota
	ColorYCbCr
	ColorGray
	ColorCMYK
	ColorYCCK
)

// ErrUnavailable is returned by every decode of a build without
// libjpeg-turbo.
var ErrUnavailable = errors.New("tjpeg: libjpeg-turbo is not in this build")

// Header is what libjpeg-turbo reads from a JPEG before decoding it.
type Header struct {
	Width, Height int
	// Ratio is the chroma subsampling, as image.YCbCrSubsampleRatio; it
	// is meaningless for Gray, and Planar is false when libjpeg-turbo
	// cannot decode the file to planes (unusual sampling factors,
	// CMYK, YCCK, RGB).
	Ratio  int
	Gray   bool
	Planar bool
	Color  int
}

// ScaledSize is the size of a w×h image decoded at 1/scale, as libjpeg
// rounds it (up).
func ScaledSize(w, h, scale int) (int, int) {
	return (w + scale - 1) / scale, (h + scale - 1) / scale
}

// PlaneBytes is how many bytes of planes Decode allocates for h at
// 1/scale.
func PlaneBytes(h Header, scale int) int64 {
	w, ht := ScaledSize(h.Width, h.Height, scale)
	y, c := planeDims(w, ht, h.Ratio, h.Gray)
	n := int64(y.X) * int64(y.Y)
	if !h.Gray {
		n += 2 * int64(c.X) * int64(c.Y)
	}
	return n
}
