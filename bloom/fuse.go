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
// github.com/FastFilter/xorfilter builds it; Contains here repeats that
// library's look-up (seeded murmur64 finaliser, three positions in adjacent
// segments) over the little-endian table bytes, so a loaded filter needs no
// copy. Immutable.
type Fuse struct {
	seed        uint64
	segLen      uint32
	segMask     uint32
	segCountLen uint32 // segment count * segment length
	segCount    uint32
	width       int    // bytes per fingerprint: 1 or 2
	table       []byte // (segCount+2) * segLen fingerprints
	n           uint64
	keyID       [8]byte
}

// Contains reports whether k may be in the set.
func (f *Fuse) Contains(k Key) bool {
	if f.n == 0 {
		return false // an empty table would answer 1/2^w of everything
	}
	h := mix(uint64(k) + f.seed)
	hi, _ := bits.Mul64(h, uint64(f.segCountLen))
	h0 := uint32(hi)
	h1 := h0 + f.segLen
	h2 := h1 + f.segLen
	h1 ^= uint32(h>>18) & f.segMask
	h2 ^= uint32(h) & f.segMask
	fp := h ^ h>>32
	// No bounds checks: h0 < segCount·segLen, and h1, h2 stay inside the
	// next two segments (segLen is a power of two, so the XOR only changes
	// the offset within one), so all three are below (segCount+2)·segLen,
	// the table's length in entries, which setParams' callers guarantee.
	// At 1e7 keys the checks cost a third of a look-up.
	t := unsafe.Pointer(unsafe.SliceData(f.table))
	if f.width == 1 {
		return uint8(fp)^*(*uint8)(unsafe.Add(t, h0))^*(*uint8)(unsafe.Add(t, h1))^*(*uint8)(unsafe.Add(t, h2)) == 0
	}
	return uint16(fp)^le16(t, h0)^le16(t, h1)^le16(t, h2) == 0
}

// le16 reads fingerprint i of a 16-bit table: one load on little-endian
// hosts, and correct on the others.
func le16(t unsafe.Pointer, i uint32) uint16 {
	return binary.LittleEndian.Uint16((*[2]byte)(unsafe.Add(t, 2*uintptr(i)))[:])
}

// mix is the murmur3 64-bit finaliser, the library's key hash.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
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
	f := &Fuse{n: uint64(len(uniq)), keyID: keyID, width: 1}
	if kind == KindBinaryFuse16 {
		f.width = 2
	}
	if len(uniq) == 0 {
		return f, nil
	}
	// The library mutates its input and wants []uint64; uniq is ours.
	keys := make([]uint64, len(uniq))
	for i, k := range uniq {
		keys[i] = uint64(k)
	}
	var seed uint64
	var segLen, segCount uint32
	if kind == KindBinaryFuse8 {
		lf, err := xorfilter.NewBinaryFuse[uint8](keys)
		if err != nil {
			return nil, wrap(ErrOptions, "bloom: binary fuse build failed: "+err.Error())
		}
		seed, segLen, segCount = lf.Seed, lf.SegmentLength, lf.SegmentCount
		f.table = append([]byte(nil), lf.Fingerprints...)
	} else {
		lf, err := xorfilter.NewBinaryFuse[uint16](keys)
		if err != nil {
			return nil, wrap(ErrOptions, "bloom: binary fuse build failed: "+err.Error())
		}
		seed, segLen, segCount = lf.Seed, lf.SegmentLength, lf.SegmentCount
		f.table = make([]byte, 2*len(lf.Fingerprints))
		for i, v := range lf.Fingerprints {
			binary.LittleEndian.PutUint16(f.table[2*i:], v)
		}
	}
	if err := f.setParams(seed, segLen, segCount); err != nil {
		return nil, err
	}
	return f, nil
}

// setParams records the look-up parameters after checking the invariant
// Contains relies on instead of bounds checks: segLen is a power of two and
// f.table holds exactly (segCount+2)·segLen entries, fewer than 2^32.
func (f *Fuse) setParams(seed uint64, segLen, segCount uint32) error {
	entries := (uint64(segCount) + 2) * uint64(segLen)
	if segLen == 0 || segLen&(segLen-1) != 0 || segCount == 0 || entries > 1<<32 ||
		uint64(len(f.table)) != entries*uint64(f.width) {
		return wrap(ErrFormat, "bloom: binary fuse parameters do not match the table")
	}
	f.seed, f.segLen, f.segCount = seed, segLen, segCount
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
