package match

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
)

// hammingStore holds fixed-length binary codes and answers "every code
// within distance r of q" exactly, by multi-index hashing (see doc.go).
//
// Codes are a flat []uint64, words per code, so a PDQ code is 32 bytes with
// no per-entry pointer. Each table indexes one substring ("chunk") of the
// code in compressed sparse row form: the ids of the entries whose chunk
// equals v are ids[offsets[v]:offsets[v+1]].
type hammingStore struct {
	words  int
	r      int
	n      int
	codes  []uint64
	meta   []uint32
	tables []table // empty: linear scan (chosen for small lists)
}

// table indexes bits [start, start+width) of every code and is probed with
// every value within radius of the query's chunk.
type table struct {
	start, width, radius int
	masks                []uint32 // every width-bit mask of weight <= radius
	offsets              []uint32 // 1<<width + 1
	ids                  []uint32
}

// chunkSpec is one table of a plan.
type chunkSpec struct{ start, width, radius int }

// newHammingStore indexes n = len(meta) codes for queries at distance <= r.
// A nil plan is chosen by planChunks.
func newHammingStore(codes []uint64, words int, meta []uint32, r int, plan []chunkSpec) hammingStore {
	s := hammingStore{words: words, r: r, n: len(meta), codes: codes, meta: meta}
	if s.n == 0 {
		return s
	}
	if plan == nil {
		plan = planChunks(64*words, r, s.n)
	}
	s.tables = make([]table, len(plan))
	// Tables are independent: build them on parallel workers, each with
	// its own scratch (two uint64 per entry for the radix sort).
	workers := min(len(plan), max(1, runtime.GOMAXPROCS(0)), maxBuildWorkers)
	next := make(chan int, len(plan))
	for i := range plan {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var scratch [2][]uint64
			for i := range next {
				s.tables[i] = buildTable(codes, words, s.n, plan[i], &scratch)
			}
		})
	}
	wg.Wait()
	return s
}

// maxBuildWorkers bounds build parallelism and so its scratch memory.
const maxBuildWorkers = 4

// radixMin is the size from which a table is built by radix sort: a direct
// counting sort into 2^width buckets makes two cache misses per entry once
// the buckets outgrow the cache, the radix passes stream.
const radixMin = 1 << 16

func buildTable(codes []uint64, words, n int, c chunkSpec, scratch *[2][]uint64) table {
	t := table{start: c.start, width: c.width, radius: c.radius, masks: masksFor(c.width, c.radius)}
	t.offsets = make([]uint32, 1<<c.width+1)
	t.ids = make([]uint32, n)
	if n < radixMin || c.width <= 12 {
		for i := range n {
			t.offsets[chunk(codes[i*words:i*words+words], c.start, c.width)+1]++
		}
		prefixSum(t.offsets)
		next := slices.Clone(t.offsets[:len(t.offsets)-1])
		for i := range n {
			k := chunk(codes[i*words:i*words+words], c.start, c.width)
			t.ids[next[k]] = uint32(i)
			next[k]++
		}
		return t
	}
	// Sort (key<<32 | id) by key with two stable LSD radix passes; ids stay
	// ascending within a bucket.
	if cap(scratch[0]) < n {
		scratch[0], scratch[1] = make([]uint64, n), make([]uint64, n)
	}
	a, b := scratch[0][:n], scratch[1][:n]
	for i := range n {
		a[i] = uint64(chunk(codes[i*words:i*words+words], c.start, c.width))<<32 | uint64(i)
	}
	lo := c.width / 2
	radixPass(a, b, 32, lo)
	radixPass(b, a, 32+lo, c.width-lo)
	for i, v := range a {
		t.ids[i] = uint32(v)
		t.offsets[v>>32+1]++
	}
	prefixSum(t.offsets)
	return t
}

// radixPass scatters src into dst by the digit of width bits at shift,
// keeping equal digits in order.
func radixPass(src, dst []uint64, shift, width int) {
	pos := make([]uint32, 1<<width)
	mask := uint64(1)<<width - 1
	for _, v := range src {
		pos[v>>shift&mask]++
	}
	sum := uint32(0)
	for d, c := range pos {
		pos[d] = sum
		sum += c
	}
	for _, v := range src {
		d := v >> shift & mask
		dst[pos[d]] = v
		pos[d]++
	}
}

func prefixSum(a []uint32) {
	for i := 1; i < len(a); i++ {
		a[i] += a[i-1]
	}
}

