package bloom

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// crc32c is hash/crc32's Castagnoli checksum, bit for bit.
func TestCRC32C(t *testing.T) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 130 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if got, want := crc32c(b), crc32.Checksum(b, tab); got != want {
			t.Fatalf("crc32c of %d bytes = %08x, want %08x", n, got, want)
		}
	}
	if got := crc32c([]byte("123456789")); got != 0xe3069283 {
		t.Fatalf("crc32c check value %08x, want e3069283", got)
	}
}
