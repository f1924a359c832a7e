package canon

import "image"

// Detector thresholds, in 8-bit levels and fractions of a row or column of
// the canonical image. They were chosen on the listed part of the
// bench/variants corpus and are checked on its hold-out.
const (
	// tol is how far (per channel) a pixel may be from a band's colour and
	// still count as band: JPEG noise around flat colour stays well inside.
	tol = 28
	// solid is the share of a row in the band colour that makes it a clean
	// band row; edgeSolid is what the outermost row needs to start a band.
	solid     = 0.85
	edgeSolid = 0.9
	// content is the share under which a row is picture, not band (text in
	// a caption band stays above it on most rows).
	content = 0.5
	// sharpShare: the rows just inside the band must be at most this much
	// band-coloured on average, so that a straight edge is cut and a sky
	// that fades into a ragged horizon is not.
	sharpShare = 0.3
	// maxRamp is how many rows the drop from solid band to picture may
	// take (JPEG ringing and chroma bleed smear a straight edge over 1–2).
	maxRamp = 3
	// maxBand is the largest share of a side one band may take; minKeep
	// the smallest share of each side the trimmed picture must keep.
	maxBand = 0.45
	minKeep = 0.3
	// Blurred fill: a pixel is smooth when its luma differs from its right
	// and lower neighbours by at most smoothStep; a fill column is at
	// least fillSmooth smooth, a picture column at most pictureSmooth.
	smoothStep    = 5
	fillSmooth    = 0.75
	pictureSmooth = 0.55
	fillWindow    = 6
)

// Trim returns the rectangle of c that holds the picture once uniform
// borders, flat bands (with or without text) and blurred fill are removed,
// or c.Rect when it finds none. It runs two passes, so a border around a
// captioned picture or an app frame around a photo comes off in turn.
func Trim(c *image.NRGBA) image.Rectangle {
	r := c.Rect
	for range 2 {
		n := trimBands(c, r)
		if n == r {
			n = trimBlur(c, r)
		}
		if n == r {
			break
		}
		r = n
	}
	// Both passes together must keep minKeep of each side, too.
	return keep(c.Rect, r)
}

// side is one edge of the region being trimmed, walked line by line (rows
// from the top or bottom, columns from the left or right) towards the
// other.
type side struct {
	c      *image.NRGBA
	r      image.Rectangle
	vert   bool // walking columns (left/right) rather than rows
	rev    bool // from the far edge (bottom/right)
	length int  // pixels per line
	depth  int  // lines from this edge to the other
}

func newSide(c *image.NRGBA, r image.Rectangle, vert, rev bool) side {
	s := side{c: c, r: r, vert: vert, rev: rev}
	if vert {
		s.length, s.depth = r.Dy(), r.Dx()
	} else {
		s.length, s.depth = r.Dx(), r.Dy()
	}
	return s
}

// at is the offset of pixel 0 of line d (counted from this side's edge)
// in a plane of c's size with rowStride bytes a row and px bytes a pixel,
// and the step from one pixel of the line to the next: c.Pix is read with
// (c.Stride, 4), the luma plane with (width, 1).
func (s side) at(d, rowStride, px int) (int, int) {
	if s.rev {
		d = s.depth - 1 - d
	}
	x, y := s.r.Min.X-s.c.Rect.Min.X, s.r.Min.Y-s.c.Rect.Min.Y
	if s.vert {
		return y*rowStride + (x+d)*px, rowStride
	}
	return (y+d)*rowStride + x*px, px
}

// share is the fraction of line d's pixels within tol of colour b.
func (s side) share(d int, b [3]uint8) float64 {
	o, step := s.at(d, s.c.Stride, 4)
	n := 0
	for i := range s.length {
		p := s.c.Pix[o+i*step:]
		if near(p[0], b[0]) && near(p[1], b[1]) && near(p[2], b[2]) {
			n++
		}
	}
	return float64(n) / float64(s.length)
}

