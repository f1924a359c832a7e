package match

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

// slowMatch is the obvious implementation Match must agree with: compare the
// query with every entry, one by one.
func slowMatch(entries []Entry, o Options, q Query) Report {
	type found struct {
		i, dist, variant int
	}
	best := map[int]found{}
	consider := func(i, d, v int) {
		if f, ok := best[i]; !ok || d < f.dist || d == f.dist && v < f.variant {
			best[i] = found{i, d, v}
		}
	}
	var rep Report
	var pdqQueries []fingerprint.PDQHash
	var variants []int
	if q.PDQ != nil {
		pdqQueries, variants = append(pdqQueries, *q.PDQ), append(variants, 0)
	}
	if o.Dihedral {
		for i, v := range q.PDQDihedral {
			if i < 8 {
				pdqQueries, variants = append(pdqQueries, v), append(variants, i)
			}
		}
	}
	if len(pdqQueries) > 0 {
		if q.PDQQuality < o.PDQMinQuality {
			rep.PDQ = PDQLowQuality
			pdqQueries = nil
		} else {
			rep.PDQ = PDQSearched
		}
	}
	for i, e := range entries {
		switch e.Kind {
		case fingerprint.KindPDQ:
			for j, h := range pdqQueries {
				if d := h.Distance(e.PDQ); d <= o.PDQThreshold {
					consider(i, d, variants[j])
				}
			}
		case fingerprint.KindPHash, fingerprint.KindDHash, fingerprint.KindAHash:
			h, thr := q.PHash, o.PHashThreshold
			if e.Kind == fingerprint.KindDHash {
				h, thr = q.DHash, o.DHashThreshold
			} else if e.Kind == fingerprint.KindAHash {
				h, thr = q.AHash, o.AHashThreshold
			}
			if h != nil && h.Distance(e.Hash64) <= thr {
				consider(i, h.Distance(e.Hash64), 0)
			}
		case fingerprint.KindSHA256:
			if q.SHA256 != nil && *q.SHA256 == e.SHA256 {
				consider(i, 0, 0)
			}
		case fingerprint.KindMD5:
			if q.MD5 != nil && *q.MD5 == e.MD5 {
				consider(i, 0, 0)
			}
		}
	}
	var fs []found
	for _, f := range best {
		fs = append(fs, f)
	}
	// Distance first; ties by kind in the index's store order, then by
	// position in the list (digest ties cannot occur between different
	// values, and equal values keep list order).
	rank := map[fingerprint.Kind]int{fingerprint.KindPDQ: 0, fingerprint.KindPHash: 1, fingerprint.KindDHash: 2,
		fingerprint.KindAHash: 3, fingerprint.KindSHA256: 4, fingerprint.KindMD5: 5}
	slices.SortFunc(fs, func(a, b found) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		if ka, kb := rank[entries[a.i].Kind], rank[entries[b.i].Kind]; ka != kb {
			return ka - kb
		}
		return a.i - b.i
	})
	for _, f := range fs {
		e := canonical(entries[f.i])
		rep.Results = append(rep.Results, Result{Entry: &e, Kind: e.Kind, Distance: f.dist, Variant: f.variant})
	}
	return rep
}

// canonical is an entry as the index gives it back: only the value field of
// its kind, Added to the second in UTC, nil for no labels.
func canonical(e Entry) Entry {
	c := Entry{Kind: e.Kind, Source: e.Source}
	switch e.Kind {
	case fingerprint.KindPDQ:
		c.PDQ = e.PDQ
	case fingerprint.KindPHash, fingerprint.KindDHash, fingerprint.KindAHash:
		c.Hash64 = e.Hash64
	case fingerprint.KindSHA256:
		c.SHA256 = e.SHA256
	case fingerprint.KindMD5:
		c.MD5 = e.MD5
	}
	if len(e.Labels) > 0 {
		c.Labels = append([]string(nil), e.Labels...)
	}
	if !e.Added.IsZero() {
		c.Added = time.Unix(e.Added.Unix(), 0).UTC()
	}
	return c
}

