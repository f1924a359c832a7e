package match

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
)

func mustPDQ(t *testing.T, s string) fingerprint.PDQHash {
	t.Helper()
	h, err := fingerprint.ParsePDQ(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestReferenceHashes runs real PDQ hashes, computed by Meta's reference
// hasher, through the index: every image's hash is a query against the list
// of all of them (at its real quality), and every rotated image finds its
// original through a dihedral variant.
func TestReferenceHashes(t *testing.T) {
	dir := testenv.PDQDir(t)
	rows := testenv.ReadTSVRecords(t, filepath.Join(dir, "expected.tsv"))
	var entries []Entry
	quality := map[fingerprint.PDQHash]int{}
	for _, r := range rows {
		if !strings.HasPrefix(r["file"], "png/") {
			continue
		}
		h := mustPDQ(t, r["pdq"])
		q, err := strconv.Atoi(r["quality"])
		if err != nil {
			t.Fatal(err)
		}
		quality[h] = q
		entries = append(entries, Entry{Kind: fingerprint.KindPDQ, PDQ: h, Labels: []string{r["file"]}, Source: "reference"})
	}
	if len(entries) < 40 {
		t.Fatalf("only %d reference hashes", len(entries))
	}
	o := DefaultOptions()
	o.Dihedral = true
	ix, err := NewIndex(entries, o)
	if err != nil {
		t.Fatal(err)
	}
	// The list is small enough that the planner would scan it; test the
	// tables on real (non-uniform) hashes too.
	var layout []chunkSpec
	for i := range 16 {
		layout = append(layout, chunkSpec{start: 16 * i, width: 16, radius: 1})
	}
	tabled := *ix
	tabled.pdq = newHammingStore(ix.pdq.codes, 4, ix.pdq.meta, 31, layout, 0)

	low, searched := 0, 0
	for _, e := range entries {
		q := Query{PDQ: &e.PDQ, PDQQuality: quality[e.PDQ]}
		for _, x := range []*Index{ix, &tabled} {
			checkAgainstSlow(t, x, entries, q)
		}
		rep := ix.MatchReport(q)
		if quality[e.PDQ] < 50 {
			low++
			if rep.PDQ != PDQLowQuality || len(rep.Results) != 0 {
				t.Fatalf("%s (quality %d): %s, want low-quality and no results", e.Labels[0], quality[e.PDQ], describe(rep))
			}
			continue
		}
		searched++
		if !slices.ContainsFunc(rep.Results, func(r Result) bool { return r.Entry.Labels[0] == e.Labels[0] && r.Distance == 0 }) {
			t.Fatalf("%s does not find itself: %s", e.Labels[0], describe(rep))
		}
	}
	if low == 0 || searched == 0 {
		t.Fatalf("reference set exercised %d low-quality and %d searched queries; want both", low, searched)
	}

	// A copy rotated by 90 degrees hashes to the original's rot90 variant.
	// Its own variants, in the reference's order (original, rot90, rot180,
	// rot270, ...), begin rot90, rot180, rot270, original of the listed
	// image, so the original is found as variant 3.
	rotated := 0
	for _, r := range testenv.ReadTSVRecords(t, filepath.Join(dir, "dihedral.tsv")) {
		orig, r90, r180, r270 := mustPDQ(t, r["pdq_orig"]), mustPDQ(t, r["pdq_rot90"]), mustPDQ(t, r["pdq_rot180"]), mustPDQ(t, r["pdq_rot270"])
		q, _ := strconv.Atoi(r["quality"])
		if q < 50 || orig.Distance(r90) <= 31 {
			continue // nothing to show: refused, or rotation-invariant
		}
		rotated++
		query := Query{PDQ: &r90, PDQQuality: q, PDQDihedral: []fingerprint.PDQHash{r90, r180, r270, orig}}
		for _, x := range []*Index{ix, &tabled} {
			got := x.Match(query)
			if !slices.ContainsFunc(got, func(res Result) bool {
				return res.Entry.PDQ == orig && res.Variant == 3 && res.Distance == 0
			}) {
				t.Fatalf("%s rotated: original not found as variant 3: %s", r["file"], describe(Report{Results: got}))
			}
			checkAgainstSlow(t, x, entries, query)
		}
		noDihedral := *ix
		noDihedral.opts.Dihedral = false
		if got := noDihedral.Match(query); slices.ContainsFunc(got, func(res Result) bool { return res.Entry.PDQ == orig }) {
			t.Fatalf("%s rotated: found without dihedral search", r["file"])
		}
	}
	if rotated < 10 {
		t.Fatalf("only %d rotated copies checked", rotated)
	}
}