func near(a, b uint8) bool {
	d := int(a) - int(b)
	return -tol <= d && d <= tol
}

// median is the per-channel median colour of lines 0 and 1 (by histogram:
// a generic sort would cost the wasm module several KB).
func (s side) median() [3]uint8 {
	var hist [3][256]int
	n := 0
	for d := range min(2, s.depth) {
		o, step := s.at(d, s.c.Stride, 4)
		for i := range s.length {
			p := s.c.Pix[o+i*step:]
			hist[0][p[0]]++
			hist[1][p[1]]++
			hist[2][p[2]]++
			n++
		}
	}
	var m [3]uint8
	for k := range hist {
		acc := 0
		for v, c := range hist[k] {
			if acc += c; 2*acc > n {
				m[k] = uint8(v)
				break
			}
		}
	}
	return m
}

// band returns how many lines from this side's edge are a flat band (0 for
// none): the outermost line mostly one colour, lines of that colour (text
// on it allowed) down to a straight, sharp edge into the picture.
func (s side) band() int {
	if s.depth < 16 || s.length < 16 {
		return 0
	}
	b := s.median()
	if s.share(0, b) < edgeSolid {
		return 0
	}
	limit := int(float64(s.depth) * maxBand)
	run := max(4, s.depth/32) // picture lines in a row that end the band
	f := make([]float64, 0, limit+run+1)
	at := func(d int) float64 {
		for len(f) <= d {
			f = append(f, s.share(len(f), b))
		}
		return f[d]
	}
	end := -1
	for d := 1; d+run <= min(s.depth, limit+run+1); d++ {
		low := true
		for k := d; k < d+run; k++ {
			if at(k) >= content {
				low = false
				break
			}
		}
		if low {
			end = d
			break
		}
	}
	if end < 0 || end > limit {
		return 0
	}
	last := -1 // the last clean band line before the edge
	clean, sum := 0, 0.0
	for d := range end {
		sum += f[d]
		if f[d] >= solid {
			last = d
			clean++
		}
	}
	if end-last > maxRamp || float64(clean) < 0.4*float64(end) || sum < 0.7*float64(end) {
		return 0
	}
	var inside float64
	for _, v := range f[end : end+run] {
		inside += v
	}
	if inside/float64(run) > sharpShare {
		return 0
	}
	// Cut one line past the edge: it carries the edge's JPEG ringing.
	return min(end+1, limit)
}

// trimBands removes a flat band from each side of r that has one.
func trimBands(c *image.NRGBA, r image.Rectangle) image.Rectangle {
	var w [4]int
	sides := [4]side{newSide(c, r, false, false), newSide(c, r, false, true), newSide(c, r, true, false), newSide(c, r, true, true)}
	for i, s := range sides {
		w[i] = s.band()
	}
	// Letterbox and pillarbox bars come in pairs: where the picture is as
	// dark (or light) as the bar beside it, that bar's edge is lost, but
	// the bar is still there, as wide as its twin.
	for i := 0; i < 4; i += 2 {
		a, b := i, i+1
		if w[a] == 0 {
			a, b = b, a
		}
		if w[a] > 0 && w[b] == 0 && sides[b].solidRun(sides[a].median(), w[a]) >= w[a]-maxRamp {
			w[b] = w[a]
		}
	}
	return keep(r, image.Rect(r.Min.X+w[2], r.Min.Y+w[0], r.Max.X-w[3], r.Max.Y-w[1]))
}

// solidRun counts the lines from this edge, up to n, that are clean band
// lines of colour b.
func (s side) solidRun(b [3]uint8, n int) int {
	d := 0
	for d < min(n, s.depth) && s.share(d, b) >= solid {
		d++
	}
	return d
}

// keep returns n unless it keeps less than minKeep of a side of r.
func keep(r, n image.Rectangle) image.Rectangle {
	if float64(n.Dx()) < minKeep*float64(r.Dx()) || float64(n.Dy()) < minKeep*float64(r.Dy()) {
		return r
	}
	return n
}

