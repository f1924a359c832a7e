package match

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// TestPlanIsExact checks the pigeonhole condition for every plan the planner
// can produce: disjoint substrings inside the code, no wider than a table
// allows, with sum(radius+1) >= r+1.
func TestPlanIsExact(t *testing.T) {
	for _, bitsLen := range []int{64, 256} {
		for r := range bitsLen {
			for _, n := range []int{1, 10, 1000, 65536, 1 << 20, 10_000_000, 1 << 31} {
				plan := planChunks(bitsLen, r, n)
				if plan == nil {
					continue // linear scan: exact by construction
				}
				used := make([]bool, bitsLen)
				sum := 0
				for _, c := range plan {
					if c.width < 1 || c.width > maxWidth || c.radius < 0 || c.start+c.width > bitsLen {
						t.Fatalf("bits %d r %d n %d: bad chunk %+v", bitsLen, r, n, c)
					}
					for b := c.start; b < c.start+c.width; b++ {
						if used[b] {
							t.Fatalf("bits %d r %d n %d: overlapping chunks %v", bitsLen, r, n, plan)
						}
						used[b] = true
					}
					sum += c.radius + 1
				}
				if sum < r+1 {
					t.Fatalf("bits %d r %d n %d: sum(r_i+1) = %d < r+1 in %v", bitsLen, r, n, sum, plan)
				}
			}
		}
	}
}

func TestMasksFor(t *testing.T) {
	for _, tc := range []struct{ width, radius, want int }{
		{16, 0, 1}, {16, 1, 17}, {16, 2, 137}, {22, 2, 254}, {20, 3, 1351}, {8, 8, 256},
	} {
		ms := masksFor(tc.width, tc.radius)
		if len(ms) != tc.want {
			t.Fatalf("masksFor(%d, %d): %d masks, want %d", tc.width, tc.radius, len(ms), tc.want)
		}
		seen := map[uint32]bool{}
		for _, m := range ms {
			if seen[m] || bits.OnesCount32(m) > tc.radius || m>>tc.width != 0 {
				t.Fatalf("masksFor(%d, %d): bad or repeated mask %#x", tc.width, tc.radius, m)
			}
			seen[m] = true
		}
	}
}

// TestChunk checks substring extraction, including substrings that straddle
// two words, against reading the bits one by one.
func TestChunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	w := []uint64{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
	for start := 0; start < 256; start++ {
		for width := 1; width <= 32 && start+width <= 256; width++ {
			var want uint32
			for b := range width {
				p := start + b
				want |= uint32(w[p/64]>>(p%64)&1) << b
			}
			if got := chunk(w, start, width); got != want {
				t.Fatalf("chunk(start %d, width %d) = %#x, want %#x", start, width, got, want)
			}
		}
	}
}

