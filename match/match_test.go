package match

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

func pdqEntry(h fingerprint.PDQHash, labels ...string) Entry {
	return Entry{Kind: fingerprint.KindPDQ, PDQ: h, Labels: labels, Source: "list-a"}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Options)
		ok   bool
	}{
		{"defaults", func(*Options) {}, true},
		{"zero", func(o *Options) { *o = Options{} }, true},
		{"pdq 255", func(o *Options) { o.PDQThreshold = 255 }, true},
		{"pdq 256", func(o *Options) { o.PDQThreshold = 256 }, false},
		{"pdq negative", func(o *Options) { o.PDQThreshold = -1 }, false},
		{"quality 100", func(o *Options) { o.PDQMinQuality = 100 }, true},
		{"quality 101", func(o *Options) { o.PDQMinQuality = 101 }, false},
		{"phash 64", func(o *Options) { o.PHashThreshold = 64 }, false},
		{"dhash -1", func(o *Options) { o.DHashThreshold = -1 }, false},
		{"ahash 63", func(o *Options) { o.AHashThreshold = 63 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.edit(&o)
			_, err := NewIndex(nil, o)
			if tc.ok && err != nil {
				t.Fatalf("NewIndex: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrOptions) {
				t.Fatalf("NewIndex: got %v, want ErrOptions", err)
			}
		})
	}
}

func TestDefaultOptions(t *testing.T) {
	o := DefaultOptions()
	if o.PDQThreshold != 31 || o.PDQMinQuality != 50 || o.PHashThreshold != 6 || !o.Dihedral {
		t.Fatalf("DefaultOptions() = %+v", o)
	}
}

func TestRejectsUnknownKind(t *testing.T) {
	for _, k := range []fingerprint.Kind{fingerprint.KindUnknown, 7, 255} {
		entries := []Entry{pdqEntry(fingerprint.PDQHash{}), {Kind: k}}
		_, err := NewIndex(entries, DefaultOptions())
		if !errors.Is(err, ErrKind) {
			t.Fatalf("kind %d: got %v, want ErrKind", k, err)
		}
		if want := "match: entry 1: "; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
			t.Fatalf("kind %d: error %q does not name the entry", k, err)
		}
	}
}

func TestBuilderIsSpentByBuild(t *testing.T) {
	b, err := NewBuilder(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Add(pdqEntry(fingerprint.PDQHash{1})); err != nil {
		t.Fatal(err)
	}
	ix, err := b.Build()
	if err != nil || ix.Len() != 1 {
		t.Fatalf("Build: %v, Len %d", err, ix.Len())
	}
	if err := b.Add(pdqEntry(fingerprint.PDQHash{2})); err == nil {
		t.Fatal("Add after Build succeeded")
	}
	if _, err := b.Build(); err == nil {
		t.Fatal("second Build succeeded")
	}
}

func TestEmptyIndex(t *testing.T) {
	ix, err := NewIndex(nil, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	h, p, s, m := fingerprint.PDQHash{}, fingerprint.Hash64(0), fingerprint.SHA256Digest{}, fingerprint.MD5Digest{}
	rep := ix.MatchReport(Query{PDQ: &h, PDQQuality: 100, PHash: &p, SHA256: &s, MD5: &m})
	if ix.Len() != 0 || len(rep.Results) != 0 || rep.PDQ != PDQSearched {
		t.Fatalf("Len %d, report %+v", ix.Len(), rep)
	}
}

// TestPDQThresholdAndQuality pins the boundaries: distance == threshold
// matches, threshold+1 does not, and quality below the floor is refused
// with PDQLowQuality.
func TestPDQThresholdAndQuality(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := randomPDQ(rng)
	for _, tc := range []struct {
		name               string
		threshold, quality int
		minQuality, dist   int
		match              bool
		status             PDQStatus
	}{
		{"identical", 31, 100, 50, 0, true, PDQSearched},
		{"at threshold", 31, 100, 50, 31, true, PDQSearched},
		{"one past", 31, 100, 50, 32, false, PDQSearched},
		{"far", 31, 100, 50, 100, false, PDQSearched},
		{"quality at floor", 31, 50, 50, 3, true, PDQSearched},
		{"quality below floor", 31, 49, 50, 0, false, PDQLowQuality},
		{"missing quality", 31, 0, 50, 0, false, PDQLowQuality},
		{"no floor", 31, 0, 0, 0, true, PDQSearched},
		{"threshold 0 exact", 0, 100, 50, 0, true, PDQSearched},
		{"threshold 0 one bit", 0, 100, 50, 1, false, PDQSearched},
		{"threshold 70", 70, 100, 50, 70, true, PDQSearched},
		{"threshold 70 past", 70, 100, 50, 71, false, PDQSearched},
		{"threshold 255", 255, 100, 50, 255, true, PDQSearched},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			o.PDQThreshold, o.PDQMinQuality = tc.threshold, tc.minQuality
			entries := []Entry{pdqEntry(base, "x")}
			for range 500 { // enough unrelated entries that tables are built
				entries = append(entries, pdqEntry(randomPDQ(rng)))
			}
			ix, err := NewIndex(entries, o)
			if err != nil {
				t.Fatal(err)
			}
			q := flipRandom(rng, base, tc.dist)
			rep := ix.MatchReport(Query{PDQ: &q, PDQQuality: tc.quality})
			found := slices.ContainsFunc(rep.Results, func(r Result) bool { return r.Entry.PDQ == base })
			if found != tc.match || rep.PDQ != tc.status {
				t.Fatalf("found %v status %v, want %v %v", found, rep.PDQ, tc.match, tc.status)
			}
			checkAgainstSlow(t, ix, entries, Query{PDQ: &q, PDQQuality: tc.quality})
		})
	}
}

