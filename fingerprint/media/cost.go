package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"strconv"

	"github.com/hashgate/hashgate/fingerprint/media/internal/heif"
)

// Cost is what decoding a file will take, estimated from its header alone
// before any pixel memory is allocated.
type Cost struct {
	Format        string // "jpeg", "png", "gif", "webp", "bmp"
	Width, Height int
	// Bytes bounds the memory the decoder and the fingerprint pipeline
	// allocate for this file: the decoded pixels in the decoder's own
	// layout plus every large buffer on the way (progressive JPEG
	// coefficients, interlaced PNG passes, a GIF canvas, a rotated copy).
	// TestCostCoversDecode holds it above what the decoders really
	// allocate; for libjpeg-turbo it includes the decoder's C memory.
	Bytes int64
	// Decoder is what will decode the file ("image/jpeg", "libjpeg-turbo",
	// "image/png", ...), and Scale the DCT scale of a libjpeg-turbo
	// decode: 1, or 2, 4, 8 for a JPEG decoded at 1/Scale to the
	// canonical grid.
	Decoder string
	Scale   int
}

// decodeSlack covers the fixed-size work of a decode and the fingerprint
// pipeline: Huffman and zlib state, a 512x512 canonical copy, PDQ buffers.
const decodeSlack = 4 << 20

// EstimateCost reads b's header and returns what fingerprinting it
// (FingerprintBytes) will cost, with the errors it would return for its
// header (ErrUnsupportedFormat, ErrCorrupt, ErrTooLarge over MaxPixels or
// MaxDecodeBytes). DecodeBytes, which decodes at full size, may cost more.
func EstimateCost(b []byte, o Options) (Cost, error) {
	c, _, err := estimate(b, o, true)
	return c, err
}

// estimate is EstimateCost for a decode to the canonical grid (grid) or at
// full size, and the JPEG decoder it chose.
func estimate(b []byte, o Options, grid bool) (Cost, jpegPlan, error) {
	var plan jpegPlan
	if format, ok := heif.Sniff(b); ok {
		return estimateHEIF(b, o, format)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return Cost{}, plan, unsupported(b)
		}
		return Cost{Format: format}, plan, &Error{Err: ErrCorrupt, Format: format, Detail: err.Error()}
	}
	c := Cost{Format: format, Width: cfg.Width, Height: cfg.Height, Decoder: "image/" + format, Scale: 1}
	if format == "webp" || format == "bmp" {
		c.Decoder = "golang.org/x/image/" + format
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return c, plan, &Error{Err: ErrCorrupt, Format: format, Detail: "empty image " + dims(cfg.Width, cfg.Height)}
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if px > o.maxPixels() {
		return c, plan, &Error{Err: ErrTooLarge, Format: format, Detail: dims(cfg.Width, cfg.Height) + " is over " + strconv.FormatInt(o.maxPixels(), 10) + " pixels"}
	}
	switch format {
	case "jpeg":
		h, err := parseJPEGHeader(b)
		if err != nil {
			return c, plan, &Error{Err: ErrCorrupt, Format: format, Detail: err.Error()}
		}
		plan = planJPEG(b, cfg.Width, cfg.Height, grid)
		if plan.turbo {
			c.Decoder, c.Scale = "libjpeg-turbo", plan.scale
			c.Bytes = plan.cost(h, cfg.Width, cfg.Height)
		} else {
			c.Bytes = h.cost(cfg.Width, cfg.Height)
		}
		if plan.scale <= 1 && !o.IgnoreOrientation && JPEGOrientation(b) > 1 {
			// Orient writes a new NRGBA beside the decoded image; a scaled
			// decode is sampled through the orientation instead.
			c.Bytes += 4 * px
		}
	case "png":
		c.Bytes = pngCost(b, px)
	case "gif":
		// The first frame (1 byte a pixel, at most the screen) and, when
		// it covers part of the screen, the NRGBA canvas it is drawn on.
		c.Bytes = 5 * px
	case "webp":
		c.Bytes = webpCost(b, px)
	default: // bmp: at most RGBA
		c.Bytes = 4 * px
	}
	c.Bytes += decodeSlack
	return c, plan, overBudget(c, o)
}

// overBudget refuses c when it is over Options.MaxDecodeBytes.
func overBudget(c Cost, o Options) error {
	if max := o.MaxDecodeBytes; max > 0 && c.Bytes > max {
		return &Error{Err: ErrTooLarge, Format: c.Format, Detail: dims(c.Width, c.Height) + " would take " +
			strconv.FormatInt(c.Bytes>>20, 10) + " MiB to decode, over " + strconv.FormatInt(max>>20, 10) + " MiB"}
	}
	return nil
}

// jpegHeader is what the memory of a JPEG decode depends on.
type jpegHeader struct {
	progressive bool
	jfif        bool // an APP0 JFIF segment before the first scan
	comps       []jpegComp
	// firstScanComps is how many components the first scan holds: fewer
	// than the frame's (a non-interleaved file) makes libjpeg keep every
	// coefficient, as for a progressive file.
	firstScanComps int
}

type jpegComp struct{ id, h, v byte }

var errJPEGHeader = errors.New("no frame header before the first scan")

