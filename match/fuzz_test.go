package match

import (
	"math/rand/v2"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// fuzzBytes hands out bytes of a fuzz input, then zeros.
type fuzzBytes []byte

func (f *fuzzBytes) next() byte {
	if len(*f) == 0 {
		return 0
	}
	b := (*f)[0]
	*f = (*f)[1:]
	return b
}

// FuzzMatch is a differential test, not a parser test (match parses no
// input): the fuzzer chooses thresholds, a small list of entries near a base
// hash, a query, and the substring layout itself (widths, gaps, radii), and
// the index must agree with slowMatch. Any layout with sum(r_i+1) >= r+1
// must be exact; a layout the fuzzer finds that is not would be a bug in
// the search, not in the planner. The fuzzed layout's tables hold 3- or
// 4-byte ids, as the fuzzer chooses. Seeds are in testdata/fuzz/FuzzMatch.
func FuzzMatch(f *testing.F) {
	f.Add([]byte{31, 0, 50, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 20, 5, 3, 200, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzBytes(data)
		o := DefaultOptions()
		o.PDQThreshold = int(in.next()) % 80
		o.Dihedral = in.next()&1 == 1
		o.PDQMinQuality = int(in.next()) % 101
		o.PHashThreshold = int(in.next()) % 64
		quality := int(in.next()) % 101

		var base fingerprint.PDQHash
		for i := range base {
			base[i] = in.next()
		}
		flip := func(h fingerprint.PDQHash, n int) fingerprint.PDQHash {
			for range n {
				k := int(in.next())
				h[31-k/8] ^= 1 << (k % 8)
			}
			return h
		}
		var entries []Entry
		for range int(in.next())%48 + 1 {
			sel := in.next()
			switch sel % 8 {
			case 0:
				entries = append(entries, Entry{Kind: fingerprint.KindPHash, Hash64: fingerprint.Hash64(base[0]) << (sel % 57)})
			case 1:
				entries = append(entries, Entry{Kind: fingerprint.KindSHA256, SHA256: fingerprint.SHA256Digest{sel % 3}})
			default:
				entries = append(entries, pdqEntry(flip(base, int(in.next())%(o.PDQThreshold+8)), string(rune('a'+sel%5))))
			}
		}
		q := flip(base, int(in.next())%(o.PDQThreshold+4))
		ph := fingerprint.Hash64(base[0]) << (in.next() % 57)
		sha := fingerprint.SHA256Digest{in.next() % 3}
		query := Query{PDQ: &q, PDQQuality: quality, PHash: &ph, SHA256: &sha}
		for range int(in.next()) % 9 {
			query.PDQDihedral = append(query.PDQDihedral, flip(base, int(in.next())%(o.PDQThreshold+4)))
		}

		// Neighbours of the query at distance r and r+1 spread to defeat
		// all substrings of the fuzzed layout but one.
		plan := fuzzPlan(&in, o.PDQThreshold)
		if plan != nil {
			tables := make([]table, len(plan))
			for i, c := range plan {
				tables[i] = table{start: c.start, width: c.width, radius: c.radius}
			}
			rng := rand.New(rand.NewPCG(uint64(in.next()), 1))
			for _, d := range []int{o.PDQThreshold, o.PDQThreshold + 1} {
				for keep := range min(len(plan), 4) {
					entries = append(entries, pdqEntry(adversarial(rng, q, d, tables, keep), "adv"))
				}
			}
		}

		ix, err := NewIndex(entries, o)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstSlow(t, ix, entries, query)
		if plan != nil {
			// The fuzzed layout, with 3- or 4-byte ids (NewIndex's store
			// has 3).
			ix.pdq = newHammingStoreIDs(ix.pdq.codes, 4, ix.pdq.meta, o.PDQThreshold, plan, 0, 3+int(in.next()&1))
			checkAgainstSlow(t, ix, entries, query)
		}
	})
}

// fuzzPlan builds a layout from fuzz bytes: up to 12 substrings of 1..16
// bits (wider tables only cost the fuzzer time) with gaps between them, radii raised round-robin until
// sum(r_i+1) >= r+1. It returns nil if that cannot be done cheaply.
func fuzzPlan(in *fuzzBytes, r int) []chunkSpec {
	var plan []chunkSpec
	start := 0
	for range int(in.next())%12 + 1 {
		start += int(in.next()) % 8
		w := int(in.next())%16 + 1
		if start+w > 256 {
			break
		}
		plan = append(plan, chunkSpec{start: start, width: w, radius: int(in.next()) % 3})
		start += w
	}
	if len(plan) == 0 {
		return nil
	}
	sum := 0
	for _, c := range plan {
		sum += c.radius + 1
	}
	for i := 0; sum < r+1; i++ {
		c := &plan[i%len(plan)]
		if c.radius < c.width && binomSum(c.width, c.radius+1) <= 1<<14 {
			c.radius++
			sum++
		} else if i > 64*len(plan) {
			return nil
		}
	}
	return plan
}
