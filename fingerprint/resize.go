package fingerprint

import (
	"image"
	"math"
)

// The pHash family samples the canonical image down with a bilinear filter
// before hashing. goimagehash v1.1.0 does that with
// github.com/nfnt/resize's Resize(w, h, img, Bilinear); the code here is
// that computation, written for the one input type it gets (*image.NRGBA
// at origin 0,0), so the module does not carry nfnt/resize's paths for
// every image type (~35 KB of the compressed wasm). It must stay
// bit-identical: resize_test.go compares its pixels with nfnt/resize's and
// phash_test.go the hashes with goimagehash's.
//
// The filter, as nfnt/resize computes it:
//   - two separable 1-D passes, along x into a transposed buffer, then
//     along y;
//   - for output index o of n over an input of length m: scale = m/n,
//     taps = 2·max(⌈scale⌉, 1), factor = min(1/scale, 1),
//     centre c = scale·(o+½) − ½, first tap s = int(c) − taps/2 + 1 (int
//     truncates toward zero), and weight i = int16(tri((c−s−i)·factor)·256)
//     with tri(x) = max(1−|x|, 0); input indices are clamped to [0, m−1];
//   - 8-bit fixed point: each output channel is Σ wᵢ·vᵢ / Σ wᵢ (int32,
//     truncated), clamped to 0..255; zero weights are skipped;
//   - the first pass premultiplies NRGBA by alpha (v·a/255, truncated); the
//     output is premultiplied RGBA;
//   - an image already at the requested size is returned as is.

// bilinearWeights holds one pass's taps: for output o, weights
// w[o·taps : (o+1)·taps] applied from input index start[o], every index
// inside the input.
type bilinearWeights struct {
	w     []int16
	start []int
	taps  int
}

func newBilinearWeights(in, out int) bilinearWeights {
	scale := float64(in) / float64(out)
	taps := 2
	if c := int(math.Ceil(scale)); c > 1 {
		taps = 2 * c
	}
	factor := 1 / scale
	if factor > 1 {
		factor = 1
	}
	width := min(taps, in)
	bw := bilinearWeights{w: make([]int16, out*width), start: make([]int, out), taps: width}
	for o := range out {
		// Each product is rounded on its own (the explicit conversions
		// forbid fused multiply-add), so every platform gets the same
		// weights.
		c := float64(scale*(float64(o)+0.5)) - 0.5
		s := int(c) - taps/2 + 1
		c -= float64(s)
		// A tap outside the input reads its first or last value (the
		// index is clamped), so its weight is added to that value's: the
		// same integer sums, and the filter never clamps an index.
		start := min(max(s, 0), in-width)
		bw.start[o] = start
		for i := range taps {
			x := math.Abs(float64((c - float64(i)) * factor))
			if x <= 1 {
				j := min(max(s+i, 0), in-1)
				bw.w[o*width+j-start] += int16(float64((1 - x) * 256))
			}
		}
	}
	return bw
}

// bilinearRGBA resamples src (at origin 0,0) to dw×dh as nfnt/resize's
// Bilinear does and returns the premultiplied RGBA pixels, stride 4·dw.
// src must be at least 1×1 and not already dw×dh.
func bilinearRGBA(src *image.NRGBA, dw, dh int) []uint8 {
	px, bpp := bilinearRGBAs(src, []image.Point{{dw, dh}}, rgbaAllGrey(src.Pix) && opaque(src))
	if bpp == 4 {
		return px[0]
	}
	rgba := make([]uint8, 0, 4*len(px[0]))
	for _, v := range px[0] {
		rgba = append(rgba, v, v, v, 0xff)
	}
	return rgba
}

// bilinearRGBAs is bilinearRGBA to each of several sizes (the pHash
// family resizes the same canonical image three times; the browser's
// module, which computes pHash only, once). A size src already has gets
// nil (Resize would hand src back). opaqueGrey: every pixel has R = G = B, A = 255. The
// pixels come back as premultiplied RGBA (bpp 4) or, for an opaque grey source, as one
// grey byte per pixel (bpp 1: R = G = B that value, A = Σw·255/Σw = 255).
//
// Sums are exact integers, so they may be formed in any grouping: a uint64
// carries two values that share their weights in its two 32-bit lanes
// (weights are non-negative and sum to at most 2·⌈512/8⌉ = 128 taps of at
// most 256, so a lane's sum stays under 2²⁴ and never carries into the
// next). A colour pixel is two such pairs, R|B and G|A. An opaque
// grey source (the browser's JPEG path hands over luma only) has nothing to
// premultiply and one sum for all channels, so it is filtered as one
// channel, two lines to a pair: a quarter of the multiplies, the same
// pixels.
func bilinearRGBAs(src *image.NRGBA, sizes []image.Point, opaqueGrey bool) ([][]uint8, int) {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	bpp := 4
	if opaqueGrey {
		bpp = 1
	}
	lines := [2][]uint64{make([]uint64, max(sw, sh)), make([]uint64, max(sw, sh))}
	outs := make([][]uint8, len(sizes))
	for i, d := range sizes {
		if d.X == sw && d.Y == sh {
			continue // Resize hands src back
		}
		// Pass 1 along x: row y of src becomes column y of tmp (d.X rows
		// of sh pixels); pass 2 along y: row x of tmp becomes column x of
		// the output, which is so d.Y rows of d.X pixels.
		tmp := resample(src.Pix, sh, sw, src.Stride, 4, bpp, true, newBilinearWeights(sw, d.X), lines)
		outs[i] = resample(tmp, d.X, sh, bpp*sh, bpp, bpp, false, newBilinearWeights(sh, d.Y), lines)
	}
	return outs, bpp
}

