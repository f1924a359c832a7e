package media

import (
	"image"
	"math"
	"slices"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
)

// Derotate undoes a small rotation (2–8°) of a picture on a flat canvas:
// turned on a canvas it fills (convert -rotate 4), or turned and cropped
// back to the file's size (an app's straighten tool, -rotate 5 -crop),
// which leaves wedges of canvas along some sides only. Each wedge's inner
// boundary is one of the picture's edges; together they give the angle
// and, once turned back, the picture's box. It returns the PDQ of that box
// (named "derotate") when all of it was on the canvas, or else of the
// centred box inside it whose corners were, shrunk to the nearest centred
// crop canon.ListCrops lists ("derotate-inner": a cropped-back picture's box,
// its corners filled black, lands 70–90 bits from the original, the
// inner box within 31 of a listed crop); a zero RobustPDQ when c has no
// such wedges. The edge calls it; it lives here, not in fingerprint/canon
// beside Trim, so that the browser's wasm module (which links canon) stays
// within its size budget.
//
// c is the canonical image of a w0×h0 file: sampled to 512×512 when a side
// is over 512, so lengths are measured in the file's own pixels (sx, sy
// canonical pixels each) for the angle to be the file's.
func Derotate(c *image.NRGBA, grey bool, w0, h0 int) fingerprint.RobustPDQ {
	w, h := c.Rect.Dx(), c.Rect.Dy()
	if w < 64 || h < 64 || w0 <= 0 || h0 <= 0 {
		return fingerprint.RobustPDQ{}
	}
	sx, sy := float64(w)/float64(w0), float64(h)/float64(h0)
	g, ok := wedges(c, sx, sy)
	if !ok {
		return fingerprint.RobustPDQ{}
	}
	out := rotate(c, g.theta, sx, sy)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	toRect := func(l, t, r, b float64) image.Rectangle {
		return image.Rect(int(math.Ceil(l*sx+cx)), int(math.Ceil(t*sy+cy)), int(math.Floor(r*sx+cx))+1, int(math.Floor(b*sy+cy))+1)
	}
	rb := toRect(g.left, g.top, g.right, g.bottom).Intersect(out.Rect)
	// A box reaching past the canvas was cropped back: the largest box of
	// its shape, centred on it, whose corners stayed on the canvas (each
	// corner m + k·(±bw/2, ±bh/2), turned by theta, inside ±w0/2, ±h0/2).
	bw, bh := g.right-g.left, g.bottom-g.top
	mx, my := (g.left+g.right)/2, (g.top+g.bottom)/2
	hw, hh := float64(w0)/2, float64(h0)/2
	co, sn := math.Cos(g.theta), math.Sin(g.theta)
	x0, y0 := co*mx-sn*my, sn*mx+co*my
	k := 1.0
	for _, a := range [2]float64{-bw / 2, bw / 2} {
		for _, b := range [2]float64{-bh / 2, bh / 2} {
			for _, c := range [2][3]float64{{x0, co*a - sn*b, hw}, {y0, sn*a + co*b, hh}} {
				// c0 + k·d within ±lim.
				c0, d, lim := c[0], c[1], c[2]
				if d > 0 {
					k = min(k, (lim-c0)/d)
				} else if d < 0 {
					k = min(k, (-lim-c0)/d)
				}
			}
		}
	}
	if k > 0.99 {
		// The whole box is on the canvas.
		d, q := fingerprint.PDQRegion(out, rb, grey)
		return fingerprint.RobustPDQ{Name: "derotate", Rect: rb, Dihedral: d, Quality: q}
	}
	k, ok = canon.CentredCrop(k)
	if !ok {
		return fingerprint.RobustPDQ{}
	}
	ri := toRect(mx-k*bw/2, my-k*bh/2, mx+k*bw/2, my+k*bh/2).Intersect(rb)
	d, q := fingerprint.PDQRegion(out, ri, grey)
	return fingerprint.RobustPDQ{Name: "derotate-inner", Rect: ri, Dihedral: d, Quality: q}
}

// Canvas measurement: a pixel is canvas within canvasTol of the canvas
// colour (per channel; JPEG at q90 keeps a flat canvas within a few
// levels, and a tight tolerance keeps a dark picture off a black canvas).
const canvasTol = 12

// sideAgree is how far (radians, about 0.3°) a side's angle may be from
// the median side's: the edges of a turned picture measure within 0.1° of
// each other on a 512-pixel canonical image.
const sideAgree = 0.005

