package release

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
)

func TestListRoundTrip(t *testing.T) {
	entries := SortList(testEntries(300, 1))
	entries[0].Labels = nil
	entries[1].Source = ""
	b, err := EncodeList(entries)
	if err != nil {
		t.Fatal(err)
	}
	if enc, _ := newListEncoder(entries); enc.size != len(b) {
		t.Fatalf("precomputed size %d, encoded %d bytes", enc.size, len(b))
	}
	got, err := DecodeList(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, entries) {
		t.Fatal("DecodeList(EncodeList(x)) != x")
	}
	// Every truncation is refused, never a panic.
	for i := range len(b) {
		if _, err := DecodeList(b[:i]); !errors.Is(err, ErrList) {
			t.Fatalf("truncated to %d bytes: %v", i, err)
		}
	}
}

func TestDecodeListHostileCounts(t *testing.T) {
	tests := map[string][]byte{
		"huge string count": append([]byte(listMagic), 0xff, 0xff, 0xff, 0xff, 0x0f),
		"huge entry count":  append([]byte(listMagic), 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"unknown kind":      append([]byte(listMagic), 0x00, 0x01, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		"bad magic":         []byte("HGL3"),
		"trailing bytes":    append([]byte(listMagic), 0x00, 0x00, 0x00),
	}
	for name, b := range tests {
		if _, err := DecodeList(b); !errors.Is(err, ErrList) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestEncryptList(t *testing.T) {
	e1, _ := newEdgeKey([32]byte{1})
	e2, _ := newEdgeKey([32]byte{2})
	e3, _ := newEdgeKey([32]byte{3})
	entries := SortList(testEntries(100, 2))
	ct, err := EncryptList(entries, []PublicKey{e1.Public(), e2.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*EdgePrivateKey{e1, e2} {
		got, err := DecryptList(ct, k)
		if err != nil || !reflect.DeepEqual(got, entries) {
			t.Fatalf("recipient %s: %v", k.Public().ID(), err)
		}
	}
	if _, err := DecryptList(ct, e3); !errors.Is(err, ErrList) {
		t.Errorf("non-recipient opened the list: %v", err)
	}
	ids, _ := ListRecipients(ct)
	if len(ids) != 2 || ids[0] != e1.Public().ID() {
		t.Errorf("recipients %v", ids)
	}
	// Any flipped byte is detected (header bytes via the GCM aad).
	for _, i := range []int{5, 20, 40, len(ct) / 2, len(ct) - 1} {
		bad := bytes.Clone(ct)
		bad[i] ^= 1
		if _, err := DecryptList(bad, e1); err == nil {
			t.Errorf("flip at %d not detected", i)
		}
	}
	k2, err := ParseEdgeKey(e2.MarshalPrivate())
	if err != nil || k2.Public().ID() != e2.Public().ID() {
		t.Errorf("edge key file round trip: %v", err)
	}
}

// TestDelta100k: a delta release (base + delta filter) answers for every
// entry of the new list exactly as a full build of the new list does, and
// its edge list (base list + list delta) equals the new list.
func TestDelta100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k-entry build")
	}
	s := testSigner(t, 1)
	edge, _ := newEdgeKey([32]byte{4})
	all := testEntries(100_000, 42)
	oldEntries := append([]ListEntry(nil), all[:90_000]...)
	newEntries := append([]ListEntry(nil), all...)
	fx := newDeltaFixture(t, s, edge, all, 90_000)
	bo, opts, base, baseRel, delta := fx.bo, fx.opts, fx.base, fx.baseRel, fx.delta
	if fx.added != 10_000 {
		t.Fatalf("added = %d, want 10000", fx.added)
	}
	dRel, err := Accept(delta, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(dRel.Filters.Deltas) != 1 || dRel.Manifest.Previous != baseRel.Digest {
		t.Fatalf("delta release: %d deltas, previous %x", len(dRel.Filters.Deltas), dRel.Manifest.Previous)
	}
	bo.Version = 2
	full, err := Build(append([]ListEntry(nil), newEntries...), bo)
	if err != nil {
		t.Fatal(err)
	}
	opts.LastVersion = 0
	fullRel, err := Accept(full, opts)
	if err != nil {
		t.Fatal(err)
	}
	var dk, fk []bloom.Key
	for _, e := range newEntries {
		dk = FilterKeys(dRel.Keyer, []ListEntry{e}, dk[:0])
		fk = FilterKeys(fullRel.Keyer, []ListEntry{e}, fk[:0])
		if d, f := dRel.Filters.ContainsAny(dk), fullRel.Filters.ContainsAny(fk); d != f || !d {
			t.Fatalf("%s %x: base+delta says %v, full build says %v", e.Kind, e.Value, d, f)
		}
	}
	got, err := dRel.Entries(edge)
	if err != nil {
		t.Fatal(err)
	}
	want := SortList(append([]ListEntry(nil), newEntries...))
	if !reflect.DeepEqual(SortList(got), want) {
		t.Errorf("base list + list delta differs from the new list")
	}
	// Removing an entry cannot be a delta.
	if _, _, err := Delta(base, baseRel, oldEntries, all[1:90_000], DeltaOptions{Signer: s, Recipients: []PublicKey{edge.Public()}}); !errors.Is(err, ErrRemoval) {
		t.Errorf("removal accepted as a delta: %v", err)
	}
}

func FuzzDecodeList(f *testing.F) {
	b, _ := EncodeList(SortList(testEntries(20, 3)))
	f.Add(b)
	if seed, err := os.ReadFile(filepath.Join("testdata", "list-20.bin")); err == nil {
		f.Add(seed)
	}
	f.Add([]byte(listMagic))
	b, _ = EncodeList(SortList(append(testEntries(5, 4), videoEntry(f, "v", testFrames(3, 2)))))
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := DecodeList(b)
		var streamed []ListEntry
		serr := DecodeListFunc(b, func(e ListEntry) error { streamed = append(streamed, e); return nil })
		if (err == nil) != (serr == nil) {
			t.Fatalf("DecodeList: %v, DecodeListFunc: %v", err, serr)
		}
		if err != nil {
			if !errors.Is(err, ErrList) || !errors.Is(serr, ErrList) {
				t.Fatalf("errors %v, %v do not match ErrList", err, serr)
			}
			return
		}
		if len(entries) > 0 && !reflect.DeepEqual(streamed, entries) {
			t.Fatal("DecodeListFunc's entries differ from DecodeList's")
		}
		again, err := EncodeList(entries)
		if err != nil {
			t.Fatalf("decoded list does not encode: %v", err)
		}
		back, err := DecodeList(again)
		if err != nil || !reflect.DeepEqual(back, entries) {
			t.Fatalf("re-encoded list differs: %v", err)
		}
	})
}

func FuzzDecryptList(f *testing.F) {
	k, _ := newEdgeKey([32]byte{1})
	ct, _ := EncryptList(testEntries(5, 1), []PublicKey{k.Public()}, nil)
	f.Add(ct)
	f.Add(ct[:40])
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := DecryptList(b, k)
		if err != nil && !errors.Is(err, ErrList) {
			t.Fatalf("error %v does not match ErrList", err)
		}
		ListRecipients(b)
		// The streaming forms agree, the in-place one on its own copy.
		for _, f := range []func([]byte, *EdgePrivateKey, func(ListEntry) error) error{DecryptListFunc, DecryptListInPlace} {
			var streamed []ListEntry
			serr := f(bytes.Clone(b), k, func(e ListEntry) error { streamed = append(streamed, e); return nil })
			if (err == nil) != (serr == nil) || serr != nil && !errors.Is(serr, ErrList) {
				t.Fatalf("DecryptList: %v, streaming: %v", err, serr)
			}
			if err == nil && len(entries) > 0 && !reflect.DeepEqual(streamed, entries) {
				t.Fatal("streamed entries differ from DecryptList's")
			}
		}
	})
}

// TestSortEntries checks the prefix sort against a plain sort (values that
// share long prefixes, all kinds, duplicates).
func TestSortEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	var entries []ListEntry
	for i := range 5000 {
		k := []fingerprint.Kind{fingerprint.KindPDQ, fingerprint.KindMD5, fingerprint.KindPHash, fingerprint.KindSHA256}[i%4]
		v := make([]byte, k.ValueLen())
		v[len(v)-1] = byte(r.IntN(8)) // long shared prefixes, many exact repeats
		if r.IntN(2) == 0 {
			v[0] = byte(r.IntN(3))
		}
		entries = append(entries, ListEntry{Kind: k, Value: v, Source: strconv.Itoa(i)})
	}
	want := slices.Clone(entries)
	slices.SortStableFunc(want, func(a, b ListEntry) int {
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return bytes.Compare(a.Value, b.Value)
	})
	got := slices.Clone(entries)
	sortEntries(got)
	for i := range got {
		if got[i].Kind != want[i].Kind || !bytes.Equal(got[i].Value, want[i].Value) {
			t.Fatalf("position %d: %v %x, want %v %x", i, got[i].Kind, got[i].Value, want[i].Kind, want[i].Value)
		}
	}
	// Every entry is still there exactly once (the permutation lost none).
	seen := map[string]bool{}
	for _, e := range got {
		seen[e.Source] = true
	}
	if len(seen) != len(entries) {
		t.Errorf("%d distinct entries after sorting, want %d", len(seen), len(entries))
	}
}