func equalResults(a, b []Result) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Kind != y.Kind || x.Distance != y.Distance || x.Variant != y.Variant {
			return false
		}
		if !equalEntries(*x.Entry, *y.Entry) {
			return false
		}
	}
	return true
}

func equalEntries(x, y Entry) bool {
	return x.Kind == y.Kind && x.PDQ == y.PDQ && x.Hash64 == y.Hash64 && x.SHA256 == y.SHA256 &&
		x.MD5 == y.MD5 && slices.Equal(x.Labels, y.Labels) && x.Source == y.Source && x.Added.Equal(y.Added)
}

// checkAgainstSlow fails t if ix and slowMatch disagree on q.
func checkAgainstSlow(t *testing.T, ix *Index, entries []Entry, q Query) {
	t.Helper()
	got := ix.MatchReport(q)
	want := slowMatch(entries, ix.Options(), q)
	if got.PDQ != want.PDQ || !equalResults(got.Results, want.Results) {
		t.Fatalf("query %s: got %s, want %s", describeQuery(q), describe(got), describe(want))
	}
}

func describeQuery(q Query) string {
	s := ""
	if q.PDQ != nil {
		s += "pdq=" + q.PDQ.String()
	}
	if q.PHash != nil {
		s += " phash=" + q.PHash.String()
	}
	return s
}

func describe(r Report) string {
	s := r.PDQ.String() + " ["
	for _, x := range r.Results {
		s += " " + x.Kind.String() + ":" + strconv.Itoa(x.Distance) + "/v" + strconv.Itoa(x.Variant)
	}
	return s + " ]"
}

func randomPDQ(rng *rand.Rand) fingerprint.PDQHash {
	var h fingerprint.PDQHash
	for i := 0; i < 32; i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			h[i+j] = byte(v >> (8 * j))
		}
	}
	return h
}

// flipRandom returns h with exactly d distinct random bits flipped.
func flipRandom(rng *rand.Rand, h fingerprint.PDQHash, d int) fingerprint.PDQHash {
	for _, k := range rng.Perm(256)[:d] {
		h[31-k/8] ^= 1 << (k % 8)
	}
	return h
}

// flipBits flips bit positions in the index's own numbering (bit p of the
// code is bit p%64 of word p/64, word 0 the hash's first eight bytes).
func flipBits(h fingerprint.PDQHash, positions []int) fingerprint.PDQHash {
	for _, p := range positions {
		word, bit := p/64, p%64
		h[8*word+7-bit/8] ^= 1 << (bit % 8)
	}
	return h
}

// adversarial returns h moved to distance exactly d so as to defeat as many
// substring tables as it can: r_i+1 flips on each table but the one to
// keep (which that table then cannot find), the rest in the kept table
// (which, for d <= r, then needs its heaviest probes: the pigeonhole
// argument says it still finds it), and only then bits no table covers.
func adversarial(rng *rand.Rand, h fingerprint.PDQHash, d int, tables []table, keep int) fingerprint.PDQHash {
	var flips []int
	pick := func(t table, k int) {
		for _, off := range rng.Perm(t.width)[:min(k, t.width)] {
			flips = append(flips, t.start+off)
		}
	}
	for i, t := range tables {
		if i != keep && len(flips) < d {
			pick(t, min(t.radius+1, d-len(flips)))
		}
	}
	if len(flips) < d && keep < len(tables) {
		pick(tables[keep], d-len(flips))
	}
	covered := make([]bool, 256)
	for _, t := range tables {
		for b := t.start; b < t.start+t.width; b++ {
			covered[b] = true
		}
	}
	for b := range 256 {
		if !covered[b] && len(flips) < d {
			flips = append(flips, b)
		}
	}
	for b := 0; len(flips) < d; b++ { // only when d exceeds what the tables absorb
		if !slices.Contains(flips, b) {
			flips = append(flips, b)
		}
	}
	return flipBits(h, flips)
}
