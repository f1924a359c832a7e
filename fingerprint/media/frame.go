package media

import (
	"image"

	"github.com/hashgate/hashgate/fingerprint"
)

// Frame detector thresholds, in 8-bit luma levels and shares of the
// canonical image, chosen on the listed part of the bench/variants corpus.
const (
	// frameStep is the luma step across a line (two pixels each side
	// averaged) that counts as the picture's edge there: plasma and
	// paper textures stay under it between neighbouring pixels.
	frameStep = 14
	// frameSupport is the share of a side's length that must show the
	// step: a picture's edge is a straight line of contrast along most of
	// its length, though the picture may match the canvas here and there.
	frameSupport = 0.6
	// frameMargin and frameKeep bound where a side may lie: at least this
	// far in from the canvas edge, and the picture keeping at least this
	// share of each side.
	frameMargin = 0.02
	frameKeep   = 0.5
	// frameProminence: a side's column (or row) must show the step on
	// this many more of its lines than the mean of the columns a few
	// pixels either side, so that a textured photo's interior, where
	// every column has steps, does not pass for an edge.
	frameProminence = 0.3
	// frameSample: the profiles look at every 8th line across.
	frameSample = 8
)

// Frame finds a picture pasted whole on a textured canvas (a poster on
// plasma or paper, a photo on a patterned background), which Trim leaves
// alone because the canvas is not one colour: the rectangle whose four
// sides are straight lines of contrast along most of their length. It
// returns the PDQ of that rectangle (named "frame"), or a zero RobustPDQ.
// The edge calls it when Trim and Derotate find nothing. It lives here, not
// in fingerprint/canon beside Trim, for the same reason as the query
// regions: canon is linked into the browser's wasm module.
func Frame(c *image.NRGBA, grey bool) fingerprint.RobustPDQ {
	r, ok := frameRect(c)
	if !ok {
		return fingerprint.RobustPDQ{}
	}
	d, q := fingerprint.PDQRegion(c, r, grey)
	return fingerprint.RobustPDQ{Name: "frame", Rect: r, Dihedral: d, Quality: q}
}

// frameRect returns the framed picture's rectangle in c's coordinates.
func frameRect(c *image.NRGBA) (image.Rectangle, bool) {
	w, h := c.Rect.Dx(), c.Rect.Dy()
	if w < 64 || h < 64 {
		return image.Rectangle{}, false
	}
	// colStep(y, x) is a colour step between columns x-1 and x on row y
	// (two pixels each side averaged, in the channel that changes most);
	// rowStep(x, y) likewise between rows y-1 and y on column x.
	p, st := c.Pix, c.Stride
	colStep := func(y, x int) bool { return stepAt(p, y*st+4*x, 4) != 0 }
	rowStep := func(x, y int) bool { return stepAt(p, y*st+4*x, st) != 0 }
	// Each candidate line's share of steps across the span of the other
	// axis the picture may cover (every frameSample-th pixel of it: a share
	// needs no more); the canvas outside adds few, so a side shows as a
	// peak. A second pass measures each line across the span the first
	// pass found, where the canvas adds none.
	cols := make([]float64, w)
	rows := make([]float64, h)
	n := make([]int, max(w, h))
	colProfile := func(y0, y1 int) {
		clear(n)
		k := 0
		for y := y0; y < y1; y += frameSample {
			row := p[y*st : y*st+4*w]
			for x := 2; x < w-1; x++ {
				n[x] += int(stepAt(row, 4*x, 4))
			}
			k++
		}
		for x := range w {
			cols[x] = float64(n[x]) / float64(k)
		}
	}
	rowProfile := func(x0, x1 int) {
		for y := 2; y < h-1; y++ {
			m, k := 0, 0
			for x := x0; x < x1; x += frameSample {
				m += int(stepAt(p, y*st+4*x, st))
				k++
			}
			rows[y] = float64(m) / float64(k)
		}
	}
	mw, mh := int(frameMargin*float64(w)+0.5), int(frameMargin*float64(h)+0.5)
	kw, kh := int(frameKeep*float64(w)), int(frameKeep*float64(h))
	// The sides left and right over the whole height first, then top and
	// bottom between them, then left and right again between those, each
	// pass where the canvas adds fewer steps; any side missing ends it.
	var x0, x1, y0, y1 int
	sides := func() bool {
		var okL, okR bool
		x0, okL = peak(cols, mw, w-kw)
		x1, okR = peak(cols, kw, w-mw)
		return okL && okR && x1-x0 >= kw
	}
	colProfile(0, h)
	if !sides() {
		return image.Rectangle{}, false
	}
	rowProfile(x0, x1)
	var okT, okB bool
	y0, okT = peak(rows, mh, h-kh)
	y1, okB = peak(rows, kh, h-mh)
	if !okT || !okB || y1-y0 < kh {
		return image.Rectangle{}, false
	}
	colProfile(y0, y1)
	if !sides() {
		return image.Rectangle{}, false
	}
	// Each side must show the step along most of its own length [n0, n1),
	// within a pixel of its line j (a side not quite straight after
	// resampling), not only somewhere in its column; lim bounds the lines
	// step may be asked about.
	onSide := func(n0, n1, j, lim int, step func(along, across int) bool) bool {
		n := 0
		for k := n0; k < n1; k++ {
			for a := max(j-1, 2); a <= min(j+1, lim-1); a++ {
				if step(k, a) {
					n++
					break
				}
			}
		}
		return float64(n) >= frameSupport*float64(n1-n0)
	}
	if !onSide(y0, y1, x0, w-1, colStep) || !onSide(y0, y1, x1, w-1, colStep) ||
		!onSide(x0, x1, y0, h-1, rowStep) || !onSide(x0, x1, y1, h-1, rowStep) {
		return image.Rectangle{}, false
	}
	return image.Rect(c.Rect.Min.X+x0, c.Rect.Min.Y+y0, c.Rect.Min.X+x1, c.Rect.Min.Y+y1), true
}

// stepAt is 1 when p[i:i+3] and the pixel d bytes on are, on average, at
// least frameStep from the two pixels before them in some channel.
func stepAt(p []uint8, i, d int) uint8 {
	for k := i; k < i+3; k++ {
		v := int(p[k]) + int(p[k+d]) - int(p[k-d]) - int(p[k-2*d])
		if v >= 2*frameStep || v <= -2*frameStep {
			return 1
		}
	}
	return 0
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// peak returns the index in [lo, hi) whose share stands furthest above the
// mean of its neighbours 3 to 8 lines away, when it stands at least
// frameProminence above them.
func peak(s []float64, lo, hi int) (int, bool) {
	lo, hi = max(lo, 2), min(hi, len(s)-1)
	best, at := 0.0, -1
	for i := lo; i < hi; i++ {
		sum, n := 0.0, 0
		for d := 3; d <= 8; d++ {
			if i-d >= 2 {
				sum += s[i-d]
				n++
			}
			if i+d < len(s)-1 {
				sum += s[i+d]
				n++
			}
		}
		if n == 0 {
			continue
		}
		if p := s[i] - sum/float64(n); p > best {
			best, at = p, i
		}
	}
	return at, at >= 0 && best >= frameProminence
}
