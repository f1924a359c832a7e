package match

import (
	"errors"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// TestKinds pins the index's stores to fingerprint.Kind: every kind the
// index holds comes back from Match as that kind, and every other kind
// fingerprint knows is refused with ErrKind. A kind added to fingerprint
// fails here until the index holds it (or this test says it must not).
func TestKinds(t *testing.T) {
	held := map[fingerprint.Kind]func(v byte) (Entry, Query){
		fingerprint.KindPDQ: func(v byte) (Entry, Query) {
			h := fingerprint.PDQHash{0: v}
			return Entry{PDQ: h}, Query{PDQ: &h, PDQQuality: 100}
		},
		fingerprint.KindPHash: func(v byte) (Entry, Query) {
			h := fingerprint.Hash64(v)
			return Entry{Hash64: h}, Query{PHash: &h}
		},
		fingerprint.KindDHash: func(v byte) (Entry, Query) {
			h := fingerprint.Hash64(v)
			return Entry{Hash64: h}, Query{DHash: &h}
		},
		fingerprint.KindAHash: func(v byte) (Entry, Query) {
			h := fingerprint.Hash64(v)
			return Entry{Hash64: h}, Query{AHash: &h}
		},
		fingerprint.KindSHA256: func(v byte) (Entry, Query) {
			d := fingerprint.SHA256Digest{0: v}
			return Entry{SHA256: d}, Query{SHA256: &d}
		},
		fingerprint.KindMD5: func(v byte) (Entry, Query) {
			d := fingerprint.MD5Digest{0: v}
			return Entry{MD5: d}, Query{MD5: &d}
		},
	}
	for _, k := range fingerprint.Kinds() {
		mk, ok := held[k]
		if !ok {
			if _, err := NewIndex([]Entry{{Kind: k}}, DefaultOptions()); !errors.Is(err, ErrKind) {
				t.Errorf("kind %v: NewIndex = %v, want ErrKind (or add the kind to this test)", k, err)
			}
			continue
		}
		e, q := mk(0xa5)
		e.Kind = k
		ix, err := NewIndex([]Entry{e}, DefaultOptions())
		if err != nil {
			t.Fatalf("kind %v: %v", k, err)
		}
		rs := ix.Match(q)
		if len(rs) != 1 || rs[0].Kind != k || rs[0].Entry.Kind != k {
			t.Errorf("kind %v: Match = %+v, want one result of kind %v", k, rs, k)
		}
	}
}
