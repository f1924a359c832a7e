package bloom

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// blockBytes is the size of one split-block Bloom block: eight 32-bit words,
// 256 bits, one 64-byte cache line holds two.
const blockBytes = 32

// salt holds the eight odd multipliers of the Parquet split-block Bloom
// filter specification: word i of a block gets bit (x*salt[i])>>27 of the
// key's low half x.
var salt = [8]uint32{
	0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d,
	0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31,
}

// SplitBlock is a split-block Bloom filter (Putze, Sanders, Singler, "Cache-,
// Hash- and Space-Efficient Bloom Filters", 2007; layout and hashing of the
// Apache Parquet specification): the key's high 32 bits choose a 256-bit block,
// its low 32 bits set one bit in each of the block's eight words. A look-up
// touches one cache line.
//
// The table is little-endian bytes so that a loaded filter can use its input
// without copying. Add on a filter returned by Load writes into that input.
type SplitBlock struct {
	body    []byte // nblocks * 32 bytes
	nblocks uint32
	n       uint64
	keyID   [8]byte
}

// NewSplitBlock returns an empty split-block filter sized for n keys at
// false-positive rate p (see SplitBlockBlocks).
func NewSplitBlock(n int, p float64, keyID [8]byte) *SplitBlock {
	nb := SplitBlockBlocks(n, p)
	return &SplitBlock{body: make([]byte, nb*blockBytes), nblocks: uint32(nb), keyID: keyID}
}

// NewSplitBlockBlocks returns an empty split-block filter of exactly
// nblocks blocks (at least one): filters meant for Union must agree on it.
func NewSplitBlockBlocks(nblocks int, keyID [8]byte) *SplitBlock {
	nb := min(uint64(max(nblocks, 1)), math.MaxUint32)
	return &SplitBlock{body: make([]byte, nb*blockBytes), nblocks: uint32(nb), keyID: keyID}
}

// Contains reports whether k may have been added.
func (f *SplitBlock) Contains(k Key) bool {
	if f.nblocks == 0 {
		return false // the zero SplitBlock
	}
	i := uint64(f.nblocks) * (uint64(k) >> 32) >> 32
	// No bounds check: i < nblocks by the multiply-shift, and the body is
	// nblocks·32 bytes (NewSplitBlock and Load guarantee it).
	b := (*[blockBytes]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(f.body)), i*blockBytes))
	x := uint32(k)
	// Unrolled and branch-free: the whole block is one cache line already
	// loaded, and a data-dependent early exit mispredicts on misses. The
	// salts are written out so they are immediates, not loads: the fewer
	// instructions per look-up, the more look-ups' cache misses the CPU
	// keeps in flight at once.
	m := binary.LittleEndian.Uint32(b[0:]) >> (x * 0x47b6137b >> 27)
	m &= binary.LittleEndian.Uint32(b[4:]) >> (x * 0x44974d91 >> 27)
	m &= binary.LittleEndian.Uint32(b[8:]) >> (x * 0x8824ad5b >> 27)
	m &= binary.LittleEndian.Uint32(b[12:]) >> (x * 0xa2b7289d >> 27)
	m &= binary.LittleEndian.Uint32(b[16:]) >> (x * 0x705495c7 >> 27)
	m &= binary.LittleEndian.Uint32(b[20:]) >> (x * 0x2df1424b >> 27)
	m &= binary.LittleEndian.Uint32(b[24:]) >> (x * 0x9efc4947 >> 27)
	m &= binary.LittleEndian.Uint32(b[28:]) >> (x * 0x5c6bfb31 >> 27)
	return m&1 == 1
}

// Add inserts k. It is not safe to call concurrently with other methods.
func (f *SplitBlock) Add(k Key) {
	f.add(k)
	f.n++
}

func (f *SplitBlock) add(k Key) {
	i := uint64(f.nblocks) * (uint64(k) >> 32) >> 32
	b := f.body[i*blockBytes : i*blockBytes+blockBytes]
	x := uint32(k)
	for w := range 8 {
		v := binary.LittleEndian.Uint32(b[4*w:])
		binary.LittleEndian.PutUint32(b[4*w:], v|1<<(x*salt[w]>>27))
	}
}

// Union adds every key of o to f. Both must have the same number of blocks
// and the same key id; Len becomes the sum (an upper bound when the sets
// overlap).
func (f *SplitBlock) Union(o *SplitBlock) error {
	if f.nblocks != o.nblocks || len(f.body) != len(o.body) {
		return wrap(ErrOptions, "bloom: union of split-block filters of different sizes")
	}
	if f.keyID != o.keyID {
		return wrap(ErrOptions, "bloom: union of filters under different keys")
	}
	for i := range f.body {
		f.body[i] |= o.body[i]
	}
	f.n += o.n
	return nil
}

// Len is the number of keys added (Build counts distinct keys; Add counts calls).
func (f *SplitBlock) Len() int { return int(f.n) }

// Kind returns KindSplitBlock.
func (f *SplitBlock) Kind() Kind { return KindSplitBlock }

// SizeBytes is the table size: 32 bytes per block.
func (f *SplitBlock) SizeBytes() int { return len(f.body) }

// KeyID is the key id recorded at build time.
func (f *SplitBlock) KeyID() [8]byte { return f.keyID }

// SplitBlockFPR is the false-positive rate of a split-block filter holding n
// keys in nblocks blocks. Block loads are Poisson with mean λ = n/nblocks and
// a block holding j keys answers a foreign key with probability
// (1-(31/32)^j)^8, so the rate is E[(1-(31/32)^J)^8]. The Parquet formula
// instead assumes every block holds exactly λ keys; by Jensen's inequality
// that under-states the rate, badly at low rates where the crowded blocks
// dominate. docs/filter.md compares both with measured rates.
func SplitBlockFPR(n, nblocks int) float64 {
	if n <= 0 || nblocks <= 0 {
		return 0
	}
	return sbbfRate(float64(n) / float64(nblocks))
}

func sbbfRate(lambda float64) float64 {
	// Sum the Poisson terms in log space from the mode outwards would be
	// more careful; a forward sum is exact enough for λ < 600, the most
	// SplitBlockBlocks asks about.
	term := math.Exp(-lambda)
	sum := 0.0
	q := 31.0 / 32
	qj := 1.0
	for j := 0; j < 4096; j++ {
		if j > 0 {
			term *= lambda / float64(j)
			qj *= q
		}
		sum += term * math.Pow(1-qj, 8)
		if float64(j) > lambda && term < 1e-18 {
			break
		}
	}
	return sum
}

// SplitBlockBlocks is the number of 256-bit blocks for n keys at rate p: the
// fewest blocks whose modelled rate (SplitBlockFPR) is at most p. At least
// one block, so an empty filter is valid and answers false.
func SplitBlockBlocks(n int, p float64) int {
	if n <= 0 {
		return 1
	}
	if p >= 1 {
		return 1
	}
	// Bisect the largest mean load λ with sbbfRate(λ) <= p; the rate grows
	// with λ.
	lo, hi := 1e-6, 600.0
	for range 100 {
		mid := (lo + hi) / 2
		if sbbfRate(mid) <= p {
			lo = mid
		} else {
			hi = mid
		}
	}
	nb := math.Ceil(float64(n) / lo)
	if nb > math.MaxUint32 {
		nb = math.MaxUint32
	}
	return max(1, int(nb))
}
