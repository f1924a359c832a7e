package fingerprint

import (
	"errors"
	"image"
	"image/color"
	"strconv"
	"sync"

	"github.com/hashgate/hashgate/internal/wire"
)

// CanonicalSide is the side of the square the canonical pipeline samples an
// image down to when either side is larger. It is the reference PDQ hasher's
// own first step (CImg's nearest-neighbour resize(512, 512)); the exact
// conformance vectors depend on it, and the browser reproduces it from
// createImageBitmap pixels.
const CanonicalSide = 512

// ErrInvalidImage is returned (wrapped) for pixel input the fingerprint
// functions cannot take: non-positive or overflowing dimensions, or a
// buffer shorter than 4·width·height bytes.
var ErrInvalidImage = errors.New("fingerprint: invalid image")

// Fingerprints are everything hashgate computes for one image. The
// perceptual hashes come from the canonical pipeline; SHA256 and MD5 are of
// the encoded file's bytes and stay zero when only pixels were given.
type Fingerprints struct {
	Width, Height int          // the image's size (after EXIF orientation)
	PDQ           PDQHash      // PDQ of the upright image
	PDQQuality    int          // PDQ quality, 0..100
	PDQDihedral   [8]PDQHash   // original, rot90, rot180, rot270, flip x, flip y, flip +1, flip -1
	PHash         Hash64       // goimagehash PerceptionHash
	DHash         Hash64       // goimagehash DifferenceHash
	AHash         Hash64       // goimagehash AverageHash
	SHA256        SHA256Digest // of the file's bytes
	MD5           MD5Digest    // of the file's bytes
	// Robust are PDQ hashes of reframed regions (package fingerprint/canon
	// fills them; FromRGBA and FromImage leave them zero). Unused slots
	// are zero, with quality 0, and are never searched.
	Robust [MaxRobust]RobustPDQ
}

// FromRGBA computes the perceptual fingerprints of 8-bit RGBA pixels
// (non-premultiplied, as canvas ImageData and createImageBitmap give them;
// stride 4·width) without copying them. Alpha is ignored, as the reference
// ignores it. As in the reference, an image whose every pixel has R = G = B
// is treated as a grey image: its grey value is the luma, rather than
// 0.299R+0.587G+0.114B, which differs from it in the last float32 bit.
// Digests are left zero.
func FromRGBA(pix []byte, width, height int) (Fingerprints, error) {
	f, _, _, err := FromRGBACanonical(pix, width, height)
	return f, err
}

// FromImage computes the perceptual fingerprints of img through the same
// canonical pipeline as FromRGBA: for an image whose pixels equal a given
// RGBA buffer the result is identical. *image.Gray (and any image whose
// pixels are all grey) takes the reference's grey path. Digests are left
// zero.
func FromImage(img image.Image) (Fingerprints, error) {
	if img == nil {
		return Fingerprints{}, imageError("nil image")
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if err := checkDims(w, h); err != nil {
		return Fingerprints{}, err
	}
	if m, ok := img.(*image.NRGBA); ok && m.Stride == 4*w {
		return FromRGBA(m.Pix[:4*w*h], w, h)
	}
	return fromCanonical(sampleImage(img), imageAllGrey(img), w, h), nil
}

func checkDims(w, h int) error {
	const maxSide = 1 << 20
	if w <= 0 || h <= 0 || w > maxSide || h > maxSide {
		return imageError("bad dimensions " + strconv.Itoa(w) + "x" + strconv.Itoa(h))
	}
	return nil
}

func imageError(reason string) error {
	return wire.NewError("fingerprint: invalid image: "+reason, ErrInvalidImage)
}

// canonicalDims is the size the canonical pipeline hashes at.
func canonicalDims(w, h int) (int, int) {
	if w > CanonicalSide || h > CanonicalSide {
		return CanonicalSide, CanonicalSide
	}
	return w, h
}

// canonicalNRGBA samples src to CanonicalSide² by nearest neighbour when a
// side is over CanonicalSide (output column x reads source column
// ⌊x·W/512⌋, row likewise), and returns src itself otherwise.
func canonicalNRGBA(src *image.NRGBA) *image.NRGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	cw, ch := canonicalDims(w, h)
	if cw == w && ch == h {
		return src
	}
	dst := image.NewNRGBA(image.Rect(0, 0, cw, ch))
	var xs [CanonicalSide]int
	for x := range cw {
		xs[x] = 4 * (x * w / cw)
	}
	for y := range ch {
		row := src.Pix[(y*h/ch)*src.Stride:]
		out := dst.Pix[y*dst.Stride:]
		for x := range cw {
			copy(out[4*x:4*x+4], row[xs[x]:xs[x]+4])
		}
	}
	return dst
}