// wedgeSamples is how many depths are measured along each canvas side.
const wedgeSamples = 40

// geometry is a derotation: the angle to turn the canvas back by, and the
// picture's box once turned, in file pixels from the canvas centre.
type geometry struct {
	theta                    float64
	left, top, right, bottom float64
}

// wedges measures the wedges of canvas along the four sides of c. A
// picture turned by θ leaves, along each side of the canvas it no longer
// covers, a wedge whose inner boundary is the picture's edge nearest that
// side: its depth shrinks linearly along the side. A robust line through
// the depths gives that edge; the edges must share one angle of 2–8°
// (modulo 90°). A side with no canvas at all is one the picture was
// cropped at (turned, then cropped back to the file's size): the edge
// there is the opposite one moved by the file's width or height. The
// canvas colour is that of at least two of c's corner pixels.
func wedges(c *image.NRGBA, sx, sy float64) (geometry, bool) {
	var g geometry
	w, h := c.Rect.Dx(), c.Rect.Dy()
	at := func(x, y int) []uint8 { return c.Pix[y*c.Stride+4*x : y*c.Stride+4*x+3] }
	same := func(p, q []uint8) bool {
		return abs(int(p[0])-int(q[0])) <= canvasTol && abs(int(p[1])-int(q[1])) <= canvasTol && abs(int(p[2])-int(q[2])) <= canvasTol
	}
	cs := [4][]uint8{at(0, 0), at(w-1, 0), at(w-1, h-1), at(0, h-1)}
	var bg []uint8
	for i := range 4 {
		n := 0
		for j := range 4 {
			if same(cs[i], cs[j]) {
				n++
			}
		}
		if n >= 2 {
			bg = cs[i]
			break
		}
	}
	if bg == nil {
		return g, false
	}
	isBG := func(x, y int) bool { return same(at(x, y), bg) }
	cx, cy := float64(w-1)/2, float64(h-1)/2
	// For each side (top, right, bottom, left): the line's angle modulo
	// 90°, a point of it in file pixels from the centre, whether it was
	// measured, and whether the side showed any canvas at all.
	var angles [4]float64
	var pts [4][2]float64
	var measured, canvas [4]bool
	for e := range 4 {
		// The side runs along x (top, bottom) or y; depth goes inwards.
		n, depthMax := w, h/2
		if e%2 == 1 {
			n, depthMax = h, w/2
		}
		pix := func(t, d int) (int, int) {
			switch e {
			case 0:
				return t, d
			case 1:
				return w - 1 - d, t
			case 2:
				return t, h - 1 - d
			}
			return d, t
		}
		var us, ds [wedgeSamples]float64
		k := 0
		for j := range wedgeSamples {
			t := 1 + j*(n-3)/(wedgeSamples-1)
			d := 0
			for d < depthMax {
				x, y := pix(t, d)
				if !isBG(x, y) {
					break
				}
				d++
			}
			// Only where there is canvas: where the picture reaches the
			// side the line would be outside it.
			if d > 0 && d < depthMax {
				us[k], ds[k] = float64(t), float64(d)
				k++
			}
		}
		// A few depths at one end are another side's wedge reaching this
		// one's corner, not a wedge of this side.
		canvas[e] = k >= wedgeSamples/4
		if !canvas[e] {
			continue
		}
		slope, ic, inliers := lineFit(us[:k], ds[:k])
		if inliers < k/2 || inliers < wedgeSamples/4 {
			continue
		}
		// The line d = ic + slope·t in canvas pixels (the boundary falls
		// half a pixel before a run's end), as a point and a direction,
		// then in file pixels from the centre.
		x0, y0 := pix(0, 0)
		x1, y1 := pix(1, 0)
		xd, yd := pix(0, 1)
		tx, ty := float64(x1-x0), float64(y1-y0) // along the side
		nx, ny := float64(xd-x0), float64(yd-y0) // inwards
		off := ic - 0.5
		px, py := float64(x0)+nx*off, float64(y0)+ny*off
		vx, vy := tx+nx*slope, ty+ny*slope
		phi := math.Atan2(vy/sy, vx/sx)
		for phi > math.Pi/4 {
			phi -= math.Pi / 2
		}
		for phi <= -math.Pi/4 {
			phi += math.Pi / 2
		}
		measured[e], angles[e], pts[e] = true, phi, [2]float64{(px - cx) / sx, (py - cy) / sy}
	}
	// The angle is the median measured side's; a side off it by more than
	// sideAgree (a dark picture on a black canvas, say) is set aside.
	var vals []float64
	for e := range 4 {
		if measured[e] {
			vals = append(vals, angles[e])
		}
	}
	if len(vals) < 2 {
		return g, false
	}
	theta := median(vals)
	var good [4]bool
	for e := range 4 {
		good[e] = measured[e] && math.Abs(angles[e]-theta) <= sideAgree
	}
	if !(good[0] || good[2]) || !(good[1] || good[3]) {
		return g, false
	}
	if deg := math.Abs(theta) * 180 / math.Pi; deg < 2 || deg > 8 {
		return g, false
	}
	// Turned back by theta, a point P of the canvas lands at R(-theta)·P:
	// each edge's point gives that edge's line in the upright picture. A
	// missing edge is the opposite one moved by the file's size where its
	// side showed no canvas (cropped back), else mirrored about the centre
	// (the picture turned about it, its edge there too dark to measure).
	co, sn := math.Cos(theta), math.Sin(theta)
	var lines [4]float64
	for e, p := range pts {
		if e%2 == 0 {
			lines[e] = -sn*p[0] + co*p[1]
		} else {
			lines[e] = co*p[0] + sn*p[1]
		}
	}
	// The file's height and width, signed outwards for each side.
	ext := [4]float64{-float64(h) / sy, float64(w) / sx, float64(h) / sy, -float64(w) / sx}
	for e := range lines {
		o := (e + 2) % 4
		switch {
		case good[e]:
		case !canvas[e]:
			lines[e] = lines[o] + ext[e]
		default:
			lines[e] = -lines[o]
		}
	}
	g = geometry{theta: theta, top: lines[0], right: lines[1], bottom: lines[2], left: lines[3]}
	return g, g.right > g.left && g.bottom > g.top
}

