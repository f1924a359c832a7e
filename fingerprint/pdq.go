package fingerprint

import (
	"math"
)

// This file is PDQ itself, following Meta's "PDQ and TMK+PDQF" paper and the
// reference hasher in facebook/ThreatExchange (pdq/cpp). Every step keeps
// the reference's float32/float64 choices and its order of summation, because
// the exact conformance vectors depend on them: a single rounding difference
// can move a coefficient across the median. Explicit float32(...) conversions
// around products stop the compiler fusing multiply-adds on platforms that
// would otherwise do so.

const (
	// pdqMinDim is the smallest side the reference hashes; below it the hash
	// is all zeros with quality 0.
	pdqMinDim = 5
	// pdqJaroszPasses is the number of box-filter passes per axis (two make a
	// tent filter).
	pdqJaroszPasses = 2
)

// pdqDCT is the 16x64 DCT-II matrix (rows 1..16 of the 64-point basis),
// computed as the reference does: a float32 scale factor times a float64
// cosine, rounded to float32.
var pdqDCT = func() (d [16 * 64]float32) {
	scale := float32(math.Sqrt(2.0 / 64.0))
	for i := range 16 {
		for j := range 64 {
			c := math.Cos((math.Pi / 2.0 / 64.0) * float64(i+1) * float64(2*j+1))
			d[i*64+j] = float32(float64(scale) * c)
		}
	}
	return d
}()

// pdqState holds the fixed-size buffers of one PDQ computation so that a
// hash needs no allocation beyond the two full-size luma planes.
type pdqState struct {
	sums []float32        // per-column running sums for boxCols
	a    [64 * 64]float32 // the 64x64 decimated luma
	t    [16 * 64]float32 // D·A
	b    [16 * 16]float32 // D·A·Dᵀ, the 16x16 low-frequency block
	aux  [16 * 16]float32 // one dihedral variant of b
}

// pdqFromLuma hashes a rows×cols float32 luma plane (row-major). It
// overwrites luma and uses scratch (same length) as working space, like the
// reference's two full buffers. It returns the eight dihedral hashes in the
// reference's order and the quality.
func pdqFromLuma(luma, scratch []float32, rows, cols int) (h [8]PDQHash, quality int) {
	if rows < pdqMinDim || cols < pdqMinDim {
		return h, 0
	}
	var s pdqState
	if rows == 64 && cols == 64 {
		// The reference's single-hash entry point skips the blur for an
		// input that is already 64x64, while its dihedral entry point
		// does not; keep both behaviours so each hash matches its twin.
		copy(s.a[:], luma)
		quality = pdqQuality(&s.a)
		pdqDCT64To16(&s)
		h[0] = pdqBits(&s.b)
		orig := h[0]
		s.decimate(luma, scratch, rows, cols)
		pdqDCT64To16(&s)
		pdqDihedral(&s, &h)
		h[0] = orig
		return h, quality
	}
	s.decimate(luma, scratch, rows, cols)
	quality = pdqQuality(&s.a)
	pdqDCT64To16(&s)
	pdqDihedral(&s, &h)
	return h, quality
}

// decimate blurs the plane with the two-pass Jarosz (tent) filter and
// samples it at 64x64 cell centres into s.a. Only those 64x64 values are
// used, so the second pass computes no others: along the rows it keeps the
// running sums over every column (the sums, added in the reference's
// order, decide the bits) but divides and stores only at the 64 sample
// columns, and down the columns it filters those 64 only. The sampled
// values are the reference's, bit for bit, at a little over half the work.
func (s *pdqState) decimate(luma, scratch []float32, rows, cols int) {
	wr := jaroszWindow(cols, 64) // along each row
	wc := jaroszWindow(rows, 64) // along each column
	var ri, ci [64]int
	for o := range 64 {
		ri[o] = int((float64(o) + 0.5) * float64(rows) / 64)
		ci[o] = int((float64(o) + 0.5) * float64(cols) / 64)
	}
	passes := pdqJaroszPasses
	if cols >= 64 {
		passes-- // the last pass is sampled below; it needs rows×64 of scratch
	}
	for range passes {
		for i := range rows {
			boxRow(luma[i*cols:(i+1)*cols], scratch[i*cols:(i+1)*cols], wr)
		}
		boxCols(scratch, luma, rows, cols, wc, s.colSums(cols))
	}
	if cols >= 64 {
		for i := range rows {
			box1DAt(luma[i*cols:(i+1)*cols], 1, cols, wr, &ci, scratch[i*64:(i+1)*64], 1)
		}
		for j := range 64 {
			box1DAt(scratch[j:], 64, rows, wc, &ri, s.a[j:], 64)
		}
		return
	}
	for oi := range 64 {
		for oj := range 64 {
			s.a[oi*64+oj] = luma[ri[oi]*cols+ci[oj]]
		}
	}
}