// sampleImage is canonicalNRGBA for any image: it reads only the sampled
// pixels, so a 12-MP decoded photo is never converted as a whole.
func sampleImage(img image.Image) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	cw, ch := canonicalDims(w, h)
	dst := image.NewNRGBA(image.Rect(0, 0, cw, ch))
	for y := range ch {
		sy := b.Min.Y + y*h/ch
		out := dst.Pix[y*dst.Stride:]
		for x := range cw {
			r, g, bl := rgb8At(img, b.Min.X+x*w/cw, sy)
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = r, g, bl, 0xff
		}
	}
	return dst
}

// rgb8At is the 8-bit non-premultiplied colour of one pixel, with fast
// paths for the types the decoders return.
func rgb8At(img image.Image, x, y int) (r, g, b uint8) {
	switch m := img.(type) {
	case *image.YCbCr:
		yi, ci := m.YOffset(x, y), m.COffset(x, y)
		return color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
	case *image.Gray:
		v := m.Pix[m.PixOffset(x, y)]
		return v, v, v
	case *image.NRGBA:
		p := m.Pix[m.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *image.RGBA:
		p := m.Pix[m.PixOffset(x, y):]
		if p[3] == 0xff {
			return p[0], p[1], p[2]
		}
	}
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return c.R, c.G, c.B
}

// rgbaAllGrey reports whether every pixel has R = G = B. The reference
// reads images through ImageMagick, which hands such an image over with one
// channel, and then uses that channel as luma.
func rgbaAllGrey(pix []byte) bool {
	grey, _ := rgbaGreyOpaque(pix)
	return grey
}

// rgbaGreyOpaque is rgbaAllGrey, and whether every pixel is also opaque
// (A = 255), from one pass.
func rgbaGreyOpaque(pix []byte) (grey, opaque bool) {
	opaque = true
	for i := 0; i+3 < len(pix); i += 4 {
		if pix[i] != pix[i+1] || pix[i] != pix[i+2] {
			return false, false
		}
		opaque = opaque && pix[i+3] == 0xff
	}
	return true, opaque
}

func imageAllGrey(img image.Image) bool {
	switch m := img.(type) {
	case *image.Gray, *image.Gray16:
		return true
	case *image.NRGBA:
		if m.Stride == 4*m.Rect.Dx() {
			return rgbaAllGrey(m.Pix[:m.Stride*m.Rect.Dy()])
		}
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl := rgb8At(img, x, y)
			if r != g || r != bl {
				return false
			}
		}
	}
	return true
}

// Luma coefficients (ITU-R BT.601), as float32 like the reference's.
const (
	lumaR float32 = 0.299
	lumaG float32 = 0.587
	lumaB float32 = 0.114
)

// fromCanonical hashes the canonical image c of a w×h original.
func fromCanonical(c *image.NRGBA, grey bool, w, h int) Fingerprints {
	f := fromCanonicalLookup(c, grey, w, h)
	f.PHash, f.DHash, f.AHash = hash64s(c, grey)
	return f
}

// fromCanonicalLookup is the PDQ part of fromCanonical.
func fromCanonicalLookup(c *image.NRGBA, grey bool, w, h int) Fingerprints {
	f := Fingerprints{Width: w, Height: h}
	f.PDQDihedral, f.PDQQuality = pdqCanonical(c, grey)
	f.PDQ = f.PDQDihedral[0]
	return f
}

