package match

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
)

// benchIndex is a PDQ index of n uniform random hashes, of which nearCount
// are planted neighbours (at distances 0..31) of the returned hit queries.
type benchIndex struct {
	ix         *Index
	hits       []fingerprint.PDQHash // each has planted neighbours within 31
	misses     []fingerprint.PDQHash // uniform random: almost surely no match
	buildTime  time.Duration         // generating and adding the entries, and Build
	tablesTime time.Duration         // Build alone
	heap       uint64                // live heap after the build, minus before
	rss        int64                 // the resident set of the process after the build
	peakRSS    int64                 // and its peak so far
}

var (
	benchMu    sync.Mutex
	benchCache = map[string]*benchIndex{}
)

// sizeName renders 100000 as "1e5".
func sizeName(n int) string {
	e := 0
	for n >= 10 && n%10 == 0 {
		n, e = n/10, e+1
	}
	return strconv.Itoa(n) + "e" + strconv.Itoa(e)
}

// getBenchIndex builds (once per process) an index of n PDQ entries with the
// given layout (nil: the planner's).
func getBenchIndex(b *testing.B, n int, layout string, plan []chunkSpec) *benchIndex {
	return getBenchIndexDist(b, n, layout, plan, 0.5)
}

// getBenchIndexDist is getBenchIndex for codes whose even bits are set with
// probability bias and odd bits with 1-bias (0.5: uniform).
func getBenchIndexDist(b *testing.B, n int, layout string, plan []chunkSpec, bias float64) *benchIndex {
	benchMu.Lock()
	defer benchMu.Unlock()
	key := strconv.Itoa(n) + "/" + layout + "/" + strconv.FormatFloat(bias, 'g', -1, 64)
	if bi, ok := benchCache[key]; ok {
		return bi
	}
	clear(benchCache) // hold one large index at a time
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	const queries, perQuery = 1000, 5
	rng := rand.New(rand.NewPCG(uint64(n), 99))
	randomPDQ := func(rng *rand.Rand) fingerprint.PDQHash {
		if bias == 0.5 {
			return randomPDQ(rng)
		}
		var h fingerprint.PDQHash
		for k := range 256 {
			if p := rng.Float64(); k%2 == 0 && p < bias || k%2 == 1 && p >= bias {
				h.SetBit(k)
			}
		}
		return h
	}
	bi := &benchIndex{}
	for range queries {
		bi.hits = append(bi.hits, randomPDQ(rng))
		bi.misses = append(bi.misses, randomPDQ(rng))
	}
	labels := [][]string{{"tve"}, {"tve", "violent"}, {"csam-adjacent"}}
	start := time.Now()
	bld, err := NewBuilder(DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	bld.Grow(fingerprint.KindPDQ, n)
	added := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		var h fingerprint.PDQHash
		if i < queries*perQuery {
			h = flipRandom(rng, bi.hits[i/perQuery], rng.IntN(32))
		} else {
			h = randomPDQ(rng)
		}
		e := Entry{Kind: fingerprint.KindPDQ, PDQ: h, Labels: labels[i%1000/400], Source: "gifct",
			Added: added.Add(time.Duration(i/10000) * time.Hour)}
		if err := bld.Add(e); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	ix, err := bld.Build()
	if err != nil {
		b.Fatal(err)
	}
	bi.tablesTime = time.Since(t0)
	if plan != nil {
		ix.pdq = newHammingStore(ix.pdq.codes, 4, ix.pdq.meta, ix.opts.PDQThreshold, plan, 0)
	}
	bi.buildTime = time.Since(start)
	bi.ix = ix
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	bi.heap = after.HeapAlloc - before.HeapAlloc
	bi.rss, bi.peakRSS = testenv.ProcessRSS()
	benchCache[key] = bi
	return bi
}

// reportLatency runs queries one at a time, timing each, and reports the
// median and 99th percentile besides ns/op: wall-clock ("p50-ns", "p99-ns"),
// and the thread's CPU time ("p50-cpu-ns", "p99-cpu-ns"), which leaves out
// time the thread spent descheduled, the bulk of the wall-clock tail on a
// shared machine.
func reportLatency(b *testing.B, ix *Index, qs []Query) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	found := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c0 := testenv.ThreadCPU()
		t0 := time.Now()
		found += len(ix.Match(qs[i%len(qs)]))
		lat = append(lat, time.Since(t0))
		cpu = append(cpu, testenv.ThreadCPU()-c0)
	}
	b.StopTimer()
	for _, x := range []struct {
		name string
		d    []time.Duration
	}{{"", lat}, {"cpu-", cpu}} {
		slices.Sort(x.d)
		if len(x.d) > 0 {
			b.ReportMetric(float64(x.d[len(x.d)/2].Nanoseconds()), "p50-"+x.name+"ns")
			b.ReportMetric(float64(x.d[len(x.d)*99/100].Nanoseconds()), "p99-"+x.name+"ns")
		}
	}
	b.ReportMetric(float64(found)/float64(max(len(lat), 1)), "results/op")
}

var benchSizes = []int{100_000, 10_000_000}