// box1DAt is box1D that writes only the outputs at positions at[0..63]
// (non-decreasing; a position may repeat), output k to out[k*outStride].
// The running sum goes through every sample exactly as in box1D.
func box1DAt(in []float32, stride, n, w int, at *[64]int, out []float32, outStride int) {
	half := (w + 2) / 2
	var sum float32
	cur := 0
	li, ri, oi, k := 0, 0, 0, 0
	next := at[0]
	for range half - 1 {
		sum += in[ri]
		cur++
		ri += stride
	}
	for range w - half + 1 {
		sum += in[ri]
		cur++
		for oi == next {
			out[k*outStride] = sum / float32(cur)
			if k++; k == 64 {
				return
			}
			next = at[k]
		}
		ri += stride
		oi++
	}
	for range n - w {
		sum += in[ri]
		sum -= in[li]
		for oi == next {
			out[k*outStride] = sum / float32(cur)
			if k++; k == 64 {
				return
			}
			next = at[k]
		}
		li += stride
		ri += stride
		oi++
	}
	for range half - 1 {
		sum -= in[li]
		cur--
		for oi == next {
			out[k*outStride] = sum / float32(cur)
			if k++; k == 64 {
				return
			}
			next = at[k]
		}
		li += stride
		oi++
	}
}

func (s *pdqState) colSums(cols int) []float32 {
	if cap(s.sums) < cols {
		s.sums = make([]float32, cols)
	}
	s.sums = s.sums[:cols]
	clear(s.sums)
	return s.sums
}

// boxCols is box1D down every column at once: the same additions, in the
// same order per column, so the results are identical, but it walks the
// plane row by row instead of striding down it, which keeps it in cache.
func boxCols(in, out []float32, rows, cols, w int, sum []float32) {
	half := (w + 2) / 2
	row := func(i int) []float32 { return in[i*cols : i*cols+cols] }
	ri, li, oi := 0, 0, 0
	cur := 0
	for range half - 1 {
		for j, v := range row(ri) {
			sum[j] += v
		}
		cur++
		ri++
	}
	for range w - half + 1 {
		n := float32(cur + 1)
		dst := out[oi*cols : oi*cols+cols]
		for j, v := range row(ri) {
			sum[j] += v
			dst[j] = sum[j] / n
		}
		cur++
		ri++
		oi++
	}
	n := float32(cur)
	for range rows - w {
		dst := out[oi*cols : oi*cols+cols]
		add, sub := row(ri), row(li)
		add, sub, sum := add[:len(dst)], sub[:len(dst)], sum[:len(dst)]
		for j := range dst {
			v := sum[j]
			v += add[j]
			v -= sub[j]
			sum[j] = v
			dst[j] = v / n
		}
		li++
		ri++
		oi++
	}
	for range half - 1 {
		cur--
		n := float32(cur)
		dst := out[oi*cols : oi*cols+cols]
		for j, v := range row(li) {
			sum[j] -= v
			dst[j] = sum[j] / n
		}
		li++
		oi++
	}
}

// boxRow is box1D along one row (stride 1, n = len(in) ≤ len(out)): the
// same additions and divisions in the same order, written so that the
// compiler drops the bounds checks and the divisor is hoisted out of the
// middle loop, which matters most in the wasm build.
func boxRow(in, out []float32, w int) {
	n := len(in)
	out = out[:n]
	half := (w + 2) / 2
	var sum float32
	cur := 0
	for _, v := range in[:half-1] {
		sum += v
		cur++
	}
	for ri := half - 1; ri < w; ri++ {
		sum += in[ri]
		cur++
		out[ri-half+1] = sum / float32(cur)
	}
	fc := float32(cur)
	add := in[w:]
	sub := in[:len(add)]
	dst := out[w-half+1:]
	dst = dst[:len(add)]
	for i, v := range add {
		sum += v
		sum -= sub[i]
		dst[i] = sum / fc
	}
	for li := n - w; li < n-w+half-1; li++ {
		sum -= in[li]
		cur--
		out[li+w-half+1] = sum / float32(cur)
	}
}

// jaroszWindow is the per-pass box width: half of a full output cell,
// rounded up, so that two passes cover the whole cell.
func jaroszWindow(oldDim, newDim int) int { return (oldDim + 2*newDim - 1) / (2 * newDim) }