// lineFit returns the line d = ic + slope·u through the points (u, d) that
// most of them lie within a pixel of (trying the line through each pair),
// refitted by least squares to those, and how many they are.
func lineFit(us, ds []float64) (slope, ic float64, inliers int) {
	best := 0
	var bs, bi float64
	for a := range us {
		for b := a + 1; b < len(us); b++ {
			if us[b] == us[a] {
				continue
			}
			m := (ds[b] - ds[a]) / (us[b] - us[a])
			c := ds[a] - m*us[a]
			n := 0
			for j := range us {
				if math.Abs(ds[j]-(c+m*us[j])) <= 1 {
					n++
				}
			}
			if n > best {
				best, bs, bi = n, m, c
			}
		}
	}
	if best < 2 {
		return 0, 0, 0
	}
	var su, sd, suu, sud, k float64
	for j := range us {
		if math.Abs(ds[j]-(bi+bs*us[j])) <= 1 {
			su, sd, suu, sud, k = su+us[j], sd+ds[j], suu+us[j]*us[j], sud+us[j]*ds[j], k+1
		}
	}
	if den := k*suu - su*su; den > 0 {
		bs = (k*sud - su*sd) / den
		bi = (sd - bs*su) / k
	}
	return bs, bi, best
}

func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// rotate returns c turned by theta radians about its centre (bilinear;
// outside pixels black), the inverse of the rotation wedges measured.
func rotate(c *image.NRGBA, theta, sx, sy float64) *image.NRGBA {
	w, h := c.Rect.Dx(), c.Rect.Dy()
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	cs, sn := math.Cos(theta), math.Sin(theta)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	for y := range h {
		for x := range w {
			// In file pixels about the centre, turned, and back.
			dx, dy := (float64(x)-cx)/sx, (float64(y)-cy)/sy
			fx0, fy0 := (cs*dx-sn*dy)*sx+cx, (sn*dx+cs*dy)*sy+cy
			x0, y0 := int(math.Floor(fx0)), int(math.Floor(fy0))
			o := out.Pix[y*out.Stride+4*x:]
			o[3] = 0xff
			if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
				continue
			}
			fx, fy := fx0-float64(x0), fy0-float64(y0)
			p := c.Pix[y0*c.Stride+4*x0:]
			q := c.Pix[(y0+1)*c.Stride+4*x0:]
			for k := range 3 {
				v := (float64(p[k])*(1-fx)+float64(p[4+k])*fx)*(1-fy) + (float64(q[k])*(1-fx)+float64(q[4+k])*fx)*fy
				o[k] = uint8(v + 0.5)
			}
		}
	}
	return out
}