func TestDihedral(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	listed := randomPDQ(rng)
	entries := []Entry{pdqEntry(listed, "rotated")}
	for range 200 {
		entries = append(entries, pdqEntry(randomPDQ(rng)))
	}
	// The upload is a rotated copy: its own hash is far from the listed
	// one, but variant 5 of it is the listed image, slightly edited.
	var variants []fingerprint.PDQHash
	for i := range 8 {
		if i == 5 {
			variants = append(variants, flipRandom(rng, listed, 4))
		} else {
			variants = append(variants, randomPDQ(rng))
		}
	}
	q := Query{PDQ: &variants[0], PDQQuality: 90, PDQDihedral: variants}
	for _, tc := range []struct {
		name     string
		dihedral bool
		want     []int // variants of the results
	}{
		{"off", false, nil},
		{"on", true, []int{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			o.Dihedral = tc.dihedral
			ix, err := NewIndex(entries, o)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, r := range ix.Match(q) {
				got = append(got, r.Variant)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("variants %v, want %v", got, tc.want)
			}
			checkAgainstSlow(t, ix, entries, q)
		})
	}

	t.Run("closest variant wins", func(t *testing.T) {
		o := DefaultOptions()
		o.Dihedral = true
		ix, err := NewIndex(entries, o)
		if err != nil {
			t.Fatal(err)
		}
		vs := slices.Clone(variants)
		vs[2] = flipRandom(rng, listed, 9)
		vs[6] = flipRandom(rng, listed, 2)
		vs[7] = flipRandom(rng, listed, 2)
		rs := ix.Match(Query{PDQQuality: 90, PDQDihedral: vs})
		if len(rs) != 1 || rs[0].Variant != 6 || rs[0].Distance != 2 {
			t.Fatalf("got %s, want one result, variant 6 at distance 2", describe(Report{Results: rs}))
		}
		checkAgainstSlow(t, ix, entries, Query{PDQQuality: 90, PDQDihedral: vs})
	})

	t.Run("more than eight variants", func(t *testing.T) {
		o := DefaultOptions()
		o.Dihedral = true
		ix, err := NewIndex(entries, o)
		if err != nil {
			t.Fatal(err)
		}
		vs := append(slices.Clone(variants[:4]), variants[:4]...)
		vs = append(vs, listed) // a ninth is ignored
		if rs := ix.Match(Query{PDQQuality: 90, PDQDihedral: vs}); len(rs) != 0 {
			t.Fatalf("a ninth variant was searched: %s", describe(Report{Results: rs}))
		}
	})
}