// parseJPEGHeader walks the marker segments from SOI to the first SOS and
// reads the frame header (SOF0, SOF1 or SOF2, the ones image/jpeg decodes).
func parseJPEGHeader(b []byte) (jpegHeader, error) {
	var h jpegHeader
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xd8 {
		return h, errJPEGHeader
	}
	for i := 2; i+1 < len(b); {
		if b[i] != 0xff {
			return h, errors.New("marker expected at offset " + strconv.Itoa(i))
		}
		m := b[i+1]
		i += 2
		switch {
		case m == 0xff: // fill byte
			i--
			continue
		case m == 0x01 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7):
			continue // markers without a length
		case m == 0xd9:
			return h, errJPEGHeader
		}
		if i+2 > len(b) {
			break
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return h, errors.New("segment length out of range at offset " + strconv.Itoa(i))
		}
		seg := b[i+2 : i+n]
		i += n
		switch m {
		case 0xe0:
			if bytes.HasPrefix(seg, []byte("JFIF\x00")) {
				h.jfif = true
			}
		case 0xc0, 0xc1, 0xc2:
			if h.comps != nil {
				return h, errors.New("multiple frame headers")
			}
			if len(seg) < 6 || seg[5] == 0 || len(seg) < 6+3*int(seg[5]) {
				return h, errors.New("short frame header")
			}
			h.progressive = m == 0xc2
			for k := range int(seg[5]) {
				c := seg[6+3*k:]
				hv := jpegComp{id: c[0], h: min(max(c[1]>>4, 1), 4), v: min(max(c[1]&15, 1), 4)}
				h.comps = append(h.comps, hv)
			}
		case 0xda:
			if h.comps == nil {
				return h, errJPEGHeader
			}
			if len(seg) > 0 {
				h.firstScanComps = int(seg[0])
			}
			return h, nil
		}
	}
	if h.comps == nil {
		return h, errJPEGHeader
	}
	return h, nil
}

// cost follows image/jpeg's allocations: one byte a sample in component
// planes padded to whole MCUs (comp[0]'s factors set the MCU), 256 bytes of
// coefficients a block per component when progressive (it keeps them all
// until the last scan), and a 4-byte-a-pixel RGBA or CMYK copy for
// three-component images that may be RGB and for four-component images.
func (h jpegHeader) cost(w, ht int) int64 {
	samples := h.samples(w, ht)
	total := samples
	if h.progressive {
		total += 4 * samples // int32 coefficients: 256 bytes a 64-sample block
	}
	px := int64(w) * int64(ht)
	switch {
	case len(h.comps) == 4:
		total += 4 * px
	case len(h.comps) == 3 && !h.jfif:
		// Without JFIF, an Adobe segment or R, G, B component ids (even
		// ones after the first scan) make image/jpeg convert to RGBA.
		total += 4 * px
	}
	return total
}

// samples is how many samples the components hold, padded to whole MCUs.
func (h jpegHeader) samples(w, ht int) int64 {
	h0, v0 := int64(h.comps[0].h), int64(h.comps[0].v)
	if len(h.comps) == 1 {
		h0, v0 = 1, 1
	}
	mxx := (int64(w) + 8*h0 - 1) / (8 * h0)
	myy := (int64(ht) + 8*v0 - 1) / (8 * v0)
	var samples int64
	for _, c := range h.comps {
		hi, vi := int64(c.h), int64(c.v)
		if len(h.comps) == 1 {
			hi, vi = 1, 1
		}
		samples += 64 * mxx * myy * hi * vi
	}
	return samples
}

// pngCost is the decoded image's size in image/png's layout (8 bytes a
// pixel for 16-bit colour), twice for an interlaced image (each pass is
// decoded into an image of its own before it is merged), plus two rows of
// raw scanlines.
func pngCost(b []byte, px int64) int64 {
	if len(b) < 29 {
		return 8 * px
	}
	depth, ctype, interlace := b[24], b[25], b[28]
	var bpp int64
	switch ctype {
	case 0: // grey
		bpp = 1
		if depth == 16 {
			bpp = 2
		}
	case 3: // paletted
		bpp = 1
	default: // RGB (decoded as RGBA), grey+alpha, RGBA
		bpp = 4
		if depth == 16 {
			bpp = 8
		}
	}
	w := int64(binary.BigEndian.Uint32(b[16:]))
	total := bpp*px + 2*(8*w+1)
	if interlace != 0 {
		total += bpp * px
	}
	return total
}

// webpCost: lossy VP8 decodes to YCbCr 4:2:0 (1.5 bytes a pixel, padded
// to macroblocks); lossless VP8L to 4 bytes a pixel, twice when a colour
// indexing transform widens packed pixels; an alpha plane adds one byte a
// pixel and a lossless decode of its own.
func webpCost(b []byte, px int64) int64 {
	if len(b) < 21 {
		return 8 * px
	}
	switch string(b[12:16]) {
	case "VP8 ":
		return 2 * px
	case "VP8L":
		return 8 * px
	}
	// VP8X: flags byte 20, bit 4 = alpha. Its image data may be VP8L.
	cost := 8 * px
	if b[20]&0x10 != 0 {
		cost += 9 * px
	}
	return cost
}