// deltaFixture is where the delta tests start: a full release of the first
// entries, accepted, and a delta from it to the whole list, not yet accepted.
type deltaFixture struct {
	bo      BuildOptions  // the base's options (Version 1)
	opts    AcceptOptions // LastVersion 1: ready for the delta
	base    *Bundle
	baseRel *Release
	delta   *Bundle
	added   int
}

func newDeltaFixture(t *testing.T, s *Signer, edge *EdgePrivateKey, all []ListEntry, nOld int) deltaFixture {
	t.Helper()
	oldEntries := append([]ListEntry(nil), all[:nOld]...)
	bo := BuildOptions{Version: 1, Created: testNow, TTL: 48 * time.Hour, Signer: s, Recipients: []PublicKey{edge.Public()}}
	base, err := Build(oldEntries, bo)
	if err != nil {
		t.Fatal(err)
	}
	opts := AcceptOptions{Trust: s.Trust(), Now: testNow, RequireList: true}
	baseRel, err := Accept(base, opts)
	if err != nil {
		t.Fatal(err)
	}
	delta, added, err := Delta(base, baseRel, oldEntries, append([]ListEntry(nil), all...),
		DeltaOptions{Created: testNow, Signer: s, Recipients: []PublicKey{edge.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	opts.LastVersion = 1
	return deltaFixture{bo: bo, opts: opts, base: base, baseRel: baseRel, delta: delta, added: added}
}
