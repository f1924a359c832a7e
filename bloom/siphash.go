package bloom

import (
	"encoding/binary"
	"math/bits"
)

// sipKey is a 128-bit SipHash key as its two little-endian halves.
type sipKey struct{ k0, k1 uint64 }

// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
// INDOCRYPT 2012): 64-bit adds, rotations and xors only, so the same code
// is fast in WebAssembly, which has 64-bit integer ops but no AES or SIMD
// hashing here.

const (
	sipC0 = 0x736f6d6570736575
	sipC1 = 0x646f72616e646f6d
	sipC2 = 0x6c7967656e657261
	sipC3 = 0x7465646279746573
)

func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13)
	v1 ^= v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16)
	v3 ^= v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21)
	v3 ^= v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17)
	v1 ^= v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}

// sum is SipHash-2-4 of msg.
func (k sipKey) sum(msg []byte) uint64 {
	v0, v1, v2, v3 := k.k0^sipC0, k.k1^sipC1, k.k0^sipC2, k.k1^sipC3
	n := len(msg)
	for len(msg) >= 8 {
		m := binary.LittleEndian.Uint64(msg)
		v3 ^= m
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= m
		msg = msg[8:]
	}
	last := uint64(n) << 56
	for i, c := range msg {
		last |= uint64(c) << (8 * i)
	}
	return k.finish(v0, v1, v2, v3, last)
}

// sum8 is SipHash-2-4 of the 8-byte little-endian encoding of m: the
// 64-bit band and probe path, without a byte slice.
func (k sipKey) sum8(m uint64) uint64 {
	v0, v1, v2, v3 := k.k0^sipC0, k.k1^sipC1, k.k0^sipC2, k.k1^sipC3
	v3 ^= m
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= m
	return k.finish(v0, v1, v2, v3, 8<<56)
}

func (sipKey) finish(v0, v1, v2, v3, last uint64) uint64 {
	v3 ^= last
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= last
	v2 ^= 0xff
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	return v0 ^ v1 ^ v2 ^ v3
}
