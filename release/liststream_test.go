package release

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func collect(dst *[]ListEntry) func(ListEntry) error {
	return func(e ListEntry) error {
		*dst = append(*dst, e)
		return nil
	}
}

// TestDecryptListStreaming: the streaming forms yield exactly DecryptList's
// entries in order; DecryptListFunc leaves the ciphertext alone and
// DecryptListInPlace leaves the plaintext list in it; an error from fn
// stops the walk and comes back as it is; a list that does not
// authenticate or is not for this key reaches fn with nothing.
func TestDecryptListStreaming(t *testing.T) {
	e1, _ := newEdgeKey([32]byte{1})
	e2, _ := newEdgeKey([32]byte{2})
	entries := SortList(testEntries(2000, 11))
	ct, err := EncryptList(entries, []PublicKey{e1.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := DecryptList(ct, e1)
	if err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(ct)

	var got []ListEntry
	if err := DecryptListFunc(ct, e1, collect(&got)); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecryptListFunc: %d entries, %v", len(got), err)
	}
	if !bytes.Equal(ct, orig) {
		t.Fatal("DecryptListFunc changed the ciphertext")
	}

	inPlace := bytes.Clone(ct)
	got = nil
	if err := DecryptListInPlace(inPlace, e1, collect(&got)); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecryptListInPlace: %d entries, %v", len(got), err)
	}
	h, _ := parseCryptHeader(orig)
	plain, _ := EncodeList(entries)
	if !bytes.Equal(inPlace[h.end:h.end+len(plain)], plain) {
		t.Fatal("DecryptListInPlace did not leave the plaintext list in the buffer")
	}
	before := bytes.Clone(got[0].Value)
	for i := range inPlace {
		inPlace[i] ^= 0xff
	}
	if bytes.Equal(got[0].Value, before) {
		t.Error("entry values do not alias the decrypted buffer")
	}

	stop := errors.New("stop")
	n := 0
	err = DecryptListFunc(ct, e1, func(ListEntry) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if err != stop || n != 10 {
		t.Fatalf("fn's error: got %v after %d calls", err, n)
	}

	tampered := bytes.Clone(ct)
	tampered[len(tampered)-1] ^= 1
	for name, tc := range map[string]struct {
		ct  []byte
		key *EdgePrivateKey
	}{"tampered": {tampered, e1}, "other key": {ct, e2}, "no key": {ct, nil}, "truncated": {ct[:50], e1}} {
		for _, f := range []func([]byte, *EdgePrivateKey, func(ListEntry) error) error{DecryptListFunc, DecryptListInPlace} {
			calls := 0
			err := f(bytes.Clone(tc.ct), tc.key, func(ListEntry) error { calls++; return nil })
			if !errors.Is(err, ErrList) || calls != 0 {
				t.Errorf("%s: %v after %d entries", name, err, calls)
			}
		}
	}
}

// TestRelease.EntriesFunc: a delta release streams the same entries as
// Release.Entries, base first, and is consumed.
func TestReleaseEntriesFunc(t *testing.T) {
	s := testSigner(t, 1)
	edge, _ := newEdgeKey([32]byte{4})
	fx := newDeltaFixture(t, s, edge, testEntries(3000, 42), 2500)
	rel, err := Accept(fx.delta, fx.opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel.ListDeltas) == 0 {
		t.Fatal("fixture has no list delta")
	}
	want, err := rel.Entries(edge)
	if err != nil {
		t.Fatal(err)
	}
	var got []ListEntry
	if err := rel.EntriesFunc(edge, collect(&got)); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Release.EntriesFunc: %d entries (want %d), %v", len(got), len(want), err)
	}
	if rel.List != nil || rel.ListDeltas != nil {
		t.Error("the release still holds its lists")
	}
	if err := rel.EntriesFunc(edge, collect(&got)); err == nil {
		t.Error("a consumed release streamed again")
	}
}
