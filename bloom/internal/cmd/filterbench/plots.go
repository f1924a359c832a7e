package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hashgate/hashgate/bloom"
)

var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff},
}

// plotRates draws measured against target rate, log-log, with the y = x
// and y = 1.25x lines the acceptance bound sits between.
func plotRates(path string, pts []ratePoint) error {
	p := plot.New()
	p.Title.Text = "bloom: measured false-positive rate against target"
	p.X.Label.Text = "target rate"
	p.Y.Label.Text = "measured rate"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{}, plot.LogTicks{}
	ideal := plotter.XYs{{X: 1e-5, Y: 1e-5}, {X: 2e-2, Y: 2e-2}}
	bound := plotter.XYs{{X: 1e-5, Y: 1.25e-5}, {X: 2e-2, Y: 2.5e-2}}
	for i, xy := range []plotter.XYs{ideal, bound} {
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color = color.Gray{0x80}
		if i == 1 {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
	}
	p.Legend.Add("measured = target", mustLine(ideal))
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}}
	for ki, kind := range []bloom.Kind{bloom.KindSplitBlock, bloom.KindBinaryFuse8, bloom.KindBinaryFuse16} {
		sizes := []int{}
		for _, pt := range pts {
			if pt.kind == kind && !containsInt(sizes, pt.n) {
				sizes = append(sizes, pt.n)
			}
		}
		for si, n := range sizes {
			var xy plotter.XYs
			for _, pt := range pts {
				if pt.kind == kind && pt.n == n {
					xy = append(xy, plotter.XY{X: pt.target, Y: pt.measured})
				}
			}
			s, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			s.GlyphStyle.Shape = shapes[ki]
			s.GlyphStyle.Color = palette[si%len(palette)]
			s.GlyphStyle.Radius = vg.Points(3.5)
			p.Add(s)
			p.Legend.Add(fmt.Sprintf("%v, %s keys", kind, count(n)), s)
		}
	}
	p.Legend.Top, p.Legend.Left = true, true
	return p.Save(7*vg.Inch, 5*vg.Inch, path)
}

// plotRecall draws recall against planted Hamming distance per layout.
func plotRecall(path string, recall [][]float64) error {
	p := plot.New()
	p.Title.Text = "bloom: PDQ recall against Hamming distance (planted flips)"
	p.X.Label.Text = "bits flipped (d)"
	p.Y.Label.Text = "recall (copy shares a key with the original)"
	p.Y.Min, p.Y.Max = 0, 1.02
	for i, name := range layouts {
		var xy plotter.XYs
		for d, v := range recall[i] {
			xy = append(xy, plotter.XY{X: float64(d), Y: v})
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(name, l)
	}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}

func mustLine(xy plotter.XYs) *plotter.Line {
	l, _ := plotter.NewLine(xy)
	l.Color = color.Gray{0x80}
	return l
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