// resample filters each of the n lines of in (m pixels each; line l starts
// at in[l·ls], its pixels ps bytes apart) with bw and returns the result
// transposed and packed: len(bw.start) lines of n pixels, bpp bytes a
// pixel (for bpp 1 the first byte of each input pixel is read). premul:
// the input is NRGBA, premultiplied here (v·a/255, truncated, as
// nfnt/resize does at every tap). lines is scratch of at least m pairs
// each.
func resample(in []uint8, n, m, ls, ps, bpp int, premul bool, bw bilinearWeights, lines [2][]uint64) []uint8 {
	out := make([]uint8, bpp*n*len(bw.start))
	a, b := lines[0][:m], lines[1][:m]
	for l := 0; l < n; l++ {
		line := in[l*ls:]
		if bpp == 4 {
			for x := range m {
				p := line[ps*x : ps*x+4 : ps*x+4]
				r, g, bl, al := uint64(p[0]), uint64(p[1]), uint64(p[2]), uint64(p[3])
				if premul && al != 0xff {
					r, g, bl = r*al/0xff, g*al/0xff, bl*al/0xff
				}
				a[x], b[x] = r|bl<<32, g|al<<32
			}
			bw.apply(out[4*l:], 4*n, 2, a)
			bw.apply(out[4*l+1:], 4*n, 2, b)
			continue
		}
		// Grey: this line and the next, which share the weights, in one
		// pair; the next one's outputs are its neighbours in out.
		hi, next := 0, line
		if l+1 < n {
			hi, next = 1, in[(l+1)*ls:]
		}
		for x := range m {
			a[x] = uint64(line[ps*x]) | uint64(next[ps*x])<<32
		}
		bw.apply(out[l:], n, hi, a)
		l += hi
	}
	return out
}

// opaque says whether every pixel of src has A = 255.
func opaque(src *image.NRGBA) bool {
	for y := range src.Rect.Dy() {
		row := src.Pix[y*src.Stride : y*src.Stride+4*src.Rect.Dx()]
		for x := 3; x < len(row); x += 4 {
			if row[x] != 0xff {
				return false
			}
		}
	}
	return true
}

// apply filters one line of pairs and writes output o's low lane at
// dst[o·step] and, when hi > 0, its high lane at dst[o·step+hi]: each
// Σwᵢ·vᵢ / Σwᵢ, truncated and clamped to a byte. A zero Σwᵢ cannot arise
// from the triangle filter (some tap is always within reach of the
// centre); it yields zeros rather than a division panic.
func (bw *bilinearWeights) apply(dst []uint8, step, hi int, line []uint64) {
	for o, s := range bw.start {
		var v uint64
		var sum int32
		ws := bw.w[o*bw.taps : (o+1)*bw.taps]
		seg := line[s : s+len(ws)]
		for i, w := range ws {
			v += uint64(w) * seg[i]
			sum += int32(w)
		}
		lo, hv := int32(0), int32(0)
		if sum != 0 {
			lo, hv = int32(uint32(v))/sum, int32(v>>32)/sum
		}
		dst[o*step] = clamp8(lo)
		if hi > 0 {
			dst[o*step+hi] = clamp8(hv)
		}
	}
}

func clamp8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// bilinearGray is goimagehash's grey plane of Resize(dw, dh, src,
// Bilinear): dh rows of dw values, 0.299R + 0.587G + 0.114B of each 8-bit
// premultiplied output pixel (transforms.Rgb2Gray and Rgb2GrayFast agree on
// that). When src is already dw×dh, Resize hands it back unresampled and
// the grey comes from its colour model's premultiplied 16-bit values,
// R16/257, G16/257 and B16/256, exactly as there.
func bilinearGray(src *image.NRGBA, dw, dh int) []float64 {
	return bilinearGrays(src, []image.Point{{dw, dh}}, rgbaAllGrey(src.Pix) && opaque(src))[0]
}

// bilinearGrays is bilinearGray to each of several sizes, resampling them
// together (bilinearRGBAs; opaqueGrey as there).
func bilinearGrays(src *image.NRGBA, sizes []image.Point, opaqueGrey bool) [][]float64 {
	pxs, bpp := bilinearRGBAs(src, sizes, opaqueGrey)
	gi, bi := 1, 2 // where G and B are in a pixel of pxs
	if bpp == 1 {
		gi, bi = 0, 0
	}
	out := make([][]float64, len(sizes))
	for i, d := range sizes {
		gray := make([]float64, d.X*d.Y)
		px := pxs[i]
		for j := range gray {
			if px == nil {
				// src itself: its 16-bit premultiplied values.
				p := src.Pix[(j/d.X)*src.Stride+4*(j%d.X):]
				a := uint32(p[3])
				r := uint32(p[0]) * 0x101 * a / 0xff
				g := uint32(p[1]) * 0x101 * a / 0xff
				b := uint32(p[2]) * 0x101 * a / 0xff
				gray[j] = luma64(r/257, g/257, b/256)
				continue
			}
			p := px[bpp*j:]
			gray[j] = luma64(uint32(p[0]), uint32(p[gi]), uint32(p[bi]))
		}
		out[i] = gray
	}
	return out
}

// luma64 is goimagehash's grey value, each product rounded on its own.
func luma64(r, g, b uint32) float64 {
	return float64(0.299*float64(r)) + float64(0.587*float64(g)) + float64(0.114*float64(b))
}
