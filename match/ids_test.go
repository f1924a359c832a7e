package match

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// TestIDBytesFor pins the production choice of id width: 3 bytes while
// every id fits 24 bits, 4 above, whatever a test asks for.
func TestIDBytesFor(t *testing.T) {
	for _, c := range []struct{ n, want, got int }{
		{1, 0, 3},
		{10_000_000, 0, 3},
		{1 << 24, 0, 3}, // ids 0..2^24-1
		{1<<24 + 1, 0, 4},
		{1 << 30, 0, 4},
		{1 << 24, 4, 4},
		{100, 4, 4},
		{1<<24 + 1, 3, 4}, // a 3-byte request that cannot hold every id
	} {
		if got := idBytesFor(c.n, c.want); got != c.got {
			t.Errorf("idBytesFor(%d, %d) = %d, want %d", c.n, c.want, got, c.got)
		}
	}
}

// TestIDArray writes ids in a scattered order, as the radix sort's second
// pass does, into an array with no spare capacity, and reads them back one
// by one and in ranges, including the last id (whose 4-byte load ends on the
// padding byte) and the largest id the width holds.
func TestIDArray(t *testing.T) {
	for _, w := range []int{3, 4} {
		for _, n := range []int{1, 2, 5, 1000} {
			t.Run("w="+strconv.Itoa(w)+"/n="+strconv.Itoa(n), func(t *testing.T) {
				l := idArrayLen(n, w)
				if want := n*w + 4 - w; l != want {
					t.Fatalf("idArrayLen = %d, want %d", l, want)
				}
				a := newIDArray(make([]byte, l), w)
				maxID := uint32(1<<(8*w) - 1)
				// Every byte of every id non-zero where it can be, so a
				// clobbered neighbour shows; the last id is the largest.
				want := make([]uint32, n)
				for j := range want {
					want[j] = (maxID - uint32(j)*0x010101) & maxID
				}
				want[n-1] = maxID
				if n > 2 {
					want[1] = 0
				}
				rng := rand.New(rand.NewPCG(uint64(n), uint64(w)))
				for _, j := range rng.Perm(n) {
					a.set(j, want[j])
				}
				for j, v := range want {
					if got := a.at(j); got != v {
						t.Fatalf("at(%d) = %#x, want %#x", j, got, v)
					}
				}
				for _, b := range a.b[n*w:] {
					if b != 0 {
						t.Fatalf("padding written: % x", a.b[n*w:])
					}
				}
				ranges := [][2]int{{0, n}, {n - 1, n}, {0, 0}, {n, n}, {0, 1}, {n / 2, n}}
				for _, r := range ranges {
					got := a.appendRange(make([]uint32, 0, r[1]-r[0]), uint32(r[0]), uint32(r[1]))
					if !slices.Equal(got, want[r[0]:r[1]]) {
						t.Fatalf("appendRange(%d, %d) = %x, want %x", r[0], r[1], got, want[r[0]:r[1]])
					}
				}
			})
		}
	}
}

// TestIDArrayRangePastEnd checks that a bucket bound past the ids panics
// rather than reading past the array.
func TestIDArrayRangePastEnd(t *testing.T) {
	for _, w := range []int{3, 4} {
		a := newIDArray(make([]byte, idArrayLen(4, w)), w)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("w=%d: appendRange(0, 5) on 4 ids did not panic", w)
				}
			}()
			a.appendRange(nil, 0, 5)
		}()
	}
}