// trimBlur removes blurred fill from both ends of r along one axis: a
// pillarbox or letterbox filled with a stretched, blurred copy of the
// picture. It wants the fill on both sides, of about the same width, each
// ending in a sharp edge, which a photo's soft background seldom does.
func trimBlur(c *image.NRGBA, r image.Rectangle) image.Rectangle {
	for _, vert := range [2]bool{true, false} {
		a, sa := newSide(c, r, vert, false).fill()
		b, sb := newSide(c, r, vert, true).fill()
		// Fill is centred: one sharp edge will do when the other side is
		// smooth at least as far, its edge lost in a soft part of the
		// picture.
		if a > 0 && (b == 0 || b > a+4+a/6) && sb+fillWindow >= a {
			b = a
		} else if b > 0 && (a == 0 || a > b+4+b/6) && sa+fillWindow >= b {
			a = b
		}
		if a == 0 || b == 0 {
			continue
		}
		if d := a - b; d > 4+a/6 || -d > 4+b/6 {
			continue
		}
		n := r
		if vert {
			n.Min.X, n.Max.X = r.Min.X+a, r.Max.X-b
		} else {
			n.Min.Y, n.Max.Y = r.Min.Y+a, r.Max.Y-b
		}
		if k := keep(r, n); k != r {
			return k
		}
	}
	return r
}

// smoothShare is the fraction of line d's pixels whose luma is within
// smoothStep of the next pixel along the line and of the same pixel on
// line d+1 (towards the inside). Pixels are read by offset, each luma
// carried to the next pixel: converting every pixel through a generic
// accessor made the fill pass 4 ms on a smooth wallpaper.
func (s side) smoothShare(d int) float64 {
	a, step := s.at(d, s.c.Stride, 4)
	b, _ := s.at(d+1, s.c.Stride, 4)
	pix := s.c.Pix
	n := 0
	next := lumaAt(pix, a)
	for i := range s.length - 1 {
		v := next
		next = lumaAt(pix, a+(i+1)*step)
		if abs(v-next) <= smoothStep && abs(v-lumaAt(pix, b+i*step)) <= smoothStep {
			n++
		}
	}
	return float64(n) / float64(s.length-1)
}

func lumaAt(pix []uint8, o int) int {
	p := pix[o : o+3]
	return luma(p[0], p[1], p[2])
}

// fill returns how many lines from this edge are smooth fill ending in a
// sharp edge into textured picture, or 0. Smoothness is averaged over
// fillWindow lines: JPEG's 8×8 blocks put small steps into blurred fill.
func (s side) fill() (edge, smooth int) {
	if s.depth < 32 || s.length < 32 {
		return 0, 0
	}
	limit := int(float64(s.depth) * maxBand)
	run := max(4, s.depth/32)
	n := min(s.depth-1, limit+run+fillWindow)
	// Lines are measured as the walk reaches them: most pictures fail on
	// the first window, so a photo costs a few lines per side.
	ss := make([]float64, 0, n)
	mean := func(a, b int) float64 {
		for len(ss) < b {
			ss = append(ss, s.smoothShare(len(ss)))
		}
		t := 0.0
		for _, v := range ss[a:b] {
			t += v
		}
		return t / float64(b-a)
	}
	d := 0
	for d+fillWindow <= limit && mean(d, d+fillWindow) >= fillSmooth {
		d++
	}
	if d < 2 || d+fillWindow > limit {
		return 0, d
	}
	// The window that failed starts at d: the edge is inside it. The
	// picture must be textured just past it.
	for e := d; e < d+fillWindow; e++ {
		if e+run <= n && mean(e, e+run) <= pictureSmooth && ss[e] <= pictureSmooth {
			return min(e+1, limit), d
		}
	}
	return 0, d
}

func luma(r, g, b uint8) int { return (299*int(r) + 587*int(g) + 114*int(b)) / 1000 }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
