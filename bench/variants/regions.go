package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/release"
)

// runRegions is the scan that chose the edge's query regions
// (media.QueryRegions): it hashes candidate sub-regions of every checked
// file and, for each, measures how far the region's upright PDQ lands from
// the file's own original's listed PDQ entries (the whole image and its
// sub-crops) and from every other listed entry. It then picks regions
// greedily by what they add on the listed set over the edge's default
// match, skipping any region that brings an unrelated file within the
// threshold; the hold-out's figures are printed beside, never used.
func runRegions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("regions", flag.ContinueOnError)
	corpus := fl.String("corpus", "", "corpus directory (prepare and edit first)")
	jobs := fl.Int("j", 2, "files at once")
	only := fl.String("edits", "", "comma-separated edit names to check (default: all)")
	full := fl.Bool("full", false, "hash regions on the full canonical image, not halved as the edge does")
	pick := fl.Int("pick", 12, "regions to pick greedily")
	margin := fl.Int("margin", 0, "skip a region that brings an unrelated file within threshold+margin")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *corpus == "" {
		return errors.New("regions: want -corpus")
	}
	cands := candidateRegions()
	var origs []original
	var entries []ownedPDQ
	var after []release.ListEntry
	for _, set := range listedSets {
		files, _ := filepath.Glob(filepath.Join(*corpus, "originals", set, "*.jpg"))
		slices.Sort(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			o, _, ea, err := listEntries(b, set+"/"+filepath.Base(f), true)
			if err != nil {
				fmt.Fprintf(stderr, "regions: %s: %v\n", f, err)
			}
			for _, e := range ea {
				if e.Kind == fingerprint.KindPDQ {
					var h fingerprint.PDQHash
					copy(h[:], e.Value)
					entries = append(entries, ownedPDQ{h, len(origs)})
				}
			}
			origs = append(origs, o)
			after = append(after, ea...)
		}
	}
	wa, err := newWorld(after, true, true)
	if err != nil {
		return err
	}
	index := map[string]int{}
	for i, o := range origs {
		index[o.name] = i
	}
	type job struct{ set, edit, group, path string }
	var todo []job
	edits := splitList(*only)
	for _, set := range append(slices.Clone(listedSets), "unrelated") {
		if set == "unrelated" {
			files, _ := filepath.Glob(filepath.Join(*corpus, "originals", set, "*.jpg"))
			for _, f := range files {
				todo = append(todo, job{set, "original", "original", f})
			}
		}
		for _, e := range allEdits() {
			if len(edits) > 0 && !slices.Contains(edits, e.Name) {
				continue
			}
			files, _ := filepath.Glob(filepath.Join(*corpus, "edits", set, e.Name, "*.jpg"))
			for _, f := range files {
				todo = append(todo, job{set, e.Name, e.Group, f})
			}
		}
	}
	fmt.Fprintf(stderr, "regions: %d candidates, %d listed PDQ entries, %d files\n", len(cands), len(entries), len(todo))
	out := make([]regionScan, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, *jobs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := todo[i]
				r := regionScan{set: j.set, group: j.group, own: -1}
				b, err := os.ReadFile(j.path)
				if err != nil {
					out[i] = r
					continue
				}
				want := ""
				if j.set != "unrelated" {
					want = j.set + "/" + filepath.Base(j.path)
					r.own = index[want]
				}
				f, c, grey, err := media.FingerprintCanonical(b, media.Options{Robust: true})
				if err != nil {
					out[i] = r
					continue
				}
				for _, l := range edgeLabels(wa, f, nil) {
					if want == "" || slices.Contains(l, want) {
						r.edgeHit = true
					}
				}
				var hs []fingerprint.RobustPDQ
				if *full {
					for _, cr := range cands {
						d, q := fingerprint.PDQRegion(c, cr.Rect(c.Rect.Dx(), c.Rect.Dy()), grey)
						hs = append(hs, fingerprint.RobustPDQ{Dihedral: d, Quality: q})
					}
				} else {
					hs = media.HashRegions(c, grey, cands)
				}
				r.dOwn, r.dOther = make([]uint16, len(hs)), make([]uint16, len(hs))
				for k, h := range hs {
					r.dOwn[k], r.dOther[k] = 999, 999
					if h.Quality < 50 {
						continue
					}
					for _, e := range entries {
						d := uint16(pdqDistance(&e.h, &h.Dihedral[0]))
						if e.orig == r.own {
							r.dOwn[k] = min(r.dOwn[k], d)
						} else {
							r.dOther[k] = min(r.dOther[k], d)
						}
					}
				}
				out[i] = r
			}
		}()
	}
	for i := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- i
		if (i+1)%1000 == 0 {
			fmt.Fprintf(stderr, "regions: %d/%d\n", i+1, len(todo))
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	regionReport(stdout, cands, out, *pick, *margin)
	return nil
}

type ownedPDQ struct {
	h    fingerprint.PDQHash
	orig int
}