// TestIDWidths builds the same PDQ and pHash stores with 3- and 4-byte ids,
// by counting sort (small lists, narrow tables) and by radix sort, and
// compares queries with brute force. The list starts with the all-zero hash
// and ends with the all-ones hash: the first id of every table's first
// bucket and the last id of its last bucket, the one whose 4-byte load
// ends on the slab's padding.
func TestIDWidths(t *testing.T) {
	for _, n := range []int{3000, radixMin + 4321} {
		rng := rand.New(rand.NewPCG(uint64(n), 24))
		var zero, ones fingerprint.PDQHash
		for i := range ones {
			ones[i] = 0xff
		}
		entries := []Entry{pdqEntry(zero, "zero"), {Kind: fingerprint.KindPHash, Hash64: 0}}
		var probes []fingerprint.PDQHash
		for len(entries) < n-2 {
			h := randomPDQ(rng)
			if len(probes) < 8 {
				probes = append(probes, h)
				for d := 0; d <= 33; d += 3 {
					entries = append(entries, pdqEntry(flipRandom(rng, h, d), "near"))
				}
			}
			entries = append(entries, pdqEntry(h, "l"+strconv.Itoa(len(entries)%3)),
				Entry{Kind: fingerprint.KindPHash, Hash64: fingerprint.Hash64(rng.Uint64())})
		}
		entries = append(entries, Entry{Kind: fingerprint.KindPHash, Hash64: ^fingerprint.Hash64(0)}, pdqEntry(ones, "ones"))
		probes = append(probes, zero, ones, flipRandom(rng, ones, 31), flipRandom(rng, zero, 30))

		ix, err := NewIndex(entries, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		codes, meta := ix.pdq.codes, ix.pdq.meta
		hCodes, hMeta := ix.h64[0].codes, ix.h64[0].meta
		// 16 tables of 16 bits (radix-sorted above radixMin entries) and
		// 32 of 8 (always counting-sorted).
		var l16, l8 []chunkSpec
		for i := range 16 {
			l16 = append(l16, chunkSpec{start: 16 * i, width: 16, radius: 1})
		}
		for i := range 32 {
			l8 = append(l8, chunkSpec{start: 8 * i, width: 8, radius: 0})
		}
		layouts := []struct {
			name string
			plan []chunkSpec
		}{{"16x16", l16}, {"32x8", l8}}
		var size [2][2]int64
		for wi, w := range []int{3, 4} {
			for li, l := range layouts {
				t.Run("n="+strconv.Itoa(n)+"/w="+strconv.Itoa(w)+"/"+l.name, func(t *testing.T) {
					ix.pdq = newHammingStoreIDs(codes, 4, meta, 31, l.plan, 0, w)
					ix.h64[0] = newHammingStoreIDs(hCodes, 1, hMeta, 8, []chunkSpec{{0, 16, 1}, {16, 16, 1}, {32, 16, 1}, {48, 16, 2}}, 0, w)
					for _, s := range []*hammingStore{&ix.pdq, &ix.h64[0]} {
						for i := range s.tables {
							if s.tables[i].ids.w != w || len(s.tables[i].ids.b) != idArrayLen(s.n, w) {
								t.Fatalf("table %d: %d-byte ids in %d bytes, want %d in %d",
									i, s.tables[i].ids.w, len(s.tables[i].ids.b), w, idArrayLen(s.n, w))
							}
						}
					}
					size[wi][li] = ix.Stats().Bytes
					for i, p := range probes {
						ph := fingerprint.Hash64(rng.Uint64())
						switch i {
						case len(probes) - 4:
							ph = 0
						case len(probes) - 3:
							ph = ^fingerprint.Hash64(0)
						case len(probes) - 2:
							ph = ^fingerprint.Hash64(0) ^ 0x8000_0001_0000_0100
						}
						checkAgainstSlow(t, ix, entries, Query{PDQ: &p, PDQQuality: 100, PHash: &ph})
					}
					// The last entries must be found at distance 0 through
					// the last bucket of every table.
					rep := ix.MatchReport(Query{PDQ: &ones, PDQQuality: 100})
					if len(rep.Results) == 0 || rep.Results[0].Distance != 0 {
						t.Fatalf("all-ones entry not found: %s", describe(rep))
					}
				})
			}
		}
		// 4-byte ids cost one byte more an entry and table, less the
		// padding byte of each 3-byte table.
		for li, l := range layouts {
			nPDQ, nPH := int64(len(meta)), int64(len(hMeta))
			want := int64(len(l.plan))*(nPDQ-1) + 4*(nPH-1)
			if got := size[1][li] - size[0][li]; got != want {
				t.Errorf("n=%d %s: 4-byte ids cost %d bytes more than 3-byte ones, want %d", n, l.name, got, want)
			}
		}
		// The planner's own layout picks 3 bytes.
		if st := newHammingStore(codes, 4, meta, 31, nil, 0); len(st.tables) == 0 || st.tables[0].ids.w != 3 {
			t.Errorf("n=%d: planner layout has %d tables, want tables of 3-byte ids", n, len(st.tables))
		}
	}
}

// TestLeanBuildIdentical checks that a one-worker build, whose radix sort
// keeps only ids in its scratch and recomputes keys, lays out exactly the
// tables of a parallel build, for the planner's layout and a 16 x 16-bit one
// (radix-sorted at this size) and for both id widths.
func TestLeanBuildIdentical(t *testing.T) {
	n := radixMin + 777
	rng := rand.New(rand.NewPCG(5, 6))
	codes := make([]uint64, 4*n)
	for i := range codes {
		codes[i] = rng.Uint64()
	}
	// Repeated codes make multi-entry buckets, where the order of ids
	// within a bucket matters.
	for i := 0; i < n-1; i += 97 {
		copy(codes[4*(i+1):4*(i+2)], codes[4*i:4*i+4])
	}
	meta := make([]uint32, n)
	var l16 []chunkSpec
	for i := range 16 {
		l16 = append(l16, chunkSpec{start: 16 * i, width: 16, radius: 1})
	}
	for _, plan := range [][]chunkSpec{nil, l16} {
		for _, w := range []int{3, 4} {
			lean := newHammingStoreIDs(codes, 4, meta, 31, plan, 1, w)
			par := newHammingStoreIDs(codes, 4, meta, 31, plan, 2, w)
			if len(lean.tables) == 0 || !reflect.DeepEqual(lean, par) {
				t.Errorf("plan %v, %d-byte ids: the one-worker build differs from the parallel one", plan, w)
			}
		}
	}
}
