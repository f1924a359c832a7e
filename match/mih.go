package match

import (
	"encoding/binary"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"unsafe"
)

// hammingStore holds fixed-length binary codes and answers "every code
// within distance r of q" exactly, by multi-index hashing (see doc.go).
//
// Codes are a flat []uint64, words per code, so a PDQ code is 32 bytes with
// no per-entry pointer. Each table indexes one substring ("chunk") of the
// code in compressed sparse row form: the ids of the entries whose chunk
// equals v are ids[offsets[v]:offsets[v+1]].
//
// An id in the tables takes 3 bytes while every id fits 24 bits
// (lists of up to 2^24 entries), else 4. At 1e7 PDQ entries and 11 tables
// that is 33 bytes an entry instead of 44.
type hammingStore struct {
	words  int
	r      int
	n      int
	codes  []uint64
	meta   []uint32
	tables []table // empty: linear scan (chosen for small lists)
}

// maxID3 is the number of entries up to which ids take 3 bytes.
const maxID3 = 1 << 24

// idBytesFor returns the bytes an id takes in a store of n entries: want (3
// or 4) if every id fits, and 0 picks the narrowest.
func idBytesFor(n, want int) int {
	if n > maxID3 {
		return 4 // some id needs 25 bits or more
	}
	if want == 0 {
		return 3
	}
	return want
}

// table indexes bits [start, start+width) of every code and is probed with
// every value within radius of the query's chunk.
//
// Bucket v holds ids[start(v):start(v+1)]. The start offsets are stored in
// two levels so that a 23-bit table costs about 2 bytes a bucket, not 4:
// base holds the start of each block of 64 buckets (small enough to stay
// cached) and rel each bucket's start relative to its block. A list where
// some block holds more than 65535 entries (heavily repeated substrings)
// falls back to plain uint32 offsets in wide.
type table struct {
	start, width, radius int
	masks                []uint32 // every width-bit mask of weight <= radius
	base                 []uint32 // 1<<width>>blockBits + 1
	rel                  []uint16 // 1<<width + 1
	wide                 []uint32 // 1<<width + 1 when rel cannot hold a block
	ids                  idArray
}

// idArray is a table's ids packed in 3 or 4 bytes each.
//
// Reading id j is one unaligned 4-byte little-endian load at j*w and a mask.
// For 3-byte ids the load of the last id takes one byte past it, so b ends
// with 4-w bytes of padding of its own: reads stay inside b, and no two
// tables (built on different goroutines) share a byte.
type idArray struct {
	b    []byte // n*w + 4-w bytes
	w    int    // bytes an id: 3 or 4
	mask uint32 // 1<<(8*w) - 1
}

func newIDArray(b []byte, w int) idArray {
	return idArray{b: b, w: w, mask: uint32(1<<(8*w) - 1)}
}

// idArrayLen is the length of b for n ids of w bytes.
func idArrayLen(n, w int) int { return n*w + 4 - w }

// at returns id j.
func (a *idArray) at(j int) uint32 {
	return binary.LittleEndian.Uint32(a.b[j*a.w:]) & a.mask
}

// set stores id j. It writes exactly w bytes: the radix sort fills buckets
// in interleaved order, so a 4-byte store of a 3-byte id could overwrite the
// first id of a bucket that has already been filled.
func (a *idArray) set(j int, id uint32) {
	if a.w == 3 {
		p := a.b[j*3 : j*3+3]
		p[0], p[1], p[2] = byte(id), byte(id>>8), byte(id>>16)
		return
	}
	binary.LittleEndian.PutUint32(a.b[j*4:j*4+4], id)
}

// appendRange appends ids [lo, hi) to dst, which has room for them.
//
// The unsafe loads are in bounds: the load of id hi-1 covers bytes
// [(hi-1)*w, (hi-1)*w+4), and the index expression before the loop checks
// that its last byte is in b (it is whenever hi <= n, as the table's
// offsets guarantee, since len(b) = n*w+4-w). Safe indexing costs a bounds
// check per id in the query's hottest loop.
func (a *idArray) appendRange(dst []uint32, lo, hi uint32) []uint32 {
	if lo >= hi {
		return dst
	}
	w, mask := uintptr(a.w), a.mask
	_ = a.b[int(hi)*a.w+3-a.w] // the last byte read: a bad bound panics, never reads past b
	base := unsafe.Pointer(unsafe.SliceData(a.b))
	for j, end := uintptr(lo)*w, uintptr(hi)*w; j < end; j += w {
		dst = append(dst, binary.LittleEndian.Uint32((*[4]byte)(unsafe.Add(base, j))[:])&mask)
	}
	return dst
}

