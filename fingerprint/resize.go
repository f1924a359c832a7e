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
// w[o·taps : (o+1)·taps] applied from input index start[o].
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
	bw := bilinearWeights{w: make([]int16, out*taps), start: make([]int, out), taps: taps}
	for o := range out {
		// Each product is rounded on its own (the explicit conversions
		// forbid fused multiply-add), so every platform gets the same
		// weights.
		c := float64(scale*(float64(o)+0.5)) - 0.5
		s := int(c) - taps/2 + 1
		bw.start[o] = s
		c -= float64(s)
		for i := range taps {
			x := math.Abs(float64((c - float64(i)) * factor))
			if x <= 1 {
				bw.w[o*taps+i] = int16(float64((1 - x) * 256))
			}
		}
	}
	return bw
}

// bilinearRGBA resamples src (at origin 0,0) to dw×dh as nfnt/resize's
// Bilinear does and returns the premultiplied RGBA pixels, stride 4·dw.
// src must be at least 1×1 and not already dw×dh.
func bilinearRGBA(src *image.NRGBA, dw, dh int) []uint8 {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	// Pass 1, along x: row y of src, premultiplied, becomes column y of
	// tmp, which is dw rows of sh pixels. Premultiplying a row once gives
	// the values nfnt/resize computes at every tap (v·a/255 fits a byte).
	wx := newBilinearWeights(sw, dw)
	tmp := make([]uint8, 4*sh*dw)
	line := make([]lanes, max(sw, sh))
	for y := range sh {
		row := src.Pix[y*src.Stride : y*src.Stride+4*sw]
		for x := range sw {
			p := row[4*x : 4*x+4 : 4*x+4]
			r, g, b, a := uint64(p[0]), uint64(p[1]), uint64(p[2]), uint64(p[3])
			if a != 0xff {
				r, g, b = r*a/0xff, g*a/0xff, b*a/0xff
			}
			line[x] = lanes{r | b<<32, g | a<<32}
		}
		wx.apply(tmp[4*y:], 4*sh, line[:sw])
	}
	// Pass 2, along y: row x of tmp (column x of the image) becomes
	// column x of the output.
	wy := newBilinearWeights(sh, dh)
	out := make([]uint8, 4*dw*dh)
	for x := range dw {
		col := tmp[4*x*sh : 4*(x+1)*sh]
		for y := range sh {
			p := col[4*y : 4*y+4 : 4*y+4]
			line[y] = lanes{uint64(p[0]) | uint64(p[2])<<32, uint64(p[1]) | uint64(p[3])<<32}
		}
		wy.apply(out[4*x:], 4*dw, line[:sh])
	}
	return out
}

// lanes holds one pixel's four channels as two pairs of 32-bit lanes,
// R|B<<32 and G|A<<32, so one multiply weights two channels. Weights are
// at most 256 and non-negative and a pass has at most 2·⌈512/8⌉ = 128
// taps, so a lane's sum stays under 2²⁴ and never carries into the next.
type lanes struct{ rb, ga uint64 }

// apply filters one line of premultiplied pixels and writes output o at
// dst[o·step:].
func (bw *bilinearWeights) apply(dst []uint8, step int, line []lanes) {
	last := len(line) - 1
	for o, s := range bw.start {
		var rb, ga uint64
		var sum int32
		ws := bw.w[o*bw.taps : (o+1)*bw.taps]
		if s >= 0 && s+len(ws)-1 <= last {
			// Every tap inside the line: no clamping (the common case).
			seg := line[s : s+len(ws)]
			for i, w := range ws {
				rb += uint64(w) * seg[i].rb
				ga += uint64(w) * seg[i].ga
				sum += int32(w)
			}
		} else {
			for i, w := range ws {
				p := line[clampIndex(s+i, last)]
				rb += uint64(w) * p.rb
				ga += uint64(w) * p.ga
				sum += int32(w)
			}
		}
		put4(dst[o*step:], int32(uint32(rb)), int32(uint32(ga)), int32(rb>>32), int32(ga>>32), sum)
	}
}

func clampIndex(i, last int) int {
	if i < 0 {
		return 0
	}
	if i > last {
		return last
	}
	return i
}

// put4 stores the four weighted sums divided by sum, clamped to a byte. A
// zero sum cannot arise from the triangle filter (some tap is always within
// reach of the centre); it yields zeros rather than a division panic.
func put4(dst []uint8, r, g, b, a, sum int32) {
	if sum == 0 {
		dst[0], dst[1], dst[2], dst[3] = 0, 0, 0, 0
		return
	}
	dst[0], dst[1], dst[2], dst[3] = clamp8(r/sum), clamp8(g/sum), clamp8(b/sum), clamp8(a/sum)
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
	gray := make([]float64, dw*dh)
	if src.Rect.Dx() == dw && src.Rect.Dy() == dh {
		for y := range dh {
			row := src.Pix[y*src.Stride:]
			for x := range dw {
				p := row[4*x : 4*x+4]
				a := uint32(p[3])
				r := uint32(p[0]) * 0x101 * a / 0xff
				g := uint32(p[1]) * 0x101 * a / 0xff
				b := uint32(p[2]) * 0x101 * a / 0xff
				gray[y*dw+x] = luma64(r/257, g/257, b/256)
			}
		}
		return gray
	}
	px := bilinearRGBA(src, dw, dh)
	for i := range gray {
		p := px[4*i : 4*i+3]
		gray[i] = luma64(uint32(p[0]), uint32(p[1]), uint32(p[2]))
	}
	return gray
}

// luma64 is goimagehash's grey value, each product rounded on its own.
func luma64(r, g, b uint32) float64 {
	return float64(0.299*float64(r)) + float64(0.587*float64(g)) + float64(0.114*float64(b))
}