// regionScan is one file's distances, per candidate region, to its own
// original's PDQ entries and to every other listed entry (999: the region
// is under quality 50, so it is not searched).
type regionScan struct {
	set, group   string
	own          int // index of the original; -1 for unrelated files
	edgeHit      bool
	dOwn, dOther []uint16
}

func pdqDistance(a, b *fingerprint.PDQHash) int {
	n := 0
	for i := range a {
		n += bits.OnesCount8(a[i] ^ b[i])
	}
	return n
}

// candidateRegions are the regions the scan tries: 95 % down to 60 % of
// each side in steps of 5 %, centred or against each side or corner, and
// the same shares of one axis (the other whole), centred or against either
// end: 120 regions.
func candidateRegions() []media.Region {
	var out []media.Region
	for k := 95; k >= 60; k -= 5 {
		s := float64(k) / 100
		for _, a := range []string{"c", "n", "s", "e", "w", "nw", "ne", "sw", "se"} {
			out = append(out, media.Anchored(a, s, s))
		}
		for _, a := range []string{"c", "w", "e"} {
			out = append(out, media.Anchored(a, s, 1))
		}
		for _, a := range []string{"c", "n", "s"} {
			out = append(out, media.Anchored(a, 1, s))
		}
	}
	return out
}

// allEdits is the recipe (a function so regions.go reads like eval.go).
func allEdits() []edit { return edits }

const regionThreshold = 31

func regionReport(w io.Writer, cands []media.Region, out []regionScan, pick, margin int) {
	gain := func(set string, chosen []int, extra int) (n int) {
		for _, r := range out {
			if r.set != set || r.edgeHit || r.dOwn == nil {
				continue
			}
			for _, k := range append(chosen, extra) {
				if k >= 0 && int(r.dOwn[k]) <= regionThreshold {
					n++
					break
				}
			}
		}
		return n
	}
	unrel := func(k int) (n, closest int) {
		closest = 999
		for _, r := range out {
			if r.set != "unrelated" || r.dOwn == nil {
				continue
			}
			d := int(min(r.dOwn[k], r.dOther[k]))
			closest = min(closest, d)
			if d <= regionThreshold+margin {
				n++
			}
		}
		return
	}
	wrong := func(set string, k int) (n int) {
		for _, r := range out {
			if r.set == set && r.dOwn != nil && int(r.dOther[k]) <= regionThreshold {
				n++
			}
		}
		return
	}
	total := func(set string) (n, hit int) {
		for _, r := range out {
			if r.set == set && r.dOwn != nil {
				n++
				if r.edgeHit {
					hit++
				}
			}
		}
		return
	}
	ln, lh := total("listed")
	hn, hh := total("holdout")
	un, uh := total("unrelated")
	fmt.Fprintf(w, "Edge default: listed %d/%d, hold-out %d/%d, unrelated matched %d/%d.\n\n", lh, ln, hh, hn, uh, un)
	fmt.Fprintln(w, "| region | listed gain | hold-out gain | unrelated within | closest unrelated | wrong (listed) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	type row struct {
		k, g int
	}
	var rows []row
	for k := range cands {
		rows = append(rows, row{k, gain("listed", nil, k)})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].g > rows[j].g })
	for _, r := range rows {
		n, c := unrel(r.k)
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d |\n", cands[r.k].Name, r.g, gain("holdout", nil, r.k), n, c, wrong("listed", r.k))
	}
	fmt.Fprintf(w, "\nGreedy pick (listed gain; regions with an unrelated file within %d skipped):\n\n", regionThreshold+margin)
	fmt.Fprintln(w, "| step | region | listed cumulative | hold-out cumulative | per-group listed gain |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---|")
	var chosen []int
	for step := 1; step <= pick; step++ {
		best, bg := -1, gain("listed", chosen, -1)
		base := bg
		for k := range cands {
			if slices.Contains(chosen, k) {
				continue
			}
			if n, _ := unrel(k); n > 0 {
				continue
			}
			if g := gain("listed", chosen, k); g > bg {
				best, bg = k, g
			}
		}
		if best < 0 {
			break
		}
		chosen = append(chosen, best)
		groups := map[string]int{}
		for _, r := range out {
			if r.set == "listed" && !r.edgeHit && r.dOwn != nil && int(r.dOwn[best]) <= regionThreshold {
				hitBefore := false
				for _, k := range chosen[:len(chosen)-1] {
					if int(r.dOwn[k]) <= regionThreshold {
						hitBefore = true
					}
				}
				if !hitBefore {
					groups[r.group]++
				}
			}
		}
		var gs []string
		for g, n := range groups {
			gs = append(gs, fmt.Sprintf("%s +%d", g, n))
		}
		slices.Sort(gs)
		fmt.Fprintf(w, "| %d | %s | %d (+%d) | %d | %s |\n", step, cands[best].Name, bg, bg-base, gain("holdout", chosen, -1), strings.Join(gs, ", "))
	}
}