// pdqCanonical is PDQ of the canonical image: luma, then the PDQ core.
func pdqCanonical(c *image.NRGBA, grey bool) ([8]PDQHash, int) {
	cw, ch := c.Rect.Dx(), c.Rect.Dy()
	buf := getLuma(2 * cw * ch)
	defer lumaPool.Put(buf)
	luma := *buf
	plane, scratch := luma[:cw*ch], luma[cw*ch:]
	for y := range ch {
		row := c.Pix[y*c.Stride : y*c.Stride+4*cw]
		out := plane[y*cw : y*cw+cw]
		if grey {
			for x := range out {
				out[x] = float32(row[4*x])
			}
			continue
		}
		for x := range out {
			p := row[4*x : 4*x+3]
			// Evaluated left to right, each product rounded to float32, as
			// the reference's expression is.
			out[x] = float32(lumaR*float32(p[0])) + float32(lumaG*float32(p[1])) + float32(lumaB*float32(p[2]))
		}
	}
	return pdqFromLuma(plane, scratch, ch, cw)
}

// lumaPool recycles the two float32 planes (2 MB at 512x512) between
// hashes: allocating and zeroing them each time costs as much as the blur.
// Every element is written before it is read, so no clearing is needed.
var lumaPool sync.Pool

func getLuma(n int) *[]float32 {
	if p, ok := lumaPool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n, max(n, 2*CanonicalSide*CanonicalSide))
	return &s
}

// ToNRGBA returns img's pixels as 8-bit non-premultiplied RGBA (stride
// 4·width, origin 0,0), converting each pixel as the canonical pipeline
// does. An *image.NRGBA with that layout is returned as is.
func ToNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if m, ok := img.(*image.NRGBA); ok && m.Stride == 4*w && b.Min == (image.Point{}) {
		return m
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		out := dst.Pix[y*dst.Stride:]
		for x := range w {
			r, g, bl := rgb8At(img, b.Min.X+x, b.Min.Y+y)
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = r, g, bl, 0xff
		}
	}
	return dst
}

// Canonical returns the image the canonical pipeline hashes for img: its
// pixels as 8-bit RGBA, sampled by nearest neighbour to
// CanonicalSide×CanonicalSide when a side is over CanonicalSide. The
// pHash family is computed on this image, PDQ on its luma.
func Canonical(img image.Image) *image.NRGBA {
	if m, ok := img.(*image.NRGBA); ok && m.Stride == 4*m.Rect.Dx() && m.Rect.Min == (image.Point{}) {
		return canonicalNRGBA(m)
	}
	return sampleImage(img)
}

// PDQFullResolution is PDQ of every pixel of img, without the canonical
// 512×512 step: Meta's algorithm as the paper states it (and as some other
// implementations apply it). Lists and the canonical pipeline do not use
// it; it exists to measure how far the canonical step moves a hash (see
// docs/fingerprint.md). It allocates two float32 planes of the full size.
func PDQFullResolution(img image.Image) (PDQHash, int, error) {
	if img == nil {
		return PDQHash{}, 0, imageError("nil image")
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if err := checkDims(w, h); err != nil {
		return PDQHash{}, 0, err
	}
	grey := imageAllGrey(img)
	luma := make([]float32, 2*w*h)
	plane, scratch := luma[:w*h], luma[w*h:]
	for y := range h {
		for x := range w {
			r, g, bl := rgb8At(img, b.Min.X+x, b.Min.Y+y)
			if grey {
				plane[y*w+x] = float32(r)
			} else {
				plane[y*w+x] = float32(lumaR*float32(r)) + float32(lumaG*float32(g)) + float32(lumaB*float32(bl))
			}
		}
	}
	hs, q := pdqFromLuma(plane, scratch, h, w)
	return hs[0], q, nil
}