// blockBits sets the block of buckets that share one base offset.
const blockBits = 6

// bucket returns the bounds of bucket v in ids.
func (t *table) bucket(v uint32) (lo, hi uint32) {
	if t.wide != nil {
		return t.wide[v], t.wide[v+1]
	}
	return t.base[v>>blockBits] + uint32(t.rel[v]), t.base[(v+1)>>blockBits] + uint32(t.rel[v+1])
}

// setOffsets stores the bucket starts offs (1<<width + 1 of them, the last
// being len(ids)) in t's two-level form, or in t.wide if a block overflows.
// rel must have len(offs) elements.
func (t *table) setOffsets(offs []uint32, rel []uint16) {
	t.base = make([]uint32, len(offs)>>blockBits+1)
	for i := range t.base {
		t.base[i] = offs[min(i<<blockBits, len(offs)-1)]
	}
	for v, o := range offs {
		d := o - t.base[v>>blockBits]
		if d > 0xffff {
			t.base, t.wide = nil, slices.Clone(offs)
			return
		}
		rel[v] = uint16(d)
	}
	t.rel = rel
}

// chunkSpec is one table of a plan.
type chunkSpec struct{ start, width, radius int }

// newHammingStore indexes n = len(meta) codes for queries at distance <= r.
// A nil plan is chosen by planChunks.
// Build runs on up to workers goroutines (0: GOMAXPROCS).
func newHammingStore(codes []uint64, words int, meta []uint32, r int, plan []chunkSpec, workers int) hammingStore {
	return newHammingStoreIDs(codes, words, meta, r, plan, workers, 0)
}

// newHammingStoreIDs is newHammingStore with ids of idBytes bytes (3 or 4),
// or 0 for the narrowest that holds every id. Tests force 4 on small lists.
func newHammingStoreIDs(codes []uint64, words int, meta []uint32, r int, plan []chunkSpec, workers, idBytes int) hammingStore {
	s := hammingStore{words: words, r: r, n: len(meta), codes: codes, meta: meta}
	if s.n == 0 {
		return s
	}
	if plan == nil {
		plan = planChunks(64*words, r, s.n)
	}
	idBytes = idBytesFor(s.n, idBytes)
	s.tables = make([]table, len(plan))
	// Every table's offsets and ids live in two slabs: large allocations
	// that can take huge pages even when one table's arrays are too small
	// to (see adviseHuge).
	nRel := 0
	for _, c := range plan {
		nRel += 1<<c.width + 1
	}
	idLen := idArrayLen(s.n, idBytes)
	rel, ids := makeHuge[uint16](nRel), makeHuge[byte](len(plan)*idLen)
	rels := make([][]uint16, len(plan))
	for i, c := range plan {
		w := 1<<c.width + 1
		s.tables[i] = table{start: c.start, width: c.width, radius: c.radius, masks: masksFor(c.width, c.radius),
			ids: newIDArray(ids[i*idLen:(i+1)*idLen:(i+1)*idLen], idBytes)}
		rels[i], rel = rel[:w:w], rel[w:]
	}
	// Tables are independent: build them on parallel workers, each with
	// its own scratch for the radix sort. One worker is how a server builds
	// beside the index it is serving (Builder.SetWorkers), where memory is
	// the bound: that build keeps 4 bytes of scratch an entry instead of 8
	// and takes longer (see radixScratch).
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(len(plan), workers, maxBuildWorkers)
	lean := workers == 1
	next := make(chan int, len(plan))
	for i := range plan {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			scratch := radixScratch{lean: lean}
			for i := range next {
				buildTable(codes, words, s.n, &s.tables[i], rels[i], &scratch)
			}
		})
	}
	wg.Wait()
	return s
}

// makeHuge returns a zeroed slice advised to take huge pages.
func makeHuge[T any](n int) []T {
	s := make([]T, n)
	adviseHuge(s)
	return s
}

// maxBuildWorkers bounds build parallelism and so its scratch memory.
const maxBuildWorkers = 4

// radixMin is the size from which a table is built by radix sort: a direct
// counting sort into 2^width buckets makes two cache misses per entry once
// the buckets outgrow the cache, the radix passes stream.
const radixMin = 1 << 16