// box1D is a running-sum box filter of width w over n samples spaced stride
// apart, with windows shrinking at the edges. The sum is kept in float32 and
// updated add-then-subtract, exactly as the reference does.
func box1D(in, out []float32, n, stride, w int) {
	half := (w + 2) / 2
	var sum float32
	cur := 0
	li, ri, oi := 0, 0, 0
	for range half - 1 {
		sum += in[ri]
		cur++
		ri += stride
	}
	for range w - half + 1 {
		sum += in[ri]
		cur++
		out[oi] = sum / float32(cur)
		ri += stride
		oi += stride
	}
	for range n - w {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / float32(cur)
		li += stride
		ri += stride
		oi += stride
	}
	for range half - 1 {
		sum -= in[li]
		cur--
		out[oi] = sum / float32(cur)
		li += stride
		oi += stride
	}
}

// pdqQuality is the reference's image-domain quality: the sum of quantised
// absolute gradients of the 64x64 image, scaled and capped at 100.
func pdqQuality(a *[64 * 64]float32) int {
	sum := 0
	grad := func(u, v float32) {
		d := int(float32((u-v)*100) / 255)
		if d < 0 {
			d = -d
		}
		sum += d
	}
	for i := range 63 {
		for j := range 64 {
			grad(a[i*64+j], a[(i+1)*64+j])
		}
	}
	for i := range 64 {
		for j := range 63 {
			grad(a[i*64+j], a[i*64+j+1])
		}
	}
	return min(sum/90, 100)
}

// pdqDCT64To16 computes s.b = D·s.a·Dᵀ, summing each dot product in
// float32 from k = 0 upwards.
func pdqDCT64To16(s *pdqState) {
	for i := range 16 {
		d := s.pdqRow(i)
		for j := range 64 {
			var sum float32
			for k := range 64 {
				sum += float32(d[k] * s.a[k*64+j])
			}
			s.t[i*64+j] = sum
		}
	}
	for i := range 16 {
		t := s.t[i*64 : i*64+64]
		for j := range 16 {
			d := s.pdqRow(j)
			var sum float32
			for k := range 64 {
				sum += float32(t[k] * d[k])
			}
			s.b[i*16+j] = sum
		}
	}
}

func (s *pdqState) pdqRow(i int) []float32 { return pdqDCT[i*64 : i*64+64] }

// pdqDihedral derives the eight dihedral hashes from the one DCT in s.b:
// rotations and flips of the image only transpose the coefficient block
// and negate the odd rows or columns.
func pdqDihedral(s *pdqState, h *[8]PDQHash) {
	h[0] = pdqBits(&s.b)
	for v := 1; v < 8; v++ {
		for i := range 16 {
			for j := range 16 {
				x := s.b[i*16+j]
				transpose := false
				neg := false
				switch v {
				case 1: // rotate 90
					transpose, neg = true, j&1 == 0
				case 2: // rotate 180
					neg = (i+j)&1 == 1
				case 3: // rotate 270
					transpose, neg = true, i&1 == 0
				case 4: // flip x
					neg = i&1 == 0
				case 5: // flip y
					neg = j&1 == 0
				case 6: // flip about the +1 diagonal
					transpose = true
				case 7: // flip about the -1 diagonal
					transpose, neg = true, (i+j)&1 == 1
				}
				if neg {
					x = -x
				}
				if transpose {
					s.aux[j*16+i] = x
				} else {
					s.aux[i*16+j] = x
				}
			}
		}
		h[v] = pdqBits(&s.aux)
	}
}

// pdqBits sets bit k for each coefficient above the median. The median is
// the 128th smallest of the 256 values (the lower median), as the
// reference's Torben selection returns it.
func pdqBits(b *[16 * 16]float32) PDQHash {
	median := lowerMedian(*b)
	var h PDQHash
	for k, x := range b {
		if x > median {
			h.SetBit(k)
		}
	}
	return h
}

// lowerMedian returns the 128th smallest of the 256 values (NaN-free, as
// DCT outputs of pixels are) by quickselect on the copy it is given. It
// stands in for sorting (what slices.Sort's generic pdqsort costs the wasm
// module); a test holds it to the sorted answer.
func lowerMedian(v [16 * 16]float32) float32 {
	const k = 127
	lo, hi := 0, len(v)-1
	for lo < hi {
		// Hoare partition around the middle element.
		pivot := v[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		// Now v[lo..j] <= pivot <= v[i..hi], and v[j+1..i-1] == pivot.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}