func TestHash64Kinds(t *testing.T) {
	const v = fingerprint.Hash64(0x0123456789abcdef)
	entries := []Entry{
		{Kind: fingerprint.KindPHash, Hash64: v, Labels: []string{"p"}},
		{Kind: fingerprint.KindDHash, Hash64: v ^ 0xff, Labels: []string{"d"}},
		{Kind: fingerprint.KindAHash, Hash64: v ^ 0x7, Labels: []string{"a"}},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		entries = append(entries, Entry{Kind: fingerprint.KindPHash, Hash64: fingerprint.Hash64(rng.Uint64())})
	}
	o := DefaultOptions()
	o.DHashThreshold = 2
	ix, err := NewIndex(entries, o)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(h fingerprint.Hash64, n int) *fingerprint.Hash64 {
		h ^= fingerprint.Hash64(1<<n - 1)
		return &h
	}
	for _, tc := range []struct {
		name   string
		q      Query
		labels []string
	}{
		{"phash exact", Query{PHash: flip(v, 0)}, []string{"p"}},
		{"phash at 6", Query{PHash: flip(v, 6)}, []string{"p"}},
		{"phash at 7", Query{PHash: flip(v, 7)}, nil},
		{"phash at 8, an unrelated texture's distance in docs/variants.md", Query{PHash: flip(v, 8)}, nil},
		{"dhash within its own threshold", Query{DHash: flip(v^0xff, 2)}, []string{"d"}},
		{"dhash past its own threshold", Query{DHash: flip(v^0xff, 3)}, nil},
		{"ahash", Query{AHash: flip(v^0x7, 5)}, []string{"a"}},
		{"kinds do not mix", Query{AHash: flip(v, 0)}, []string{"a"}}, // distance 3 from the aHash, not the pHash
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range ix.Match(tc.q) {
				got = append(got, r.Entry.Labels...)
			}
			if !slices.Equal(got, tc.labels) {
				t.Fatalf("labels %v, want %v", got, tc.labels)
			}
			checkAgainstSlow(t, ix, entries, tc.q)
		})
	}
}

func TestDigests(t *testing.T) {
	sha := func(b byte) fingerprint.SHA256Digest { return fingerprint.SHA256Digest{31: b} }
	md := func(b byte) fingerprint.MD5Digest { return fingerprint.MD5Digest{0: b} }
	entries := []Entry{
		{Kind: fingerprint.KindSHA256, SHA256: sha(2), Labels: []string{"two"}, Source: "a"},
		{Kind: fingerprint.KindSHA256, SHA256: sha(1), Labels: []string{"one"}, Source: "a"},
		{Kind: fingerprint.KindSHA256, SHA256: sha(2), Labels: []string{"two"}, Source: "b"},
		{Kind: fingerprint.KindMD5, MD5: md(9), Labels: []string{"nine"}, Source: "a"},
	}
	ix, err := NewIndex(entries, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	s1, s2, s3, m9, m8 := sha(1), sha(2), sha(3), md(9), md(8)
	for _, tc := range []struct {
		name    string
		q       Query
		sources []string
	}{
		{"sha256 hit", Query{SHA256: &s1}, []string{"a"}},
		{"sha256 in two lists", Query{SHA256: &s2}, []string{"a", "b"}},
		{"sha256 miss", Query{SHA256: &s3}, nil},
		{"md5 hit", Query{MD5: &m9}, []string{"a"}},
		{"md5 miss", Query{MD5: &m8}, nil},
		{"both", Query{SHA256: &s1, MD5: &m9}, []string{"a", "a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range ix.Match(tc.q) {
				if r.Distance != 0 {
					t.Fatalf("digest distance %d", r.Distance)
				}
				got = append(got, r.Entry.Source)
			}
			if !slices.Equal(got, tc.sources) {
				t.Fatalf("sources %v, want %v", got, tc.sources)
			}
			checkAgainstSlow(t, ix, entries, tc.q)
		})
	}
}