// TestExactForcedPlans runs layouts the planner would not pick for this size
// (many candidates per bucket, uncovered bits, one wide table) against the
// slow reference.
func TestExactForcedPlans(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var entries []Entry
	for range 4000 {
		entries = append(entries, pdqEntry(randomPDQ(rng), "bulk"))
	}
	even := func(m, width, radius int) []chunkSpec {
		var p []chunkSpec
		for i := range m {
			p = append(p, chunkSpec{start: i * width, width: width, radius: radius})
		}
		return p
	}
	plans := map[string][]chunkSpec{
		"16x16 radius 1":               even(16, 16, 1),
		"8x8 radius 3 (half the bits)": even(8, 8, 3),
		"10x20 radii 2 and 3":          append(even(8, 20, 2), chunkSpec{160, 20, 3}, chunkSpec{180, 20, 3}),
		"4x16 radius 7":                even(4, 16, 7),
		"mixed widths":                 {{0, 5, 0}, {5, 19, 2}, {24, 20, 3}, {44, 12, 1}, {56, 22, 2}, {100, 16, 4}, {200, 8, 1}, {130, 17, 3}, {150, 9, 6}, {170, 9, 4}},
		"planner":                      nil,
	}
	for name, plan := range plans {
		t.Run(name, func(t *testing.T) {
			sum := 0
			for _, c := range plan {
				sum += c.radius + 1
			}
			if plan != nil && sum < 32 {
				t.Fatalf("test plan is not exact for r = 31: sum %d", sum)
			}
			ix, err := NewIndex(entries, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if plan != nil {
				ix.pdq = newHammingStore(ix.pdq.codes, 4, ix.pdq.meta, 31, plan, 0)
			}
			if len(ix.pdq.tables) == 0 {
				t.Fatal("no tables built")
			}
			for i := range 6 {
				base := entries[rng.IntN(len(entries))].PDQ
				for d := range 37 {
					h := adversarial(rng, base, d, ix.pdq.tables, i%len(ix.pdq.tables))
					if h.Distance(base) != d {
						t.Fatalf("adversarial built distance %d, want %d", h.Distance(base), d)
					}
					checkAgainstSlow(t, ix, entries, Query{PDQ: &h, PDQQuality: 100})
				}
			}
		})
	}
}

// TestExact1M is the exactness proof at scale: one million entries, the
// planner's layout, neighbours planted at every distance 0..r (all must be
// found) and r+1..r+5 (none may be), spread adversarially across the
// substrings and at random, plus queries near random entries; every answer
// is compared with a brute-force scan of all entries.
func TestExact1M(t *testing.T) {
	const n, r = 1_000_000, 31
	rng := rand.New(rand.NewPCG(15, 16))
	const nQueries = 54
	hashes := make([]fingerprint.PDQHash, 0, n)
	for len(hashes) < n-nQueries*(r+6) {
		hashes = append(hashes, randomPDQ(rng))
	}
	// Plant neighbours of a few query points. The adversarial spreading
	// needs the layout, which depends only on n and r.
	plan := planChunks(256, r, n)
	tables := make([]table, len(plan))
	for i, c := range plan {
		tables[i] = table{start: c.start, width: c.width, radius: c.radius}
	}
	type planted struct {
		q    fingerprint.PDQHash
		want map[fingerprint.PDQHash]int // hash -> distance; r+1.. must not match
	}
	var queries []planted
	for i := range nQueries {
		p := planted{q: randomPDQ(rng), want: map[fingerprint.PDQHash]int{}}
		for d := 0; d <= r+5; d++ {
			var h fingerprint.PDQHash
			if d%3 != 0 {
				h = adversarial(rng, p.q, d, tables, (i+d)%len(tables))
			} else {
				h = flipRandom(rng, p.q, d)
			}
			p.want[h] = d
			hashes = append(hashes, h)
		}
		queries = append(queries, p)
	}
	b, err := NewBuilder(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hashes {
		if err := b.Add(Entry{Kind: fingerprint.KindPDQ, PDQ: h, Labels: []string{"l" + strconv.Itoa(i%3)}, Source: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if st := ix.Stats(); st.PDQ != n || len(st.PDQTables) != len(plan) {
		t.Fatalf("stats %+v, want %d PDQ entries in %d tables", st, n, len(plan))
	}

	words := make([]uint64, 4*n)
	for i := range hashes {
		pdqWords(&hashes[i], (*[4]uint64)(words[4*i:]))
	}
	brute := func(q fingerprint.PDQHash) []int { // distances of all matches, sorted
		var w [4]uint64
		pdqWords(&q, &w)
		var ds []int
		for i := 0; i < len(words); i += 4 {
			d := bits.OnesCount64(words[i]^w[0]) + bits.OnesCount64(words[i+1]^w[1]) +
				bits.OnesCount64(words[i+2]^w[2]) + bits.OnesCount64(words[i+3]^w[3])
			if d <= r {
				ds = append(ds, d)
			}
		}
		return ds
	}
	check := func(q fingerprint.PDQHash) []Result {
		t.Helper()
		got := ix.Match(Query{PDQ: &q, PDQQuality: 100})
		var ds []int
		for _, g := range got {
			if g.Entry.PDQ.Distance(q) != g.Distance {
				t.Fatalf("result distance %d, actual %d", g.Distance, g.Entry.PDQ.Distance(q))
			}
			ds = append(ds, g.Distance)
		}
		if want := brute(q); !slices.Equal(ds, want) {
			t.Fatalf("query %v: distances %v, brute force %v", q, ds, want)
		}
		return got
	}

	// Every planted query (brute force over all entries for a few; the
	// planted expectations for all).
	for i, p := range queries {
		var got []Result
		if i < 8 {
			got = check(p.q)
		} else {
			got = ix.Match(Query{PDQ: &p.q, PDQQuality: 100})
		}
		found := map[fingerprint.PDQHash]bool{}
		for _, g := range got {
			found[g.Entry.PDQ] = true
		}
		for h, d := range p.want {
			if found[h] != (d <= r) {
				t.Fatalf("planted query %d: neighbour at distance %d found=%v", i, d, found[h])
			}
		}
	}
	// Queries near random entries, at random distances around r.
	for range 16 {
		base := hashes[rng.IntN(n)]
		check(flipRandom(rng, base, rng.IntN(r+10)))
	}
	// Uniform random queries: almost surely nothing within r, and brute
	// force must agree.
	for range 2 {
		check(randomPDQ(rng))
	}
}

// TestExactCrowdedBuckets: a list where tens of thousands of entries share
// their substrings overflows the two-level bucket offsets (a 64-bucket block
// holding over 65535 entries), so the tables fall back to plain offsets;
// the answers must not change. 66000 copies of one hash (the same file in
// many lists) crowd one bucket of every table; variants at distances 1..40
// and random hashes fill the rest.
func TestExactCrowdedBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	base := randomPDQ(rng)
	var entries []Entry
	for i := range 70_000 {
		h := base
		if i >= 66_000 {
			h = flipRandom(rng, base, 1+i%40)
		}
		entries = append(entries, pdqEntry(h, "crowd"))
	}
	for range 30_000 {
		entries = append(entries, pdqEntry(randomPDQ(rng), "other"))
	}
	ix, err := NewIndex(entries, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	wide := 0
	for _, tb := range ix.pdq.tables {
		if tb.wide != nil {
			wide++
		}
	}
	if len(ix.pdq.tables) == 0 || wide == 0 {
		t.Fatalf("%d tables, %d with plain offsets: the test no longer reaches the fallback", len(ix.pdq.tables), wide)
	}
	for _, d := range []int{0, 5, 20, 31, 40} {
		q := flipRandom(rng, base, d)
		checkAgainstSlow(t, ix, entries, Query{PDQ: &q, PDQQuality: 100})
	}
	q := randomPDQ(rng)
	checkAgainstSlow(t, ix, entries, Query{PDQ: &q, PDQQuality: 100})
}

// TestRelFromCounts checks the two-level bucket offsets against a plain
// prefix sum, and that a block whose entries overflow 16 bits is refused
// even when no single bucket does.
func TestRelFromCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		width int
		fill  func(v int) uint16
		ok    bool
	}{
		{13, func(int) uint16 { return uint16(rng.IntN(4)) }, true},
		{14, func(v int) uint16 { return uint16(v % 3 * 500) }, true},
		{13, func(v int) uint16 {
			if v < 2 {
				return 40000 // two buckets of one block: 80000 > 65535
			}
			return 1
		}, false},
	} {
		n := 1 << tc.width
		rel := make([]uint16, n+1)
		want := make([]uint32, n+1)
		for v := range n {
			c := tc.fill(v)
			rel[v+1] = c
			want[v+1] = want[v] + uint32(c)
		}
		tb := table{width: tc.width}
		if got := tb.relFromCounts(rel); got != tc.ok {
			t.Fatalf("width %d: relFromCounts = %v, want %v", tc.width, got, tc.ok)
		}
		if !tc.ok {
			continue
		}
		for v := range n {
			lo, hi := tb.bucket(uint32(v))
			if lo != want[v] || hi != want[v+1] {
				t.Fatalf("width %d: bucket %d = [%d, %d), want [%d, %d)", tc.width, v, lo, hi, want[v], want[v+1])
			}
		}
	}
}
