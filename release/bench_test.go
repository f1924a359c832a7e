package release

import (
	"fmt"
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
