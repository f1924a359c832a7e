// Package wasmbench runs package bloom's look-up code compiled to wasip1
// inside wazero, the runtime hashgate tests its checker with: the filter
// must answer in WebAssembly exactly as it does natively, and its speed
// there is measured here.
package wasmbench

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/internal/testenv"
)

// guest is one instance of the module built from ./guest.
type guest struct{ *testenv.WasmGuest }

func newGuest(t testing.TB) *guest { return &guest{testenv.NewWasmGuest(t, "./guest")} }

func (g *guest) load(t testing.TB, f bloom.Filter) {
	b, err := bloom.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	g.Write(t, b)
	if g.Call(t, "load") != 0 {
		t.Fatal("the guest refused a filter the host accepts")
	}
}

func randomKeys(n int, seed uint64) []bloom.Key {
	r := rand.New(rand.NewPCG(seed, 3))
	keys := make([]bloom.Key, n)
	for i := range keys {
		keys[i] = bloom.Key(r.Uint64())
	}
	return keys
}

var kinds = []bloom.Kind{bloom.KindSplitBlock, bloom.KindBinaryFuse8, bloom.KindBinaryFuse16}

func rate(k bloom.Kind) float64 {
	if k == bloom.KindBinaryFuse8 {
		return 1.0 / 256
	}
	return bloom.DefaultFPR
}

// TestWasmAnswersLikeNative: 1M probe keys (a tenth of them inserted) get
// the same answer from the filter in wazero as natively.
func TestWasmAnswersLikeNative(t *testing.T) {
	g := newGuest(t)
	keys := randomKeys(100_000, 1)
	probes := append(randomKeys(900_000, 2), keys...)
	const chunk = 1 << 16
	for _, kind := range kinds {
		f, err := bloom.Build(keys, bloom.BuildOptions{Kind: kind, TargetFPR: rate(kind)})
		if err != nil {
			t.Fatal(err)
		}
		g.load(t, f)
		hits := 0
		buf := make([]byte, 8*chunk)
		for i := 0; i < len(probes); i += chunk {
			part := probes[i:min(i+chunk, len(probes))]
			for j, k := range part {
				binary.LittleEndian.PutUint64(buf[8*j:], uint64(k))
			}
			ptr := g.Write(t, buf[:8*len(part)])
			g.Call(t, "answer", uint64(len(part)))
			got, ok := g.Mod.Memory().Read(ptr, uint32(len(part)))
			if !ok {
				t.Fatal("read outside guest memory")
			}
			for j, k := range part {
				if (got[j] == 1) != f.Contains(k) {
					t.Fatalf("%v: key %#x: wasm says %d, native %v", kind, k, got[j], f.Contains(k))
				}
				hits += int(got[j])
			}
		}
		if hits < len(keys) {
			t.Fatalf("%v: %d hits in wasm, fewer than the %d inserted keys", kind, hits, len(keys))
		}
	}
}

// BenchmarkWasmContains is bloom's BenchmarkContains inside wazero.
func BenchmarkWasmContains(b *testing.B) {
	g := newGuest(b)
	for _, s := range []struct {
		name string
		n    int
	}{{"1e5", 100_000}, {"1e6", 1_000_000}, {"1e7", 10_000_000}} {
		keys := randomKeys(s.n, 1)
		for _, kind := range kinds {
			f, err := bloom.Build(keys, bloom.BuildOptions{Kind: kind, TargetFPR: rate(kind)})
			if err != nil {
				b.Fatal(err)
			}
			g.load(b, f)
			b.Run("kind="+kind.String()+"/n="+s.name, func(b *testing.B) {
				timed(b, func() { g.Call(b, "lookups", uint64(b.N)) })
			})
		}
	}
}

// BenchmarkWasmQueryKeys derives one PDQ hash's 260 query keys (default
// layout) inside wazero; BenchmarkWasmHMAC is the keyed-hash alternative,
// per key.
func BenchmarkWasmQueryKeys(b *testing.B) {
	g := newGuest(b)
	b.Run("layout=4x64+p1", func(b *testing.B) { timed(b, func() { g.Call(b, "querykeys", uint64(b.N)) }) })
}

func BenchmarkWasmHMAC(b *testing.B) {
	g := newGuest(b)
	b.Run("hmac-sha256/len=8", func(b *testing.B) { timed(b, func() { g.Call(b, "hmackeys", uint64(b.N)) }) })
}

// timed runs f (b.N operations in one guest call) on a locked thread and
// reports its CPU time per op beside the wall time: on a shared machine
// wall time also counts the time other processes held the core.
func timed(b *testing.B, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	t0 := testenv.ThreadCPU()
	f()
	testenv.ReportThreadCPU(b, t0)
}