// chunk returns bits [start, start+width) of a code, width <= 32, where bit p
// is bit p%64 of word p/64.
func chunk(w []uint64, start, width int) uint32 {
	i, off := start/64, start%64
	v := w[i] >> off
	if off+width > 64 {
		v |= w[i+1] << (64 - off)
	}
	return uint32(v & (1<<width - 1))
}

var maskCache sync.Map // [2]int{width, radius} -> []uint32

// masksFor lists every width-bit mask with at most radius bits set, lightest
// first.
func masksFor(width, radius int) []uint32 {
	key := [2]int{width, radius}
	if m, ok := maskCache.Load(key); ok {
		return m.([]uint32)
	}
	var out []uint32
	var rec func(from, left int, m uint32)
	rec = func(from, left int, m uint32) {
		out = append(out, m)
		if left == 0 {
			return
		}
		for b := from; b < width; b++ {
			rec(b+1, left-1, m|1<<b)
		}
	}
	rec(0, radius, 0)
	slices.SortStableFunc(out, func(a, b uint32) int { return bits.OnesCount32(a) - bits.OnesCount32(b) })
	maskCache.Store(key, out)
	return out
}

// search appends a hit for every code within s.r of q.
func (s *hammingStore) search(q []uint64, r int, store, variant uint8, hits []hit) []hit {
	if s.n == 0 {
		return hits
	}
	if len(s.tables) == 0 {
		return s.scan(q, r, store, variant, hits)
	}
	if s.words == 4 {
		return s.search4(q, r, store, variant, hits)
	}
	return s.search1(q, r, store, variant, hits)
}

// search4 is search for 256-bit codes. It works in three passes so that
// the processor can overlap the cache misses of each: bucket bounds for
// every probe, then the ids of those buckets, then the candidates' codes.
// Fused into one loop, the unpredictable bucket sizes stall it on each miss.
func (s *hammingStore) search4(q []uint64, r int, store, variant uint8, hits []hit) []hit {
	sc := scratchPool.Get().(*searchScratch)
	cands := sc.cands[:0]
	for ti := range s.tables {
		t := &s.tables[ti]
		v := chunk(q, t.start, t.width)
		bounds := sc.bounds[:0]
		offs := t.offsets
		for _, m := range t.masks {
			b := v ^ m
			bounds = append(bounds, [2]uint32{offs[b], offs[b+1]})
		}
		for _, bd := range bounds {
			cands = append(cands, t.ids[bd[0]:bd[1]]...)
		}
		sc.bounds = bounds
	}
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	codes := s.codes
	for _, id := range cands {
		c := codes[int(id)*4 : int(id)*4+4 : int(id)*4+4]
		d := bits.OnesCount64(c[0]^q0) + bits.OnesCount64(c[1]^q1) +
			bits.OnesCount64(c[2]^q2) + bits.OnesCount64(c[3]^q3)
		if d <= r {
			hits = append(hits, hit{id: id, dist: uint16(d), store: store, variant: variant})
		}
	}
	if cap(cands) <= maxPooledCands {
		sc.cands = cands
		scratchPool.Put(sc)
	}
	return hits
}

// searchScratch is a query's working memory, pooled so that a query does
// not allocate.
type searchScratch struct {
	bounds [][2]uint32
	cands  []uint32
}

// maxPooledCands keeps a query that met a huge bucket from pinning its
// buffer in the pool.
const maxPooledCands = 1 << 20

var scratchPool = sync.Pool{New: func() any { return new(searchScratch) }}

func (s *hammingStore) search1(q []uint64, r int, store, variant uint8, hits []hit) []hit {
	q0 := q[0]
	codes := s.codes
	for ti := range s.tables {
		t := &s.tables[ti]
		v := chunk(q, t.start, t.width)
		for _, m := range t.masks {
			b := v ^ m
			for _, id := range t.ids[t.offsets[b]:t.offsets[b+1]] {
				if d := bits.OnesCount64(codes[id] ^ q0); d <= r {
					hits = append(hits, hit{id: id, dist: uint16(d), store: store, variant: variant})
				}
			}
		}
	}
	return hits
}

// scan is the linear search, used when the plan has no tables.
func (s *hammingStore) scan(q []uint64, r int, store, variant uint8, hits []hit) []hit {
	w := s.words
	for i := range s.n {
		d := 0
		for j, c := range s.codes[i*w : i*w+w] {
			d += bits.OnesCount64(c ^ q[j])
		}
		if d <= r {
			hits = append(hits, hit{id: uint32(i), dist: uint16(d), store: store, variant: variant})
		}
	}
	return hits
}