// BenchmarkMatchPDQ: one exact PDQ query (threshold 31) against n entries.
// "hit" queries have five planted neighbours within 31; "miss" queries are
// uniform random; "dihedral8" searches eight variants of a hit query.
func BenchmarkMatchPDQ(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("n="+sizeName(n), func(b *testing.B) {
			bi := getBenchIndex(b, n, "planner", nil)
			mk := func(hs []fingerprint.PDQHash) []Query {
				qs := make([]Query, len(hs))
				for i := range hs {
					qs[i] = Query{PDQ: &hs[i], PDQQuality: 100}
				}
				return qs
			}
			b.Run("query=hit", func(b *testing.B) { reportLatency(b, bi.ix, mk(bi.hits)) })
			b.Run("query=miss", func(b *testing.B) { reportLatency(b, bi.ix, mk(bi.misses)) })
			b.Run("query=dihedral8", func(b *testing.B) {
				ix := *bi.ix
				ix.opts.Dihedral = true
				var qs []Query
				for i := range bi.hits {
					vs := append([]fingerprint.PDQHash{bi.hits[i]}, bi.misses[i:min(i+7, len(bi.misses))]...)
					qs = append(qs, Query{PDQQuality: 100, PDQDihedral: vs})
				}
				reportLatency(b, &ix, qs)
			})
		})
	}
}

// BenchmarkMatchPDQLayouts compares the planner's layout with the 16 x 16-bit
// radius-1 layout at 1e7 entries.
func BenchmarkMatchPDQLayouts(b *testing.B) {
	var l16 []chunkSpec
	for i := range 16 {
		l16 = append(l16, chunkSpec{start: 16 * i, width: 16, radius: 1})
	}
	for _, n := range []int{10_000_000} {
		for _, l := range []struct {
			name string
			plan []chunkSpec
		}{{"planner", nil}, {"16x16", l16}} {
			b.Run("n="+sizeName(n)+"/layout="+l.name, func(b *testing.B) {
				bi := getBenchIndex(b, n, l.name, l.plan)
				qs := make([]Query, len(bi.misses))
				for i := range bi.misses {
					qs[i] = Query{PDQ: &bi.misses[i], PDQQuality: 100}
				}
				reportLatency(b, bi.ix, qs)
			})
		}
	}
}

// BenchmarkMatchPDQIDBytes compares 3- and 4-byte table ids on the same
// 1e7 index (same codes, same layout, miss queries): the cost of unpacking
// the narrower ids against the memory traffic they save.
func BenchmarkMatchPDQIDBytes(b *testing.B) {
	for _, n := range []int{10_000_000} {
		var wide *Index // built once: -count reruns the sub-benchmarks
		for _, w := range []int{3, 4} {
			b.Run("n="+sizeName(n)+"/ids="+strconv.Itoa(w), func(b *testing.B) {
				bi := getBenchIndex(b, n, "planner", nil)
				ix := bi.ix
				if w == 4 {
					if wide == nil {
						x := *bi.ix
						x.pdq = newHammingStoreIDs(x.pdq.codes, 4, x.pdq.meta, x.opts.PDQThreshold, nil, 0, w)
						wide = &x
						runtime.GC()
					}
					ix = wide
				}
				if got := ix.pdq.tables[0].ids.w; got != w {
					b.Fatalf("tables hold %d-byte ids, want %d", got, w)
				}
				qs := make([]Query, len(bi.misses))
				for i := range bi.misses {
					qs[i] = Query{PDQ: &bi.misses[i], PDQQuality: 100}
				}
				reportLatency(b, ix, qs)
			})
		}
	}
}

// BenchmarkMatchPDQSkewed: miss queries on codes whose bits are biased
// (even bits set with probability 0.65, odd with 0.35), queries drawn from
// the same distribution. Bucket collisions per bit rise from 1/2 to
// 0.65^2+0.35^2 = 0.545, so a 22-bit bucket holds about 6.6 times the
// uniform share: a stand-in for the skew of real PDQ substrings.
func BenchmarkMatchPDQSkewed(b *testing.B) {
	for _, n := range []int{10_000_000} {
		b.Run("n="+sizeName(n)+"/bias=0.65", func(b *testing.B) {
			bi := getBenchIndexDist(b, n, "planner", nil, 0.65)
			qs := make([]Query, len(bi.misses))
			for i := range bi.misses {
				qs[i] = Query{PDQ: &bi.misses[i], PDQQuality: 100}
			}
			reportLatency(b, bi.ix, qs)
		})
	}
}

// BenchmarkMatchPHash: one pHash query (threshold 8).
func BenchmarkMatchPHash(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("n="+sizeName(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, uint64(n)))
			bld, _ := NewBuilder(DefaultOptions())
			for range n {
				_ = bld.Add(Entry{Kind: fingerprint.KindPHash, Hash64: fingerprint.Hash64(rng.Uint64())})
			}
			ix, _ := bld.Build()
			qs := make([]Query, 1000)
			for i := range qs {
				h := fingerprint.Hash64(rng.Uint64())
				qs[i] = Query{PHash: &h}
			}
			reportLatency(b, ix, qs)
		})
	}
}

// BenchmarkBuild measures building a PDQ index of n entries, and reports the
// live heap it holds per entry (runtime.ReadMemStats after GC).
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("n="+sizeName(n), func(b *testing.B) {
			for b.Loop() {
				benchMu.Lock()
				clear(benchCache)
				benchMu.Unlock()
				bi := getBenchIndex(b, n, "planner", nil)
				b.ReportMetric(bi.buildTime.Seconds(), "add+build-s")
				b.ReportMetric(bi.tablesTime.Seconds(), "build-s")
				b.ReportMetric(float64(bi.heap)/float64(n), "heap-B/entry")
				b.ReportMetric(float64(bi.heap)/(1<<20), "heap-MiB")
				b.ReportMetric(float64(bi.ix.Stats().Bytes)/float64(n), "index-B/entry")
				b.ReportMetric(float64(bi.rss)/(1<<20), "rss-MiB")
				b.ReportMetric(float64(bi.peakRSS)/(1<<20), "peak-rss-MiB")
			}
		})
	}
}
