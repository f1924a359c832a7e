package bloom_test

import (
	"testing"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
)

// TestKinds pins bloom.Type to fingerprint.Kind: callers convert with
// bloom.Type(kind), so every type with filter keys must be the kind of the
// same number and take values of the same length. A kind bloom does not
// key (dhash, ahash) has ValueLen 0 here.
func TestKinds(t *testing.T) {
	for _, c := range []struct {
		ty   bloom.Type
		kind fingerprint.Kind
	}{
		{bloom.TypePDQ, fingerprint.KindPDQ},
		{bloom.TypePHash, fingerprint.KindPHash},
		{bloom.TypeSHA256, fingerprint.KindSHA256},
		{bloom.TypeMD5, fingerprint.KindMD5},
	} {
		if uint8(c.ty) != uint8(c.kind) {
			t.Errorf("bloom type %d stands for fingerprint kind %v (%d)", c.ty, c.kind, c.kind)
		}
	}
	for ty := 0; ty < 256; ty++ {
		n := bloom.Type(ty).ValueLen()
		if n == 0 {
			continue
		}
		if k := fingerprint.Kind(ty); k.ValueLen() != n {
			t.Errorf("bloom type %d takes %d-byte values, fingerprint kind %v %d", ty, n, k, k.ValueLen())
		}
	}
}
