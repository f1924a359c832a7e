package match

import (
	"math/rand/v2"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

func TestMatchRobust(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	rnd := func() (h fingerprint.PDQHash) {
		for i := range h {
			h[i] = byte(r.IntN(256))
		}
		return
	}
	listed, far := rnd(), rnd()
	near := listed
	near[0] ^= 0x0f // 4 bits away
	robust := func(slot int, q int, name string) fingerprint.RobustPDQ {
		x := fingerprint.RobustPDQ{Name: name, Quality: q}
		for i := range x.Dihedral {
			x.Dihedral[i] = rnd()
		}
		x.Dihedral[slot] = near
		return x
	}
	tests := []struct {
		name     string
		dihedral bool
		robust   fingerprint.RobustPDQ
		variant  int // -1: no match
	}{
		{"trimmed hash matches", true, robust(0, 60, "trim"), 8},
		{"its mirror image matches with dihedral on", true, robust(4, 60, "trim"), 12},
		{"its mirror image does not with dihedral off", false, robust(4, 60, "trim"), -1},
		{"upright with dihedral off", false, robust(0, 60, "trim"), 8},
		{"below the quality floor", true, robust(0, 49, "trim"), -1},
		{"an unused slot", true, robust(0, 60, ""), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			o.Dihedral = tc.dihedral
			ix, err := NewIndex([]Entry{{Kind: fingerprint.KindPDQ, PDQ: listed, Labels: []string{"x"}}}, o)
			if err != nil {
				t.Fatal(err)
			}
			res := ix.Match(Query{PDQ: &far, PDQQuality: 90, Robust: []fingerprint.RobustPDQ{{}, tc.robust}[1:]})
			if tc.variant < 0 {
				if len(res) != 0 {
					t.Fatalf("got %+v, want no match", res)
				}
				return
			}
			if len(res) != 1 || res[0].Variant != tc.variant || res[0].Distance != 4 {
				t.Fatalf("got %+v, want one match at distance 4, variant %d", res, tc.variant)
			}
		})
	}
}

func TestMatchRegions(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	rnd := func() (h fingerprint.PDQHash) {
		for i := range h {
			h[i] = byte(r.IntN(256))
		}
		return
	}
	listed, far := rnd(), rnd()
	near := listed
	near[3] ^= 0x07 // 3 bits away
	region := func(slot, q int, name string) fingerprint.RobustPDQ {
		x := fingerprint.RobustPDQ{Name: name, Quality: q}
		for i := range x.Dihedral {
			x.Dihedral[i] = rnd()
		}
		x.Dihedral[slot] = near
		return x
	}
	tests := []struct {
		name    string
		regions []fingerprint.RobustPDQ
		variant int // -1: no match
	}{
		{"the first region matches", []fingerprint.RobustPDQ{region(0, 60, "region:c80x80")}, RegionVariant},
		{"the third region matches", []fingerprint.RobustPDQ{region(1, 60, "a"), region(1, 60, "b"), region(0, 60, "c")}, RegionVariant + 2},
		{"a region's mirror image is not searched", []fingerprint.RobustPDQ{region(4, 60, "region:c80x80")}, -1},
		{"below the quality floor", []fingerprint.RobustPDQ{region(0, 49, "region:c80x80")}, -1},
		{"an unnamed slot", []fingerprint.RobustPDQ{region(0, 60, "")}, -1},
		{"past MaxRegions", append(make([]fingerprint.RobustPDQ, MaxRegions), region(0, 60, "late")), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := NewIndex([]Entry{{Kind: fingerprint.KindPDQ, PDQ: listed, Labels: []string{"x"}}}, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			rep := ix.MatchReport(Query{PDQ: &far, PDQQuality: 90, Regions: tc.regions})
			searched := 1 // the raw hash
			for _, x := range tc.regions[:min(len(tc.regions), MaxRegions)] {
				if x.Name != "" && x.Quality >= 50 {
					searched++
				}
			}
			if rep.PDQSearches != searched {
				t.Errorf("PDQSearches %d, want %d", rep.PDQSearches, searched)
			}
			res := rep.Results
			if tc.variant < 0 {
				if len(res) != 0 {
					t.Fatalf("got %+v, want no match", res)
				}
				return
			}
			if len(res) != 1 || res[0].Variant != tc.variant || res[0].Distance != 3 {
				t.Fatalf("got %+v, want one match at distance 3, variant %d", res, tc.variant)
			}
			// Without regions the same query matches nothing.
			if res := ix.Match(Query{PDQ: &far, PDQQuality: 90}); len(res) != 0 {
				t.Fatalf("without regions: got %+v", res)
			}
		})
	}
}
