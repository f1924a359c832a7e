package bloom

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"

	"github.com/FastFilter/xorfilter"
)

// Fuse is a binary fuse filter (Graf and Lemire, "Binary Fuse Filters: Fast
// and Smaller Than Xor Filters", ACM JEA 2022) with 8- or 16-bit
// fingerprints: rate 2^-8 or 2^-16 at about 1.13 table entries per key.
// github.com/FastFilter/xorfilter builds it; Contains repeats that library's
// position and fingerprint derivation over the little-endian table bytes, so
// a loaded filter needs no copy. Immutable.
//
// The library hashes every key with a seeded murmur64 finaliser. Our keys
// are already uniform PRF outputs, and at 1e7 keys that finaliser was a
// third of a look-up's time, because its instructions crowd the cache
// misses of neighbouring look-ups out of the CPU's window. So buildFuse
// hands the library, for each key k, the pre-image of k·mul under the
// library's first-attempt hash, and Contains uses h = k·mul directly: one
// multiply instead of the finaliser. mul is 1 unless the library's first
// attempt failed, and then an odd constant that reshuffles every position.
type Fuse struct {
	mul         uint64 // odd; h = key·mul
	segLen      uint32
	segMask     uint32
	segCountLen uint32 // segment count * segment length
	segCount    uint32
	width       uint32 // bytes per fingerprint: 1 or 2
	table       []byte // (segCount+2) * segLen fingerprints
	n           uint64
	keyID       [8]byte
}

// Contains reports whether k may be in the set.
func (f *Fuse) Contains(k Key) bool {
	if len(f.table) == 0 {
		return false // empty: a zero table would answer 1/2^w of everything
	}
	h := uint64(k) * f.mul
	hi, _ := bits.Mul64(h, uint64(f.segCountLen))
	h0 := uint32(hi)
	h1 := (h0 + f.segLen) ^ uint32(h>>18)&f.segMask
	h2 := (h0 + 2*f.segLen) ^ uint32(h)&f.segMask
	// No bounds checks: h0 < segCount·segLen, and h1, h2 stay inside the
	// next two segments (segLen is a power of two, so the XOR only changes
	// the offset within one), so all three are below (segCount+2)·segLen,
	// the table's length in entries, which setParams checks.
	t := unsafe.Pointer(unsafe.SliceData(f.table))
	if f.width == 1 {
		return uint8(h^h>>32) == *(*uint8)(unsafe.Add(t, h0))^*(*uint8)(unsafe.Add(t, h1))^*(*uint8)(unsafe.Add(t, h2))
	}
	return uint16(h^h>>32) == le16(t, h0)^le16(t, h1)^le16(t, h2)
}

// le16 reads fingerprint i of a 16-bit table: one load on little-endian
// hosts, and correct on the others.
func le16(t unsafe.Pointer, i uint32) uint16 {
	return binary.LittleEndian.Uint16((*[2]byte)(unsafe.Add(t, 2*uintptr(i)))[:])
}

// The library's key hash is murmur64(key + seed), and its first attempt
// uses seed firstSeed (splitmix64 of its counter 1). unmix inverts
// murmur64, so the library hashes preimage(h) to exactly h on that attempt.
// TestFuseLibraryHash pins both facts to the library version in go.mod.
const (
	murmurC1  = 0xff51afd7ed558ccd
	murmurC2  = 0xc4ceb9fe1a85ec53
	firstSeed = 0x910a2dec89025cc1
)

var murmurInv1, murmurInv2 = inverse64(murmurC1), inverse64(murmurC2)

// inverse64 is the inverse of odd a modulo 2^64 (Newton's iteration doubles
// the correct low bits each step: 1 → 64 in six).
func inverse64(a uint64) uint64 {
	x := a
	for range 6 {
		x *= 2 - a*x
	}
	return x
}

// unmix inverts the murmur64 finaliser (each h ^= h>>33 is its own inverse).
func unmix(h uint64) uint64 {
	h ^= h >> 33
	h *= murmurInv2
	h ^= h >> 33
	h *= murmurInv1
	h ^= h >> 33
	return h
}

// preimage is the key the library hashes to h on its first attempt.
func preimage(h uint64) uint64 { return unmix(h) - firstSeed }

// fuseAttempts bounds the builds with fresh multipliers. The library's first
// attempt failed for 1–2.5% of builds of 10 to 10^4 random keys and for none
// of 72 builds of 10^5 and 10^6 (measured), so a second multiplier almost
// always succeeds and the eighth is never reached in practice.
const fuseAttempts = 8

// fuseMul is the key multiplier of attempt i: 1, then odd constants.
func fuseMul(i int) uint64 {
	if i == 0 {
		return 1
	}
	return (uint64(i)*0x9e3779b97f4a7c15)<<1 | 1
}