func TestResultMetadata(t *testing.T) {
	added := time.Date(2026, 3, 1, 12, 30, 15, 999, time.FixedZone("x", 3600))
	h := fingerprint.PDQHash{7}
	entries := []Entry{
		{Kind: fingerprint.KindPDQ, PDQ: h, Labels: []string{"tve", "isis"}, Source: "gifct", Added: added},
		{Kind: fingerprint.KindPDQ, PDQ: h, Labels: []string{"tve", "isis"}, Source: "tat"},
		// Label sets that one separator-joined key would confuse.
		{Kind: fingerprint.KindPDQ, PDQ: h, Labels: []string{"a\x00b"}},
		{Kind: fingerprint.KindPDQ, PDQ: h, Labels: []string{"a", "b"}},
	}
	ix, err := NewIndex(entries, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	q := Query{PDQ: &h, PDQQuality: 100}
	rs := ix.Match(q)
	if len(rs) != 4 {
		t.Fatalf("%d results, want 4", len(rs))
	}
	e := rs[0].Entry
	if !slices.Equal(e.Labels, []string{"tve", "isis"}) || e.Source != "gifct" ||
		!e.Added.Equal(added.Truncate(time.Second)) || e.Added.Location() != time.UTC {
		t.Fatalf("entry 0 = %+v", e)
	}
	if !rs[1].Entry.Added.IsZero() || rs[1].Entry.Source != "tat" {
		t.Fatalf("entry 1 = %+v", rs[1].Entry)
	}
	if !slices.Equal(rs[2].Entry.Labels, []string{"a\x00b"}) || !slices.Equal(rs[3].Entry.Labels, []string{"a", "b"}) {
		t.Fatalf("label sets confused: %q %q", rs[2].Entry.Labels, rs[3].Entry.Labels)
	}
	// Results are the caller's: changing one does not change the index.
	e.Labels[0] = "changed"
	if got := ix.Match(q)[0].Entry.Labels[0]; got != "tve" {
		t.Fatalf("label after caller's edit = %q", got)
	}
	entries[0].Labels[1] = "changed"
	if got := ix.Match(q)[0].Entry.Labels[1]; got != "isis" {
		t.Fatalf("index shares the caller's label slice: %q", got)
	}
}

// TestSortedAcrossKinds mixes every kind in one query: results come sorted by
// distance, one per entry.
func TestSortedAcrossKinds(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	base := randomPDQ(rng)
	ph := fingerprint.Hash64(rng.Uint64())
	sha := fingerprint.SHA256Digest{1}
	var entries []Entry
	for _, d := range []int{20, 3, 31, 0, 12} {
		entries = append(entries, pdqEntry(flipRandom(rng, base, d)))
	}
	entries = append(entries,
		Entry{Kind: fingerprint.KindPHash, Hash64: ph ^ 0x3},
		Entry{Kind: fingerprint.KindSHA256, SHA256: sha})
	for range 1000 {
		entries = append(entries, pdqEntry(randomPDQ(rng)))
	}
	o := DefaultOptions()
	o.Dihedral = true
	ix, err := NewIndex(entries, o)
	if err != nil {
		t.Fatal(err)
	}
	// The same hash as query and as every variant must not duplicate results.
	q := Query{PDQ: &base, PDQQuality: 80, PDQDihedral: []fingerprint.PDQHash{base, base, base}, PHash: &ph, SHA256: &sha}
	rs := ix.Match(q)
	var ds []int
	for _, r := range rs {
		ds = append(ds, r.Distance)
	}
	if want := []int{0, 0, 2, 3, 12, 20, 31}; !slices.Equal(ds, want) {
		t.Fatalf("distances %v, want %v", ds, want)
	}
	checkAgainstSlow(t, ix, entries, q)
}

// TestConcurrentMatch runs Match from many goroutines (meaningful under
// -race) and checks each answer against the sequential one.
func TestConcurrentMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var entries []Entry
	for range 20000 {
		entries = append(entries, pdqEntry(randomPDQ(rng), "l"))
	}
	o := DefaultOptions()
	o.Dihedral = true
	ix, err := NewIndex(entries, o)
	if err != nil {
		t.Fatal(err)
	}
	var queries []Query
	var want [][]Result
	for i := range 64 {
		h := flipRandom(rng, entries[i*7].PDQ, i%40)
		q := Query{PDQ: &h, PDQQuality: 100, PDQDihedral: []fingerprint.PDQHash{h, entries[i].PDQ}}
		queries = append(queries, q)
		want = append(want, ix.Match(q))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 16 {
		wg.Go(func() {
			for k := range 200 {
				i := (g*31 + k) % len(queries)
				if got := ix.Match(queries[i]); !equalResults(got, want[i]) {
					errs <- describe(Report{Results: got})
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("concurrent result differs: %s", e)
	}
}
