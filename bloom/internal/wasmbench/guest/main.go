//go:build wasip1

// Command guest is the look-up side of package bloom built for wasip1, so
// the wasmbench tests can run it in wazero: the same Load, Contains and
// QueryKeys the checker's module runs, with nothing else around them.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o guest.wasm .
package main

//lint:file-ignore U1000 the host calls these through //go:wasmexport, which staticcheck does not follow.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"unsafe"

	"github.com/hashgate/hashgate/bloom"
)

func main() {}

var (
	scratch []byte       // the buffer the host last asked for
	filter  bloom.Filter // loaded from a scratch buffer, which it keeps
	probes  []bloom.Key
	keyer   *bloom.Keyer
)

// alloc makes an n-byte buffer for the host to write into and returns its
// address in linear memory.
//
//go:wasmexport alloc
func alloc(n uint32) uint32 {
	scratch = make([]byte, n)
	if n == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&scratch[0])))
}

// load parses the filter the host wrote into the buffer; 0 means success.
//
//go:wasmexport load
func load() uint32 {
	f, err := bloom.Load(scratch)
	if err != nil {
		return 1
	}
	filter = f
	if probes == nil {
		// The same probe stream as the native benchmark: 2^20 keys.
		probes = make([]bloom.Key, 1<<20)
		s := uint64(99)
		for i := range probes {
			s += 0x9e3779b97f4a7c15
			z := (s ^ s>>30) * 0xbf58476d1ce4e5b9
			z = (z ^ z>>27) * 0x94d049bb133111eb
			probes[i] = bloom.Key(z ^ z>>31)
		}
	}
	return 0
}

// answer replaces each little-endian key in the buffer's first 8n bytes by
// one byte, 1 if the filter contains it, so the host can compare answers.
//
//go:wasmexport answer
func answer(n uint32) {
	for i := range n {
		k := bloom.Key(binary.LittleEndian.Uint64(scratch[8*i:]))
		scratch[i] = 0
		if filter.Contains(k) {
			scratch[i] = 1
		}
	}
}

// lookups runs count look-ups of the probe stream and returns the hits.
//
//go:wasmexport lookups
func lookups(count uint32) uint32 {
	hits := uint32(0)
	for i := range count {
		if filter.Contains(probes[i&(1<<20-1)]) {
			hits++
		}
	}
	return hits
}

// querykeys derives one PDQ hash's query keys count times under the
// default layout and returns the number of keys of the last.
//
//go:wasmexport querykeys
func querykeys(count uint32) uint32 {
	if keyer == nil {
		k, err := bloom.NewKeyer([32]byte{1}, bloom.DefaultLayout)
		if err != nil {
			return 0
		}
		keyer = k
	}
	v := make([]byte, 32)
	dst := make([]bloom.Key, 0, 512)
	for i := range count {
		v[0] = byte(i)
		dst = keyer.QueryKeys(bloom.TypePDQ, v, dst[:0])
	}
	return uint32(len(dst))
}

// hmackeys computes count HMAC-SHA256 tags of 8-byte messages: the keyed
// hash the PRF was compared with.
//
//go:wasmexport hmackeys
func hmackeys(count uint32) uint32 {
	mac := hmac.New(sha256.New, make([]byte, 32))
	var msg [8]byte
	var sum []byte
	for i := range count {
		msg[0] = byte(i)
		mac.Reset()
		mac.Write(msg[:])
		sum = mac.Sum(sum[:0])
	}
	return uint32(sum[0])
}