// Len is the number of distinct keys.
func (f *Fuse) Len() int { return int(f.n) }

// Kind is KindBinaryFuse8 or KindBinaryFuse16.
func (f *Fuse) Kind() Kind {
	if f.width == 1 {
		return KindBinaryFuse8
	}
	return KindBinaryFuse16
}

// SizeBytes is the fingerprint table size.
func (f *Fuse) SizeBytes() int { return len(f.table) }

// KeyID is the key id recorded at build time.
func (f *Fuse) KeyID() [8]byte { return f.keyID }

// buildFuse builds from distinct keys (dedupe has run: the library only
// prunes duplicates after a failed attempt, and we want Len exact).
func buildFuse(kind Kind, uniq []Key, keyID [8]byte) (*Fuse, error) {
	f := &Fuse{n: uint64(len(uniq)), keyID: keyID, width: 1, mul: 1}
	if kind == KindBinaryFuse16 {
		f.width = 2
	}
	if len(uniq) == 0 {
		return f, nil
	}
	pre := make([]uint64, len(uniq))
	b := xorfilter.MakeBinaryFuseBuilder[uint16](len(uniq))
	for attempt := range fuseAttempts {
		mul := fuseMul(attempt)
		// preimage is a bijection, so distinct keys stay distinct.
		for i, k := range uniq {
			pre[i] = preimage(uint64(k) * mul)
		}
		var seed uint64
		var segLen, segCount uint32
		if kind == KindBinaryFuse8 {
			lf, err := xorfilter.BuildBinaryFuse[uint8](&b, pre)
			if err != nil {
				return nil, wrap(ErrOptions, "bloom: binary fuse build failed: "+err.Error())
			}
			seed, segLen, segCount = lf.Seed, lf.SegmentLength, lf.SegmentCount
			if seed == firstSeed {
				f.table = append([]byte(nil), lf.Fingerprints...)
			}
		} else {
			lf, err := xorfilter.BuildBinaryFuse[uint16](&b, pre)
			if err != nil {
				return nil, wrap(ErrOptions, "bloom: binary fuse build failed: "+err.Error())
			}
			seed, segLen, segCount = lf.Seed, lf.SegmentLength, lf.SegmentCount
			if seed == firstSeed {
				f.table = make([]byte, 2*len(lf.Fingerprints))
				for i, v := range lf.Fingerprints {
					binary.LittleEndian.PutUint16(f.table[2*i:], v)
				}
			}
		}
		if seed != firstSeed {
			// The library needed another seed, so it did not hash our
			// pre-images to k·mul: try the next multiplier.
			continue
		}
		if err := f.setParams(mul, segLen, segCount); err != nil {
			return nil, err
		}
		return f, nil
	}
	return nil, wrap(ErrOptions, "bloom: binary fuse build failed: no first-attempt success in "+itoa(fuseAttempts)+" tries (has the library's seeding changed?)")
}

// setParams records the look-up parameters after checking the invariant
// Contains relies on instead of bounds checks: segLen is a power of two and
// f.table holds exactly (segCount+2)·segLen entries, fewer than 2^32. mul
// must be odd, or k·mul would not be a bijection of the keys.
func (f *Fuse) setParams(mul uint64, segLen, segCount uint32) error {
	entries := (uint64(segCount) + 2) * uint64(segLen)
	if mul&1 == 0 || segLen == 0 || segLen&(segLen-1) != 0 || segCount == 0 || entries > 1<<32 ||
		uint64(len(f.table)) != entries*uint64(f.width) {
		return wrap(ErrFormat, "bloom: binary fuse parameters do not match the table")
	}
	f.mul, f.segLen, f.segCount = mul, segLen, segCount
	f.segMask = segLen - 1
	f.segCountLen = segCount * segLen
	return nil
}

// fuseSizeBytes predicts the table size for n keys with the library's own
// sizing rules (arity 3), so ChooseKind can compare kinds before building.
func fuseSizeBytes(k Kind, n int) int {
	w := 1
	if k == KindBinaryFuse16 {
		w = 2
	}
	if n == 0 {
		return 0
	}
	size := float64(n)
	segLen := uint32(1) << int(math.Floor(math.Log(size)/math.Log(3.33)+2.25))
	segLen = min(segLen, 262144)
	capacity := 0.0
	if n > 1 {
		capacity = math.Round(size * math.Max(1.125, 0.875+0.25*math.Log(1e6)/math.Log(size)))
	}
	segs := math.Ceil(capacity / float64(segLen))
	segs = max(segs, 3)
	return int(segs) * int(segLen) * w
}
