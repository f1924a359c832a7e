package media

import (
	"image"
	"image/color"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media/internal/heif"
	"github.com/hashgate/hashgate/fingerprint/media/internal/tjpeg"
)

// JPEGDecoder names the JPEG decoder of this build: libjpeg-turbo (cgo)
// or Go's image/jpeg (CGO_ENABLED=0, the purego tag). Other formats are
// always decoded in Go.
func JPEGDecoder() string { return tjpeg.Version }

// jpegPlan is how a JPEG is decoded, chosen from its header alone so that
// the cost estimate and the decode agree: libjpeg-turbo to YCbCr or grey
// planes at 1/scale, or image/jpeg (builds without libjpeg-turbo, and
// files it cannot decode to planes: CMYK, YCCK, RGB, unusual sampling).
type jpegPlan struct {
	turbo bool
	hdr   tjpeg.Header
	scale int
	heif  *heif.Header // a HEIC or AVIF file, decoded by libheif
}

// planJPEG picks the decoder for a w×h JPEG. For the canonical grid (grid)
// it takes the smallest DCT scale, 1/8, 1/4 or 1/2, whose image is still at
// least fingerprint.CanonicalSide on each side, so that every one of the
// 512 sample points of a row or column falls in its own decoded pixel;
// otherwise full size.
func planJPEG(b []byte, w, h int, grid bool) jpegPlan {
	if !tjpeg.Available {
		return jpegPlan{}
	}
	hdr, err := tjpeg.ReadHeader(b)
	if err != nil || !hdr.Planar || hdr.Width != w || hdr.Height != h {
		return jpegPlan{}
	}
	p := jpegPlan{turbo: true, hdr: hdr, scale: 1}
	if grid {
		p.scale = gridScale(w, h)
	}
	return p
}

// gridScale is the smallest DCT scale, as a divisor (8, 4, 2 or 1), at
// which a w×h image still has fingerprint.CanonicalSide pixels on each
// side.
func gridScale(w, h int) int {
	for _, s := range []int{8, 4, 2} {
		sw, sh := tjpeg.ScaledSize(w, h, s)
		if sw >= fingerprint.CanonicalSide && sh >= fingerprint.CanonicalSide {
			return s
		}
	}
	return 1
}

// cost is what a libjpeg-turbo decode takes: the planes (Go memory) and,
// in C, a whole-image coefficient buffer (2 bytes a sample, full size
// whatever the scale) when the file has more than one scan, plus a fixed
// allowance for libjpeg's tables and one row of MCUs.
func (p jpegPlan) cost(h jpegHeader, w, ht int) int64 {
	total := tjpeg.PlaneBytes(p.hdr, p.scale) + turboSlack
	if h.progressive || h.firstScanComps < len(h.comps) {
		total += 2 * h.samples(w, ht)
	}
	return total
}

// turboSlack: libjpeg-turbo's decompressor state, Huffman tables and the
// one-MCU-row buffer TurboJPEG uses when a scaled plane is not a whole
// number of MCUs wide.
const turboSlack = 2 << 20

// decodeTurbo decodes with libjpeg-turbo as p says.
func decodeTurbo(b []byte, p jpegPlan) (image.Image, error) {
	img, err := tjpeg.Decode(b, p.hdr, p.scale)
	if err != nil {
		return nil, &Error{Err: ErrCorrupt, Format: "jpeg", Detail: err.Error()}
	}
	return img, nil
}

// sampleGrid builds the canonical image of the upright w×h picture (stored
// w×h, EXIF orientation orient) from img, the stored picture decoded at
// 1/scale: each canonical pixel maps to the upright point the reference
// samples (⌊x·W/512⌋, ⌊y·H/512⌋), then through the orientation to the
// stored point, then to the decoded pixel that covers it (÷ scale). Only
// the sampled pixels are converted to RGB, as fingerprint.Canonical does.
func sampleGrid(img image.Image, w, h, scale, orient int) *image.NRGBA {
	ow, oh := w, h
	if orient >= 5 {
		ow, oh = h, w
	}
	cw, ch := ow, oh
	if ow > fingerprint.CanonicalSide || oh > fingerprint.CanonicalSide {
		cw, ch = fingerprint.CanonicalSide, fingerprint.CanonicalSide
	}
	b := img.Bounds()
	dw, dh := b.Dx(), b.Dy()
	dst := image.NewNRGBA(image.Rect(0, 0, cw, ch))
	ym, _ := img.(*image.YCbCr)
	gm, _ := img.(*image.Gray)
	for y := range ch {
		Y := y * oh / ch
		out := dst.Pix[y*dst.Stride:]
		for x := range cw {
			X := x * ow / cw
			sx, sy := storedPoint(X, Y, w, h, orient)
			sx, sy = min(sx/scale, dw-1)+b.Min.X, min(sy/scale, dh-1)+b.Min.Y
			var r, g, bl uint8
			switch {
			case ym != nil:
				yi, ci := ym.YOffset(sx, sy), ym.COffset(sx, sy)
				r, g, bl = color.YCbCrToRGB(ym.Y[yi], ym.Cb[ci], ym.Cr[ci])
			case gm != nil:
				v := gm.Pix[gm.PixOffset(sx, sy)]
				r, g, bl = v, v, v
			default:
				c := color.NRGBAModel.Convert(img.At(sx, sy)).(color.NRGBA)
				r, g, bl = c.R, c.G, c.B
			}
			p := out[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = r, g, bl, 0xff
		}
	}
	return dst
}

// storedPoint is the stored pixel shown at upright point (x, y) of a
// picture stored w×h with EXIF orientation o (as orientWith maps it).
func storedPoint(x, y, w, h, o int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	case 8:
		return w - 1 - y, x
	}
	return x, y
}
