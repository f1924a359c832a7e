package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// The paths measured on every file. "before" is the product as it was
// before robust hashes: raw PDQ, pHash and digests, no dihedral search.
const (
	pathPDQ           = iota // reference PDQ alone: distance <= 31 at quality >= 50 to the original's PDQ
	pathEdgeBefore           // edge, previous defaults
	pathEdge                 // edge, default flags but no query regions
	pathEdgeRegions          // edge, default flags with query regions (serve --regions)
	pathBrowserBefore        // browser filter look-up, previous defaults
	pathBrowser              // browser filter look-up, default flags
	nPaths
)

var pathNames = [nPaths]string{"PDQ alone", "edge before", "edge", "edge + regions", "browser before", "browser"}

// world is one built release and index pair.
type world struct {
	rel *release.Release
	ix  *match.Index
	// robust: edge queries carry robust hashes, and the browser looks up
	// the one the wasm checker computes too (the trimmed picture's).
	robust, dihedral bool
	entries          int
	filterBytes      int
}

type original struct {
	name string
	pdq  fingerprint.PDQHash
	ok   bool // PDQ quality >= 50
}

// outcome is what one file got on each path.
type outcome struct {
	set, edit, group, name string
	hit                    [nPaths]bool     // matched (recall) or, for unrelated, matched anything (false match)
	wrong                  [nPaths]bool     // matched a different listed image
	listable               bool             // the original has PDQ quality >= 50, so its PDQ is listed
	cpu                    [3]time.Duration // edge before, edge, edge + regions
	lookups                int
	searches               [2]int  // edge PDQ searches without and with regions
	sent                   [2]bool // the browser's look-up hit the filter (before, now): the file's fingerprints go to /v1/verify
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("eval", flag.ContinueOnError)
	corpus := fl.String("corpus", "", "corpus directory (prepare and edit first)")
	mdOut := fl.String("md", "", "write the markdown report here")
	pngOut := fl.String("png", "", "write the recall plot here")
	jobs := fl.Int("j", 2, "files evaluated at once")
	crops := fl.Bool("crops", true, "list publisher-side sub-crop hashes of listed media")
	sets := fl.String("sets", "", "comma-separated sets whose files are checked (default: all; every listed set is listed either way)")
	only := fl.String("edits", "", "comma-separated edit names to check (default: all; unrelated originals are checked unless -sets leaves them out)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *corpus == "" {
		return errors.New("eval: want -corpus")
	}
	r, err := evaluate(ctx, *corpus, evalOptions{jobs: *jobs, crops: *crops, sets: splitList(*sets), edits: splitList(*only)}, stderr)
	if err != nil {
		return err
	}
	var md bytes.Buffer
	r.markdown(&md)
	stdout.Write(md.Bytes())
	if *mdOut != "" {
		if err := os.WriteFile(*mdOut, md.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if *pngOut != "" {
		if err := r.plot(*pngOut); err != nil {
			return err
		}
	}
	return nil
}

// cpuEvery: every cpuEvery-th file is also timed.
const cpuEvery = 8

// listedSets are the corpus sets whose originals are listed.
var listedSets = []string{"listed", "holdout"}

// evalOptions choose what evaluate measures; empty lists mean all.
type evalOptions struct {
	jobs        int
	crops       bool
	sets, edits []string
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func evaluate(ctx context.Context, corpus string, opt evalOptions, stderr io.Writer) (*report, error) {
	jobs, crops := opt.jobs, opt.crops
	var origs []original
	var before, after []release.ListEntry
	for _, set := range listedSets {
		files, _ := filepath.Glob(filepath.Join(corpus, "originals", set, "*.jpg"))
		slices.Sort(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			name := set + "/" + filepath.Base(f)
			o, eb, ea, err := listEntries(b, name, crops)
			if err != nil {
				fmt.Fprintf(stderr, "eval: %s: %v\n", f, err)
			}
			origs = append(origs, o)
			before, after = append(before, eb...), append(after, ea...)
		}
	}
	if len(origs) == 0 {
		return nil, errors.New("eval: no listed originals under " + corpus)
	}
	wb, err := newWorld(before, false, false)
	if err != nil {
		return nil, err
	}
	wa, err := newWorld(after, true, true)
	if err != nil {
		return nil, err
	}
	rep := &report{listed: len(origs), before: wb.stats(), after: wa.stats(), perSet: map[string]int{}, lowQuality: map[string]int{}}
	listable := map[string]bool{}
	for _, o := range origs {
		listable[o.name] = o.ok
		set := o.name[:strings.IndexByte(o.name, '/')]
		rep.perSet[set]++
		if !o.ok {
			rep.lowQuality[set]++
		}
	}

	type job struct{ set, edit, group, path string }
	var todo []job
	for _, set := range append(slices.Clone(listedSets), "unrelated") {
		if len(opt.sets) > 0 && !slices.Contains(opt.sets, set) {
			continue
		}
		if set == "unrelated" {
			files, _ := filepath.Glob(filepath.Join(corpus, "originals", set, "*.jpg"))
			for _, f := range files {
				todo = append(todo, job{set, "original", "original", f})
			}
		}
		for _, e := range edits {
			if len(opt.edits) > 0 && !slices.Contains(opt.edits, e.Name) {
				continue
			}
			files, _ := filepath.Glob(filepath.Join(corpus, "edits", set, e.Name, "*.jpg"))
			for _, f := range files {
				todo = append(todo, job{set, e.Name, e.Group, f})
			}
		}
	}
	fmt.Fprintf(stderr, "eval: %d listed originals (%d entries before, %d now), %d files to check\n", len(origs), len(before), len(after), len(todo))
	out := make([]outcome, len(todo))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, jobs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // thread CPU time below is this goroutine's
			defer runtime.UnlockOSThread()
			for i := range next {
				j := todo[i]
				b, err := os.ReadFile(j.path)
				o := outcome{set: j.set, edit: j.edit, group: j.group, name: filepath.Base(j.path)}
				if err == nil {
					want := ""
					if j.set != "unrelated" {
						want = j.set + "/" + o.name
						o.listable = listable[want]
					}
					check(&o, b, want, origs, wb, wa, i%cpuEvery == 0)
				}
				out[i] = o
			}
		}()
	}
	for i := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- i
		if (i+1)%2000 == 0 {
			fmt.Fprintf(stderr, "eval: %d/%d\n", i+1, len(todo))
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.outcomes = out
	return rep, nil
}

// listEntries is what `hashgate build --from-media` lists for one file:
// digests, and PDQ and pHash at quality >= 50 (before); now also the
// publisher's sub-crop hashes (canon.ListCrops).
func listEntries(b []byte, name string, crops bool) (original, []release.ListEntry, []release.ListEntry, error) {
	o := original{name: name}
	s, m := sha256.Sum256(b), md5.Sum(b)
	labels := []string{name}
	base := []release.ListEntry{
		{Kind: fingerprint.KindSHA256, Value: s[:], Labels: labels, Source: "variants"},
		{Kind: fingerprint.KindMD5, Value: m[:], Labels: labels, Source: "variants"},
	}
	img, err := media.DecodeBytes(b, media.Options{})
	if err != nil {
		return o, base, base, err
	}
	f, err := fingerprint.FromImage(img)
	if err != nil {
		return o, base, base, err
	}
	if f.PDQQuality < 50 {
		return o, base, base, nil
	}
	o.pdq, o.ok = f.PDQ, true
	ph := make([]byte, 8)
	for i := range ph {
		ph[i] = byte(f.PHash >> (56 - 8*i))
	}
	base = append(base,
		release.ListEntry{Kind: fingerprint.KindPDQ, Value: f.PDQ[:], Labels: labels, Source: "variants"},
		release.ListEntry{Kind: fingerprint.KindPHash, Value: ph, Labels: labels, Source: "variants"})
	now := slices.Clone(base)
	if crops {
		// As hashgate build --from-media lists media by default: the
		// sub-crops and the turns.
		for _, h := range append(canon.ListCrops(img), media.ListTurns(img)...) {
			now = append(now, release.ListEntry{Kind: fingerprint.KindPDQ, Value: append([]byte(nil), h[:]...), Labels: labels, Source: "variants"})
		}
	}
	return o, base, now, nil
}

func newWorld(entries []release.ListEntry, robust, dihedral bool) (*world, error) {
	signer, err := release.GenerateSigner(rand.Reader)
	if err != nil {
		return nil, err
	}
	b, err := release.Build(entries, release.BuildOptions{Version: 1, Signer: signer})
	if err != nil {
		return nil, err
	}
	rel, err := release.Accept(b, release.AcceptOptions{Trust: signer.Trust()})
	if err != nil {
		return nil, err
	}
	opts := match.DefaultOptions()
	opts.Dihedral = dihedral
	var me []match.Entry
	for _, e := range entries {
		x := match.Entry{Kind: e.Kind, Labels: e.Labels, Source: e.Source}
		switch e.Kind {
		case fingerprint.KindPDQ:
			copy(x.PDQ[:], e.Value)
		case fingerprint.KindPHash:
			for _, c := range e.Value {
				x.Hash64 = x.Hash64<<8 | fingerprint.Hash64(c)
			}
		case fingerprint.KindSHA256:
			copy(x.SHA256[:], e.Value)
		case fingerprint.KindMD5:
			copy(x.MD5[:], e.Value)
		}
		me = append(me, x)
	}
	ix, err := match.NewIndex(me, opts)
	if err != nil {
		return nil, err
	}
	return &world{rel: rel, ix: ix, robust: robust, dihedral: dihedral, entries: len(entries), filterBytes: rel.Filters.SizeBytes()}, nil
}

type worldStats struct{ entries, filterBytes, keys int }

func (w *world) stats() worldStats {
	return worldStats{w.entries, w.filterBytes, w.rel.Filters.Len()}
}

// check runs one file through every path. want is the listed name it
// should match ("" for unrelated files: any match is false).
func check(o *outcome, b []byte, want string, origs []original, wb, wa *world, timed bool) {
	judge := func(p int, labels [][]string) {
		for _, l := range labels {
			if slices.Contains(l, want) {
				o.hit[p] = true
			} else if want != "" {
				o.wrong[p] = true
			}
		}
		if want == "" && len(labels) > 0 {
			o.hit[p] = true
		}
	}
	// The robust hashes are computed once; "before" drops them. Edge CPU
	// is timed on every cpuEvery-th file only, both ways, so the run stays
	// affordable on a busy machine.
	fa, c, grey, err := media.FingerprintCanonical(b, media.Options{Robust: true})
	if err != nil {
		return
	}
	regions := media.Regions(c, grey)
	fb := fa
	fb.Robust = [fingerprint.MaxRobust]fingerprint.RobustPDQ{}
	if timed {
		t0 := threadCPU()
		f0, _ := media.FingerprintBytes(b, media.Options{})
		edgeLabels(wb, f0, nil)
		t1 := threadCPU()
		f1, _ := media.FingerprintBytes(b, media.Options{Robust: true})
		edgeLabels(wa, f1, nil)
		t2 := threadCPU()
		f2, c2, g2, _ := media.FingerprintCanonical(b, media.Options{Robust: true})
		edgeLabels(wa, f2, media.Regions(c2, g2))
		t3 := threadCPU()
		o.cpu = [3]time.Duration{t1 - t0, t2 - t1, t3 - t2}
	}
	judge(pathEdgeBefore, edgeLabels(wb, fb, nil))
	judge(pathEdge, edgeLabels(wa, fa, nil))
	judge(pathEdgeRegions, edgeLabels(wa, fa, regions))
	o.searches[0] = wa.ix.MatchReport(edgeQuery(wa, &fa, nil)).PDQSearches
	o.searches[1] = wa.ix.MatchReport(edgeQuery(wa, &fa, regions)).PDQSearches
	// PDQ alone: the reference's rule against each original's raw PDQ.
	if fb.PDQQuality >= 50 {
		var l [][]string
		for _, og := range origs {
			if og.ok && og.pdq.Distance(fb.PDQ) <= 31 {
				l = append(l, []string{og.name})
			}
		}
		judge(pathPDQ, l)
	}
	// The browser: the checker's filter look-up (a hit is a candidate the
	// edge then confirms, from the same fingerprints). A candidate counts
	// for the right image when the edge confirms it for that image.
	if browserHit(wb, fb, nil) {
		o.sent[0] = true
		judge(pathBrowserBefore, edgeLabels(wb, fb, nil))
	}
	var n int
	if browserHit(wa, fa, &n) {
		o.sent[1] = true
		judge(pathBrowser, edgeLabels(wa, fa, nil))
	}
	o.lookups = n
}

// edgeQuery is the query the edge builds from a file's fingerprints and,
// under serve --regions, its region hashes.
func edgeQuery(w *world, f *fingerprint.Fingerprints, regions []fingerprint.RobustPDQ) match.Query {
	q := match.Query{PDQ: &f.PDQ, PDQQuality: f.PDQQuality, PDQDihedral: f.PDQDihedral[:],
		PHash: &f.PHash, DHash: &f.DHash, AHash: &f.AHash, SHA256: &f.SHA256, MD5: &f.MD5, Regions: regions}
	if w.robust {
		q.Robust = f.Robust[:]
	}
	return q
}

func edgeLabels(w *world, f fingerprint.Fingerprints, regions []fingerprint.RobustPDQ) [][]string {
	var out [][]string
	for _, r := range w.ix.Match(edgeQuery(w, &f, regions)) {
		out = append(out, r.Entry.Labels)
	}
	return out
}

// browserHit is the checker's look-up: query keys of each fingerprint it
// sends (PDQ and, now, its dihedral variants and robust hashes; pHash;
// the digests), any key in the filters is a candidate.
func browserHit(w *world, f fingerprint.Fingerprints, lookups *int) bool {
	var keys []bloom.Key
	var pdqs []fingerprint.PDQHash
	if f.PDQQuality >= 50 {
		pdqs = append(pdqs, f.PDQ)
		if w.dihedral {
			pdqs = append(pdqs, f.PDQDihedral[1:]...)
		}
	}
	if w.robust {
		for _, r := range f.Robust {
			// The module computes the trimmed hash only (derotation is
			// the edge's, docs/fingerprint.md).
			if r.Quality < 50 || r.Name != "trim" {
				continue
			}
			if w.dihedral {
				pdqs = append(pdqs, r.Dihedral[:]...)
			} else {
				pdqs = append(pdqs, r.Dihedral[0])
			}
		}
	}
	hit := false
	try := func(t bloom.Type, v []byte) {
		keys = w.rel.Keyer.QueryKeys(t, v, keys[:0])
		if lookups != nil {
			*lookups += len(keys)
		}
		if w.rel.Filters.ContainsAny(keys) {
			hit = true
		}
	}
	for _, h := range pdqs {
		try(bloom.Type(fingerprint.KindPDQ), h[:])
	}
	ph := make([]byte, 8)
	for i := range ph {
		ph[i] = byte(f.PHash >> (56 - 8*i))
	}
	try(bloom.Type(fingerprint.KindPHash), ph)
	try(bloom.Type(fingerprint.KindSHA256), f.SHA256[:])
	try(bloom.Type(fingerprint.KindMD5), f.MD5[:])
	return hit
}

// threadCPU is the calling thread's CPU time (the goroutine is locked to it).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
