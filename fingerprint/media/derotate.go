package canon

import (
	"image"
	"math"

	"github.com/hashgate/hashgate/fingerprint"
)

// Derotate undoes a small rotation (2–8°) of a picture placed on a flat
// canvas, as `convert -rotate 4` makes it: four corner triangles of one
// colour whose legs give the angle. It rotates c back, crops the box the
// picture occupied and returns its PDQ (named "derotate"), or a zero
// RobustPDQ when c has no such corners. The edge calls it (media); the wasm
// module does not, to keep within its size budget.
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
	theta, ok := cornerAngle(c, sx, sy)
	if !ok {
		return fingerprint.RobustPDQ{}
	}
	// The picture's box in the canvas, once rotated back: W' = W cos + H
	// sin, H' = W sin + H cos, solved for W and H (file pixels).
	cs, sn := math.Cos(theta), math.Sin(math.Abs(theta))
	c2 := cs*cs - sn*sn
	bw := (float64(w0)*cs - float64(h0)*sn) / c2
	bh := (float64(h0)*cs - float64(w0)*sn) / c2
	if bw < 0.5*float64(w0) || bh < 0.5*float64(h0) {
		return fingerprint.RobustPDQ{}
	}
	out := rotate(c, theta, sx, sy)
	x0, y0 := int((float64(w0)-bw)/2*sx+1.5), int((float64(h0)-bh)/2*sy+1.5)
	r := image.Rect(x0, y0, w-x0, h-y0)
	d, q := fingerprint.PDQRegion(out, r, grey)
	return fingerprint.RobustPDQ{Name: "derotate", Rect: r, Dihedral: d, Quality: q}
}

// cornerAngle measures the four corner triangles: along each edge from
// each corner, the run of pixels in the top-left pixel's colour. A rotated
// picture's vertex touches each edge of the canvas, so each corner has a
// short and a long leg, the long ones alternating around the canvas, and
// tan θ = short/long the same at every corner. It returns θ (signed:
// positive when the top edge's run from the left is the long one).
func cornerAngle(c *image.NRGBA, sx, sy float64) (float64, bool) {
	w, h := c.Rect.Dx(), c.Rect.Dy()
	at := func(x, y int) [3]uint8 {
		p := c.Pix[y*c.Stride+4*x:]
		return [3]uint8{p[0], p[1], p[2]}
	}
	bg := at(0, 0)
	is := func(x, y int) bool {
		p := at(x, y)
		return near(p[0], bg[0]) && near(p[1], bg[1]) && near(p[2], bg[2])
	}
	// run counts background pixels from (x, y) stepping (dx, dy), at most n.
	run := func(x, y, dx, dy, n int) int {
		k := 0
		for k < n && is(x+k*dx, y+k*dy) {
			k++
		}
		return k
	}
	// The four corners, each with its run along the horizontal edge and
	// along the vertical one.
	// The lines are taken 2 px in from the edges: on the edge itself a
	// vertex is one antialiased pixel, which the run would step over.
	const in = 2
	hx := [4]int{run(0, in, 1, 0, w), run(w-1, in, -1, 0, w), run(w-1, h-1-in, -1, 0, w), run(0, h-1-in, 1, 0, w)}
	vy := [4]int{run(in, 0, 0, 1, h), run(w-1-in, 0, 0, 1, h), run(w-1-in, h-1, 0, -1, h), run(in, h-1, 0, -1, h)}
	// Clockwise, the long legs run down the left and right edges from the
	// top-left and bottom-right corners... in general: at each corner one
	// leg is short, one long, and along each edge one corner's long leg and
	// the next corner's short leg add up to the side.
	sign := 1.0 // +: top-left's long leg is on the left edge
	if hx[0] > vy[0] {
		sign = -1
	}
	// The short legs end at the picture's vertices, which are sharp; a
	// long leg can stop early where the picture is as light as the canvas,
	// so each is taken as the side less the short leg of the corner at its
	// other end, and the run measured must reach most of it.
	var short, long, runs [4]float64
	for i := range 4 {
		j := (i + 3) % 4 // the corner before i, clockwise
		k := (i + 1) % 4
		if sign > 0 == (i%2 == 0) {
			// Long leg vertical: corners 0-3 share the left edge, 1-2 the right.
			o := 3 - i
			short[i], long[i], runs[i] = float64(hx[i])/sx, float64(h-vy[o])/sy, float64(vy[i])/sy
		} else {
			o := [4]int{1, 0, 3, 2}[i]
			short[i], long[i], runs[i] = float64(vy[i])/sy, float64(w-hx[o])/sx, float64(hx[i])/sx
		}
		_, _ = j, k
	}
	var angles [4]float64
	for i := range 4 {
		if short[i] < 2 || short[i]*4 > long[i] || runs[i] < 0.6*long[i] {
			return 0, false
		}
		angles[i] = math.Atan2(short[i], long[i])
	}
	theta := (angles[0] + angles[1] + angles[2] + angles[3]) / 4
	for _, a := range angles {
		if math.Abs(a-theta) > 0.025 {
			return 0, false
		}
	}
	if deg := theta * 180 / math.Pi; deg < 2 || deg > 8 {
		return 0, false
	}
	return sign * theta, true
}

// rotate returns c turned by theta radians about its centre (bilinear;
// outside pixels black), the inverse of the rotation cornerAngle measured.
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
