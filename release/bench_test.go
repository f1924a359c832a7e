package release

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkAccept is what a client pays per update: parse, two signature
// checks, SHA-256 of every artifact, filter load. With the list (an edge),
// the SHA-256 covers the encrypted list too.
func BenchmarkAccept(b *testing.B) {
	s := testSigner(b, 1)
	edge, _ := newEdgeKey([32]byte{2})
	for _, n := range []int{10_000, 1_000_000} {
		bundle, err := Build(testEntries(n, 1), BuildOptions{Version: 1, Created: testNow, TTL: time.Hour,
			Signer: s, Recipients: []PublicKey{edge.Public()}})
		if err != nil {
			b.Fatal(err)
		}
		for _, edgeSide := range []bool{false, true} {
			name := fmt.Sprintf("entries=%d/browser", n)
			if edgeSide {
				name = fmt.Sprintf("entries=%d/edge", n)
			}
			bb := bundle
			if !edgeSide {
				bb = cloneBundle(bundle)
				delete(bb.Artifacts, artifactOf(b, bb, RoleList))
			}
			b.Run(name, func(b *testing.B) {
				o := AcceptOptions{Trust: s.Trust(), Now: testNow, RequireList: edgeSide}
				for b.Loop() {
					if _, err := Accept(bb, o); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("entries=%d/decrypt-list", n), func(b *testing.B) {
			r, _ := Accept(bundle, AcceptOptions{Trust: s.Trust(), Now: testNow, RequireList: true})
			for b.Loop() {
				if _, err := DecryptList(r.List, edge); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSortList(b *testing.B) {
	for _, n := range []int{100_000, 2_100_000} {
		src := testEntries(n, 9)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			work := make([]ListEntry, n)
			for b.Loop() {
				copy(work, src)
				SortList(work)
			}
		})
	}
}

// BenchmarkDecryptListForms is an edge loading its list three ways: the
// whole []ListEntry (DecryptList), streaming from one new plaintext buffer
// (DecryptListFunc), and streaming from the ciphertext decrypted in place
// (DecryptListInPlace). Each entry is visited, as an index builder would.
// B/op is what one load allocates; peak-heap-B is the most live heap seen
// above what was live before (ReadMemStats every 2^16 entries and at the
// end), the figure an edge's reload peak is made of.
func BenchmarkDecryptListForms(b *testing.B) {
	edge, _ := newEdgeKey([32]byte{2})
	for _, n := range []int{100_000, 1_000_000} {
		ct, err := EncryptList(testEntries(n, 1), []PublicKey{edge.Public()}, nil)
		if err != nil {
			b.Fatal(err)
		}
		work := make([]byte, len(ct))
		forms := []struct {
			name string
			load func(visit func(ListEntry) error) error
		}{
			{"slice", func(visit func(ListEntry) error) error {
				entries, err := DecryptList(ct, edge)
				for _, e := range entries {
					visit(e)
				}
				return err
			}},
			{"func", func(visit func(ListEntry) error) error { return DecryptListFunc(ct, edge, visit) }},
			{"in-place", func(visit func(ListEntry) error) error { return DecryptListInPlace(work, edge, visit) }},
		}
		for _, f := range forms {
			b.Run(fmt.Sprintf("entries=%d/%s", n, f.name), func(b *testing.B) {
				b.ReportAllocs()
				var peak uint64
				for b.Loop() {
					b.StopTimer()
					copy(work, ct)
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					base := ms.HeapAlloc
					b.StartTimer()
					i := 0
					sample := func() {
						runtime.ReadMemStats(&ms)
						if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
							peak = ms.HeapAlloc - base
						}
					}
					err := f.load(func(ListEntry) error {
						if i++; i%(1<<16) == 0 {
							sample()
						}
						return nil
					})
					sample()
					if err != nil || i != n {
						b.Fatalf("%d entries, %v", i, err)
					}
				}
				b.ReportMetric(float64(peak), "peak-heap-B")
			})
		}
	}
}