// buildTable fills t.ids and t's bucket offsets for the codes; rel
// (zeroed, 1<<width + 1 long) becomes t.rel.
func buildTable(codes []uint64, words, n int, t *table, rel []uint16, scratch *radixScratch) {
	if n < radixMin || t.width <= 12 {
		offs := make([]uint32, 1<<t.width+1)
		for i := range n {
			offs[chunk(codes[i*words:i*words+words], t.start, t.width)+1]++
		}
		prefixSum(offs)
		next := slices.Clone(offs[:len(offs)-1])
		for i := range n {
			k := chunk(codes[i*words:i*words+words], t.start, t.width)
			t.ids.set(int(next[k]), uint32(i))
			next[k]++
		}
		t.setOffsets(offs, rel)
		return
	}
	// Sort the ids by key with two stable LSD radix passes, so ids stay
	// ascending within a bucket: the first pass scatters by the key's low
	// digit into the scratch, the second by the high digit straight into
	// t.ids. Bucket sizes are counted on the way in, into rel itself
	// (saturating), and turned into relative starts in place: no 4-byte
	// offsets array, which at 24 bits would be 64 MiB of scratch per worker.
	lo := t.width / 2
	loMask, hiW := uint32(1)<<lo-1, t.width-lo
	posLo := make([]uint32, 1<<lo)
	posHi := make([]uint32, 1<<hiW)
	saturated := false
	for i := range n {
		k := chunk(codes[i*words:i*words+words], t.start, t.width)
		posLo[k&loMask]++
		posHi[k>>lo]++
		if rel[k+1] == 0xffff {
			saturated = true
		} else {
			rel[k+1]++
		}
	}
	exclusiveSum(posLo)
	exclusiveSum(posHi)
	if scratch.lean {
		a := scratch.ids(n)
		for i := range n {
			d := chunk(codes[i*words:i*words+words], t.start, t.width) & loMask
			a[posLo[d]] = uint32(i)
			posLo[d]++
		}
		for _, id := range a {
			d := chunk(codes[int(id)*words:int(id)*words+words], t.start, t.width) >> lo
			t.ids.set(int(posHi[d]), id)
			posHi[d]++
		}
	} else {
		a := scratch.pairs(n)
		for i := range n {
			k := chunk(codes[i*words:i*words+words], t.start, t.width)
			d := k & loMask
			a[posLo[d]] = uint64(k)<<32 | uint64(i)
			posLo[d]++
		}
		for _, v := range a {
			d := uint32(v>>32) >> lo
			t.ids.set(int(posHi[d]), uint32(v))
			posHi[d]++
		}
	}
	if saturated || !t.relFromCounts(rel) {
		// Some block holds more than 65535 entries: count again into
		// plain offsets.
		offs := make([]uint32, 1<<t.width+1)
		for i := range n {
			offs[chunk(codes[i*words:i*words+words], t.start, t.width)+1]++
		}
		prefixSum(offs)
		t.base, t.wide = nil, offs
	}
}

// radixScratch is one build worker's scratch for the radix sort: (key, id)
// pairs, 8 bytes an entry, or in lean mode the ids alone, 4 bytes, with the
// second pass recomputing each key from its code. That costs a random read
// of a code per entry and table: at 1e7 PDQ entries the build takes about
// twice as long and peaks 38 MiB lower.
type radixScratch struct {
	lean bool
	p    []uint64
	i    []uint32
}

func (s *radixScratch) pairs(n int) []uint64 {
	if cap(s.p) < n {
		s.p = make([]uint64, n)
	}
	return s.p[:n]
}

func (s *radixScratch) ids(n int) []uint32 {
	if cap(s.i) < n {
		s.i = make([]uint32, n)
	}
	return s.i[:n]
}

// relFromCounts turns rel, holding the size of bucket v at rel[v+1], into
// bucket starts relative to their block, filling t.base. It reports false
// if some start does not fit 16 bits.
func (t *table) relFromCounts(rel []uint16) bool {
	t.base = make([]uint32, len(rel)>>blockBits+1)
	sum := uint32(0)
	for v := range rel {
		if v&(1<<blockBits-1) == 0 {
			t.base[v>>blockBits] = sum
		}
		var c uint32
		if v+1 < len(rel) {
			c = uint32(rel[v+1]) // the size of bucket v, read before it is overwritten
		}
		d := sum - t.base[v>>blockBits]
		if d > 0xffff {
			return false
		}
		rel[v] = uint16(d)
		sum += c
	}
	t.rel = rel
	return true
}

