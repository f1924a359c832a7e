package media

import (
	"errors"
	"image"
	"strconv"

	"github.com/hashgate/hashgate/fingerprint/media/internal/heif"
)

// HEIFDecoder names the HEIC and AVIF decoder of this build: libheif
// (cgo), or "none" (CGO_ENABLED=0, the purego or noheif tags), which
// refuses them as unsupported.
func HEIFDecoder() string { return heif.Version }

// heifCost bounds a libheif decode of px pixels: the RGBA copy media
// hashes (4 bytes a pixel, Go), and in C the decoded picture (YCbCr,
// at most 4:4:4 at 16 bits: 6 bytes a pixel) and its 8-bit RGB conversion
// (3), which exist together for a moment; heifSlack covers the codec's own
// state (libde265, dav1d, libaom).
func heifCost(px int64) int64 { return 13*px + heifSlack }

const heifSlack = 16 << 20

// estimateHEIF is estimate for a HEIC or AVIF file: libheif parses the
// container (no pixels) and reports the displayed size.
func estimateHEIF(b []byte, o Options, format string) (Cost, jpegPlan, error) {
	c := Cost{Format: format, Decoder: "libheif", Scale: 1}
	if !heif.Available {
		return c, jpegPlan{}, &Error{Err: ErrUnsupportedFormat, Format: format, Detail: "HEIC and AVIF are not decoded by this build (no libheif)"}
	}
	h, err := heif.ReadHeader(b)
	if err != nil {
		if errors.Is(err, heif.ErrLimit) {
			return c, jpegPlan{}, &Error{Err: ErrTooLarge, Format: format, Detail: err.Error()}
		}
		return c, jpegPlan{}, &Error{Err: ErrCorrupt, Format: format, Detail: err.Error()}
	}
	c.Width, c.Height = h.Width, h.Height
	if h.Width <= 0 || h.Height <= 0 {
		return c, jpegPlan{}, &Error{Err: ErrCorrupt, Format: format, Detail: "empty image " + dims(h.Width, h.Height)}
	}
	px := int64(h.Width) * int64(h.Height)
	if px > o.maxPixels() {
		return c, jpegPlan{}, &Error{Err: ErrTooLarge, Format: format, Detail: dims(h.Width, h.Height) + " is over " + strconv.FormatInt(o.maxPixels(), 10) + " pixels"}
	}
	c.Bytes = heifCost(px) + decodeSlack
	return c, jpegPlan{heif: &h}, overBudget(c, o)
}

func decodeHEIF(b []byte, h heif.Header) (image.Image, error) {
	img, err := heif.Decode(b, h)
	if err != nil {
		if errors.Is(err, heif.ErrLimit) {
			return nil, &Error{Err: ErrTooLarge, Format: h.Format, Detail: err.Error()}
		}
		return nil, &Error{Err: ErrCorrupt, Format: h.Format, Detail: err.Error()}
	}
	return img, nil
}
