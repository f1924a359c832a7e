package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/hashgate/hashgate/edge"
)

type report struct {
	listed        int
	perSet        map[string]int // listed originals per set
	lowQuality    map[string]int // of them, those whose PDQ quality is under 50
	before, after worldStats
	outcomes      []outcome
}

func (r *report) count(keep func(o *outcome) bool) (n int, hit [nPaths]int, wrong [nPaths]int) {
	for i := range r.outcomes {
		o := &r.outcomes[i]
		if !keep(o) {
			continue
		}
		n++
		for p := range nPaths {
			if o.hit[p] {
				hit[p]++
			}
			if o.wrong[p] {
				wrong[p]++
			}
		}
	}
	return
}

func pctOf(a, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", 100*float64(a)/float64(n))
}

// upper95 is the exact (Clopper–Pearson) one-sided 95 % upper bound on a
// rate after k events in n trials; for k = 0 it is 1 − 0.05^(1/n) (about
// 3/n, the rule of three).
func upper95(k, n int) float64 {
	if n == 0 {
		return 1
	}
	lo, hi := float64(k)/float64(n), 1.0
	for range 100 {
		mid := (lo + hi) / 2
		if binomCDF(k, n, mid) > 0.05 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func binomCDF(k, n int, p float64) float64 {
	s := 0.0
	for i := 0; i <= k; i++ {
		lg, _ := math.Lgamma(float64(n + 1))
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		s += math.Exp(lg - a - b + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return s
}

func (r *report) markdown(w io.Writer) {
	fmt.Fprintf(w, "Listed originals: %d. Edge list: %d entries before, %d now (%.1f per listed image); filter %d → %d bytes (%d → %d keys).\n\n",
		r.listed, r.before.entries, r.after.entries, float64(r.after.entries)/float64(r.listed), r.before.filterBytes, r.after.filterBytes, r.before.keys, r.after.keys)
	// The edge's default (serve --regions) is the bold column; the
	// browser ÷ edge ratio is against it.
	def := pathEdge
	noReg, withReg := "**edge, no regions**", "edge + regions"
	if edge.DefaultConfig().Regions {
		def, noReg, withReg = pathEdgeRegions, "edge, no regions", "**edge + regions**"
	}
	b := func(p int, v string) string {
		if p == def {
			return "**" + v + "**"
		}
		return v
	}
	for _, set := range listedSets {
		fmt.Fprintf(w, "### Recall, %s set (%% of edited copies matched to their original)\n\n", set)
		fmt.Fprintf(w, "| edit kind | files | PDQ alone | edge before | %s | %s | browser before | **browser** | browser ÷ edge |\n", noReg, withReg)
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
		var tn int
		var th [nPaths]int
		for _, g := range groups() {
			n, h, _ := r.count(func(o *outcome) bool { return o.set == set && o.group == g })
			if n == 0 {
				continue
			}
			tn += n
			for p := range h {
				th[p] += h[p]
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | **%s** | %s |\n", g, n, pctOf(h[pathPDQ], n), pctOf(h[pathEdgeBefore], n),
				b(pathEdge, pctOf(h[pathEdge], n)), b(pathEdgeRegions, pctOf(h[pathEdgeRegions], n)), pctOf(h[pathBrowserBefore], n), pctOf(h[pathBrowser], n), pctOf(h[pathBrowser], h[def]))
		}
		fmt.Fprintf(w, "| **all edits** | %d | %s | %s | %s | %s | %s | **%s** | %s |\n\n", tn, pctOf(th[pathPDQ], tn), pctOf(th[pathEdgeBefore], tn),
			b(pathEdge, pctOf(th[pathEdge], tn)), b(pathEdgeRegions, pctOf(th[pathEdgeRegions], tn)), pctOf(th[pathBrowserBefore], tn), pctOf(th[pathBrowser], tn), pctOf(th[pathBrowser], th[def]))
		ln, lh, _ := r.count(func(o *outcome) bool { return o.set == set && o.listable })
		fmt.Fprintf(w, "Edits of the %d originals whose PDQ quality is at least 50 (%d originals of this set are under it, so only their digests are listed): %d files, PDQ alone %s %%, edge %s %% (%s %% with regions), browser %s %%.\n\n",
			r.perSet[set]-r.lowQuality[set], r.lowQuality[set], ln, pctOf(lh[pathPDQ], ln), pctOf(lh[pathEdge], ln), pctOf(lh[pathEdgeRegions], ln), pctOf(lh[pathBrowser], ln))
		_, _, wr := r.count(func(o *outcome) bool { return o.set == set })
		fmt.Fprintf(w, "Matches to a different listed image: PDQ alone %d, edge before %d, edge %d, edge + regions %d.\n\n", wr[pathPDQ], wr[pathEdgeBefore], wr[pathEdge], wr[pathEdgeRegions])
	}
	fmt.Fprintln(w, "### False matches over the unrelated set")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| files | n | PDQ alone | edge before | edge, no regions | edge + regions | edge + regions 95 % upper bound per file | browser candidates before | browser candidates |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, row := range []struct {
		name string
		keep func(o *outcome) bool
	}{
		{"unrelated originals", func(o *outcome) bool { return o.set == "unrelated" && o.edit == "original" }},
		{"their edits", func(o *outcome) bool { return o.set == "unrelated" && o.edit != "original" }},
		{"all unrelated files", func(o *outcome) bool { return o.set == "unrelated" }},
	} {
		n, h, _ := r.count(row.keep)
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %.2g | %d | %d |\n", row.name, n, h[pathPDQ], h[pathEdgeBefore], h[pathEdge], h[pathEdgeRegions],
			upper95(h[pathEdgeRegions], n), h[pathBrowserBefore], h[pathBrowser])
	}
	fmt.Fprintln(w)
	// What "a miss sends nothing" costs: unrelated files whose look-up hits
	// the filter by chance send their fingerprints to the edge, which
	// refuses them.
	var sn, s0n, s1n int
	for _, o := range r.outcomes {
		if o.set == "unrelated" {
			sn++
			s0n += b2i(o.sent[0])
			s1n += b2i(o.sent[1])
		}
	}
	if sn > 0 {
		fmt.Fprintf(w, "Browser look-ups that hit the filter on unrelated files (their fingerprints go to `/v1/verify`, which finds nothing): before %d of %d (%s %%), now %d of %d (%s %%; 95 %% upper bound %.2g per file).\n\n",
			s0n, sn, pctOf(s0n, sn), s1n, sn, pctOf(s1n, sn), upper95(s1n, sn))
	}
	var cb, ca, cr []time.Duration
	var lk, s0, s1 []int
	for _, o := range r.outcomes {
		if o.cpu[0] > 0 {
			cb, ca, cr = append(cb, o.cpu[0]), append(ca, o.cpu[1]), append(cr, o.cpu[2])
			lk = append(lk, o.lookups)
		}
		s0, s1 = append(s0, o.searches[0]), append(s1, o.searches[1])
	}
	if len(cb) > 0 {
		for _, d := range [][]time.Duration{cb, ca, cr} {
			slices.Sort(d)
		}
		slices.Sort(lk)
		mb, ma, mr := cb[len(cb)/2], ca[len(ca)/2], cr[len(cr)/2]
		fmt.Fprintf(w, "Edge CPU per file (decode, fingerprints, match; thread CPU time, median of %d): before %.1f ms, now %.1f ms without regions (%.2f×), %.1f ms with (%.2f× before, %.2f× without regions). Browser filter look-ups per file now: median %d.\n\n",
			len(cb), ms(mb), ms(ma), float64(ma)/float64(mb), ms(mr), float64(mr)/float64(mb), float64(mr)/float64(ma), lk[len(lk)/2])
	}
	if len(s0) > 0 {
		slices.Sort(s0)
		slices.Sort(s1)
		fmt.Fprintf(w, "Edge PDQ index searches per file (raw, dihedral variants, robust hashes, regions): median %d without regions, %d with (max %d, %d).\n",
			s0[len(s0)/2], s1[len(s1)/2], s0[len(s0)-1], s1[len(s1)-1])
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// plot draws recall per edit kind (both listed sets together) for PDQ
// alone, the edge before, the edge without and with regions and the
// browser as a horizontal bar chart.
func (r *report) plot(path string) error {
	gs := groups()
	const rowH, barH, left, width = 52, 9, 150, 600
	W, H := left+width+20, 50+rowH*len(gs)+30
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	cols := []struct {
		p int
		c color.RGBA
	}{{pathPDQ, color.RGBA{170, 170, 170, 255}}, {pathEdgeBefore, color.RGBA{240, 160, 60, 255}}, {pathEdge, color.RGBA{30, 90, 180, 255}}, {pathEdgeRegions, color.RGBA{130, 60, 170, 255}}, {pathBrowser, color.RGBA{60, 160, 90, 255}}}
	// basicfont has ASCII only: the kinds' ±, – and ° would draw as boxes.
	ascii := strings.NewReplacer("±", "+-", "–", "-", "°", " deg", "×", "x")
	text := func(x, y int, s string) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(ascii.Replace(s))
	}
	text(8, 16, "bench/variants: recall per edit kind (listed + hold-out), % of edited copies matched")
	for i, c := range cols {
		x := 8 + i*148
		draw.Draw(img, image.Rect(x, 26, x+12, 36), image.NewUniform(c.c), image.Point{}, draw.Src)
		text(x+16, 36, pathNames[c.p])
	}
	for gx := 0; gx <= 100; gx += 25 {
		x := left + gx*width/100
		draw.Draw(img, image.Rect(x, 44, x+1, H-24), image.NewUniform(color.RGBA{225, 225, 225, 255}), image.Point{}, draw.Src)
		text(x-8, H-8, fmt.Sprintf("%d%%", gx))
	}
	for gi, g := range gs {
		n, h, _ := r.count(func(o *outcome) bool { return o.set != "unrelated" && o.group == g })
		y := 48 + gi*rowH
		text(4, y+22, g)
		if n == 0 {
			continue
		}
		for i, c := range cols {
			bw := h[c.p] * width / n
			by := y + 2 + i*barH
			draw.Draw(img, image.Rect(left, by, left+bw, by+barH-1), image.NewUniform(c.c), image.Point{}, draw.Src)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