// exclusiveSum turns counts into start positions.
func exclusiveSum(a []uint32) {
	sum := uint32(0)
	for i, c := range a {
		a[i] = sum
		sum += c
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
		total := 0
		if t.wide != nil {
			for _, m := range t.masks {
				b := v ^ m
				lo, hi := t.wide[b], t.wide[b+1]
				bounds = append(bounds, [2]uint32{lo, hi})
				total += int(hi - lo)
			}
		} else {
			base, rel := t.base, t.rel
			for _, m := range t.masks {
				b := v ^ m
				lo := base[b>>blockBits] + uint32(rel[b])
				hi := base[(b+1)>>blockBits] + uint32(rel[b+1])
				bounds = append(bounds, [2]uint32{lo, hi})
				total += int(hi - lo)
			}
		}
		// Buckets hold a few ids each: one growth and a plain loop beat
		// an append (and a memmove call) per bucket.
		cands = slices.Grow(cands, total)
		for _, bd := range bounds {
			cands = t.ids.appendRange(cands, bd[0], bd[1])
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
			lo, hi := t.bucket(v ^ m)
			for j := lo; j < hi; j++ {
				id := t.ids.at(int(j))
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
		t := &s.tables[i]
		n += int64(len(t.base))*4 + int64(len(t.rel))*2 + int64(len(t.wide))*4 + int64(len(t.ids.b))
	}
	return n
}

// Cost model for planChunks, in rough nanoseconds on a current x86 core.
// Reading a bucket's bounds or a candidate's code costs a cache miss once
// the array outgrows the caches; out-of-order execution overlaps several
// misses, hence ~10 ns rather than ~80. Checking a candidate measures about
// three times dearer than a probe (CPU profile of BenchmarkMatchPDQ at 1e7:
// 66% of a query in the candidate loop for 2.4 candidates a probe), so the
// model charges it that.
const (
	costMiss     = 10.0
	costCandMiss = 30.0
	costHit      = 2.0
	costScanWord = 0.5 // per word of a sequential scan
	cacheBytes   = 4 << 20
	maxWidth     = 23 // 16 MiB of bucket offsets per table (see planChunks)
	maxTables    = 16 // 48 bytes of ids per entry (64 above 2^24 entries)
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
// than about log2(n) bits (and whose offsets take no more than 4 bytes an
// entry, about what its id takes), it picks the one with the lowest
// expected cost: probes times the cost of reading a bucket, plus expected
// candidates (probes * n / 2^width, for uniform codes) times the cost of
// checking one.
func planChunks(bitsLen, r, n int) []chunkSpec {
	codeBytes := bitsLen / 8
	candCost := costHit
	if n*codeBytes > cacheBytes {
		candCost = costCandMiss
	}
	best, bestCost := []chunkSpec(nil), float64(n)*float64(bitsLen/64)*costScanWord
	for wCap := 8; wCap <= min(maxWidth, max(8, bits.Len(uint(n)))); wCap++ {
		if wCap > 8 && 1<<wCap > 2*n {
			break // over 4 bytes of offsets an entry, more than its id in the table
		}
		for m := 1; m <= min(maxTables, r+1, bitsLen); m++ {
			if plan, cost := planFor(bitsLen, r, n, m, wCap, candCost); plan != nil && cost < bestCost {
				best, bestCost = plan, cost
			}
		}
	}
	return best
}

// planFor lays out m substrings no wider than wCap and returns the plan and
// its cost, or nil if a substring would need too many probes.
func planFor(bitsLen, r, n, m, wCap int, candCost float64) ([]chunkSpec, float64) {
	cover := min(bitsLen, m*wCap)
	if cover/m < 1 {
		return nil, 0
	}
	// Radii: sum(r_i+1) = r+1, as even as possible; the wider substrings
	// (which come first) take the larger radii.
	total := r + 1
	plan := make([]chunkSpec, m)
	start, cost := 0, 0.0
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
			return nil, 0
		}
		probeCost := costHit
		if 2<<w > cacheBytes {
			probeCost = costMiss
		}
		cost += probes*probeCost + probes*float64(n)/math.Exp2(float64(w))*candCost
	}
	return plan, cost
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