func (s *hammingStore) pdqHash(id uint32) [32]byte {
	return wordsPDQ(s.codes[int(id)*4 : int(id)*4+4])
}

func (s *hammingStore) bytes() int64 {
	n := int64(len(s.codes))*8 + int64(len(s.meta))*4
	for i := range s.tables {
		n += int64(len(s.tables[i].offsets))*4 + int64(len(s.tables[i].ids))*4
	}
	return n
}

// Cost model for planChunks, in rough nanoseconds on a current x86 core.
// Reading a bucket's bounds or a candidate's code costs a cache miss once
// the array outgrows the caches; out-of-order execution overlaps several
// misses, hence ~10 ns rather than ~80.
const (
	costMiss     = 10.0
	costHit      = 2.0
	costScanWord = 0.5 // per word of a sequential scan
	cacheBytes   = 4 << 20
	maxWidth     = 22 // 16 MiB of offsets per table
	maxTables    = 16 // 64 bytes of ids per entry
	maxMasks     = 1 << 14
)

// planChunks chooses the substrings of a bits-long code to index for exact
// search within r among n codes, or nil for a linear scan.
//
// Exactness rests on the pigeonhole principle, in the generalised form of
// Norouzi et al.: if disjoint substrings i get radii r_i with
// sum(r_i+1) >= r+1, a code within r of the query is within r_i of it on
// some substring i (otherwise the distance would be at least sum(r_i+1)).
// Substrings need not cover the code: the distance on a subset of bits is at
// most the full distance. Among layouts of m equal-ish substrings no wider
// than log2(n) bits, it picks the one with the lowest expected cost:
// probes times the cost of reading a bucket, plus expected candidates
// (probes * n / 2^width, for uniform codes) times the cost of checking one.
func planChunks(bitsLen, r, n int) []chunkSpec {
	wCap := min(maxWidth, max(8, bits.Len(uint(n))))
	codeBytes := bitsLen / 8
	candCost := costHit
	if n*codeBytes > cacheBytes {
		candCost = costMiss
	}
	best, bestCost := []chunkSpec(nil), float64(n)*float64(bitsLen/64)*costScanWord
	for m := 1; m <= min(maxTables, r+1, bitsLen); m++ {
		cover := min(bitsLen, m*wCap)
		if cover/m < 1 {
			continue
		}
		// Radii: sum(r_i+1) = r+1, as even as possible; the wider
		// substrings (which come first) take the larger radii.
		total := r + 1
		plan := make([]chunkSpec, m)
		start, cost, ok := 0, 0.0, true
		for i := range m {
			w := cover / m
			if i < cover%m {
				w++
			}
			rad := total/m - 1
			if i < total%m {
				rad++
			}
			plan[i] = chunkSpec{start: start, width: w, radius: rad}
			start += w
			probes := binomSum(w, rad)
			if probes > maxMasks {
				ok = false
				break
			}
			probeCost := costHit
			if 4<<w > cacheBytes {
				probeCost = costMiss
			}
			cost += probes*probeCost + probes*float64(n)/math.Exp2(float64(w))*candCost
		}
		if ok && cost < bestCost {
			best, bestCost = plan, cost
		}
	}
	return best
}

// binomSum is sum_{k<=r} C(w, k), the number of masks of weight <= r.
func binomSum(w, r int) float64 {
	s, c := 0.0, 1.0
	for k := 0; k <= r && k <= w; k++ {
		s += c
		c = c * float64(w-k) / float64(k+1)
	}
	return s
}

// digestStore answers exact digest lookups from a sorted array: 36 bytes a
// SHA-256 entry, about half of what a map costs, and duplicates (the same
// file in two lists) sit side by side.
type digestStore[K comparable] struct {
	items []digestItem[K]
	cmp   func(a, b K) int
}

type digestItem[K comparable] struct {
	key  K
	meta uint32
}

func newDigestStore[K comparable](items []digestItem[K], cmp func(a, b K) int) digestStore[K] {
	slices.SortStableFunc(items, func(a, b digestItem[K]) int { return cmp(a.key, b.key) })
	return digestStore[K]{items: items, cmp: cmp}
}

func (s *digestStore[K]) lookup(k K, store uint8, hits []hit) []hit {
	i, _ := slices.BinarySearchFunc(s.items, k, func(it digestItem[K], k K) int { return s.cmp(it.key, k) })
	for ; i < len(s.items) && s.items[i].key == k; i++ {
		hits = append(hits, hit{id: uint32(i), store: store})
	}
	return hits
}
