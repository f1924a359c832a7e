package release

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

func TestEntryID(t *testing.T) {
	// The id is pinned (python3: hashlib.sha256(b"hashgate-entry-v1\x00" +
	// bytes([4]) + bytes(range(16))).hexdigest()[:32]): match events and withdrawal files name entries by
	// it across releases and versions of hashgate.
	var md5 fingerprint.MD5Digest
	for i := range md5 {
		md5[i] = byte(i)
	}
	e := ListEntry{Kind: fingerprint.KindMD5, Value: md5[:]}
	if got, want := e.ID(), "md5-8a71b410aba520e026d99c2c68378307"; got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
	if !ValidEntryID(e.ID()) {
		t.Error("ValidEntryID refuses an id EntryID wrote")
	}
	for _, bad := range []string{"", "md5-", "md5-00AF99E71F51B8C48E5B7AE29D6A4BA2", "xyz-00af99e71f51b8c48e5b7ae29d6a4ba2",
		"md5-00af99e71f51b8c48e5b7ae29d6a4ba", "md5:00af99e71f51b8c48e5b7ae29d6a4ba2"} {
		if ValidEntryID(bad) {
			t.Errorf("ValidEntryID(%q) = true", bad)
		}
	}
	v, err := VideoValue("clip-7", []VideoFrame{{Quality: 90}})
	if err != nil {
		t.Fatal(err)
	}
	ve := ListEntry{Kind: fingerprint.KindVPDQ, Value: v}
	if ve.ID() != EntryID(fingerprint.KindVPDQ, []byte("clip-7")) {
		t.Error("a video's entry id is not that of its video id")
	}
}

func TestWithdrawalsRoundTrip(t *testing.T) {
	until := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	ws := []Withdrawal{
		{Entry: "pdq-0123456789abcdef0123456789abcdef", Reason: "false positive: meme template"},
		{Entry: "md5-00af99e71f51b8c48e5b7ae29d6a4ba2", Until: until, Reason: ""},
	}
	b, err := EncodeWithdrawals(ws)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := newWithdrawEncoder(ws)
	if enc.size != len(b) {
		t.Errorf("precomputed size %d, encoded %d", enc.size, len(b))
	}
	got, err := DecodeWithdrawals(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ws) {
		t.Errorf("round trip: %+v, want %+v", got, ws)
	}
	for i := range len(b) {
		if _, err := DecodeWithdrawals(b[:i]); !errors.Is(err, ErrWithdrawal) {
			t.Fatalf("truncated to %d bytes: %v", i, err)
		}
	}
	if _, err := EncodeWithdrawals([]Withdrawal{{Entry: "pdq:abc"}}); !errors.Is(err, ErrWithdrawal) {
		t.Errorf("bad entry id: %v", err)
	}
	now := until.Add(-time.Second)
	if !ws[0].Active(now) || !ws[1].Active(now) || ws[1].Active(until) {
		t.Error("Active: a withdrawal for good is always in force, a disablement until Until")
	}
}

func TestBuildAndDeltaWithdrawals(t *testing.T) {
	s := testSigner(t, 1)
	ek, err := GenerateEdgeKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a, b := fingerprint.MD5Digest{1}, fingerprint.MD5Digest{2}
	entries := []ListEntry{{Kind: fingerprint.KindMD5, Value: a[:]}, {Kind: fingerprint.KindMD5, Value: b[:]}}
	recips := []PublicKey{ek.Public()}
	wa := Withdrawal{Entry: entries[0].ID(), Reason: "fp"}
	base, err := Build(entries, BuildOptions{Version: 1, Created: now, Signer: s, Recipients: recips, Withdrawals: []Withdrawal{wa}})
	if err != nil {
		t.Fatal(err)
	}
	o := AcceptOptions{Trust: s.Trust(), Now: now, RequireList: true}
	rel, err := Accept(base, o)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rel.WithdrawalSet(ek)
	if err != nil || len(set) != 1 || set[wa.Entry] != wa {
		t.Fatalf("base withdrawals %v, %v", set, err)
	}
	// A withdrawal of nothing is refused.
	_, err = Build(entries, BuildOptions{Version: 1, Created: now, Signer: s, Recipients: recips,
		Withdrawals: []Withdrawal{{Entry: EntryID(fingerprint.KindMD5, make([]byte, 16)), Reason: "typo"}}})
	if !errors.Is(err, ErrUnknownEntry) {
		t.Errorf("withdrawal of an unlisted entry: %v", err)
	}
	// A delta that adds nothing but lifts wa early and disables b.
	lift := Withdrawal{Entry: wa.Entry, Until: now.Add(-time.Hour), Reason: "re-listed"}
	wb := Withdrawal{Entry: entries[1].ID(), Until: now.Add(24 * time.Hour), Reason: "under review"}
	d, added, err := Delta(base, rel, entries, entries, DeltaOptions{Signer: s, Recipients: recips, Created: now,
		Withdrawals: []Withdrawal{lift, wb}})
	if err != nil || added != 0 {
		t.Fatalf("delta: %d added, %v", added, err)
	}
	drel, err := Accept(d, AcceptOptions{Trust: s.Trust(), Now: now, RequireList: true, LastVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	set, err = drel.WithdrawalSet(ek)
	if err != nil {
		t.Fatal(err)
	}
	if set[wa.Entry] != lift || set[wb.Entry] != wb || set[wa.Entry].Active(now) || !set[wb.Entry].Active(now) {
		t.Errorf("delta withdrawals: %+v", set)
	}
	// Browsers do not need the withdrawals: without RequireList a bundle
	// lacking them is accepted.
	delete(d.Artifacts, drel.Manifest.ArtifactsByRole(RoleWithdrawals)[0].Name)
	if _, err := Accept(d, AcceptOptions{Trust: s.Trust(), Now: now, LastVersion: 1}); err != nil {
		t.Errorf("browser accept without the withdrawals: %v", err)
	}
}

func FuzzDecodeWithdrawals(f *testing.F) {
	b, _ := EncodeWithdrawals([]Withdrawal{
		{Entry: "pdq-0123456789abcdef0123456789abcdef", Reason: "fp"},
		{Entry: "md5-00af99e71f51b8c48e5b7ae29d6a4ba2", Until: time.Unix(1e9, 0)},
	})
	f.Add(b)
	f.Add([]byte("HGW1\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ws, err := DecodeWithdrawals(in)
		if err != nil {
			if !errors.Is(err, ErrWithdrawal) {
				t.Fatalf("error %v does not match ErrWithdrawal", err)
			}
			return
		}
		out, err := EncodeWithdrawals(ws)
		if err != nil {
			t.Fatalf("decoded withdrawals do not encode: %v", err)
		}
		again, err := DecodeWithdrawals(out)
		if err != nil || !reflect.DeepEqual(again, ws) {
			t.Fatalf("re-encoding changed the set: %v", err)
		}
	})
}
