package bloom

import (
	"encoding/binary"
	"math"
	"math/bits"

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
	t := f.table
	if f.width == 1 {
		return uint8(fp)^t[h0]^t[h1]^t[h2] == 0
	}
	return uint16(fp)^binary.LittleEndian.Uint16(t[2*h0:])^
		binary.LittleEndian.Uint16(t[2*h1:])^binary.LittleEndian.Uint16(t[2*h2:]) == 0
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
	f.setParams(seed, segLen, segCount)
	return f, nil
}

func (f *Fuse) setParams(seed uint64, segLen, segCount uint32) {
	f.seed, f.segLen, f.segCount = seed, segLen, segCount
	f.segMask = segLen - 1
	f.segCountLen = segCount * segLen
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
