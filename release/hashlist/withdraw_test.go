package hashlist

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

func TestParseWithdrawals(t *testing.T) {
	md5 := "000102030405060708090a0b0c0d0e0f"
	in := "# withdrawals for release 42\n" +
		"md5-8a71b410aba520e026d99c2c68378307\t-\tfalse positive: meme template\n" +
		"\n" +
		"md5:" + strings.ToUpper(md5) + "  2027-01-02T03:04:05Z   under review, ticket 7\n" +
		"vpdq:clip-7 2027-02-01 appeal granted\n"
	ws, err := ParseWithdrawals(strings.NewReader(in), "w.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []release.Withdrawal{
		{Entry: "md5-8a71b410aba520e026d99c2c68378307", Reason: "false positive: meme template"},
		{Entry: "md5-8a71b410aba520e026d99c2c68378307", Until: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), Reason: "under review, ticket 7"},
		{Entry: release.EntryID(fingerprint.KindVPDQ, []byte("clip-7")), Until: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), Reason: "appeal granted"},
	}
	if len(ws) != len(want) {
		t.Fatalf("%d withdrawals, want %d", len(ws), len(want))
	}
	for i := range want {
		if ws[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, ws[i], want[i])
		}
	}
	for _, bad := range []string{
		"md5:" + md5 + " -",                // no reason
		"md5:" + md5,                       // no until
		"md5:" + md5[:30] + " - r",         // short hash
		"sha1:" + md5 + " - r",             // unknown type
		"pdq-0123 - r",                     // neither form
		"md5:" + md5 + " tomorrow r",       // bad time
		"md5:" + md5 + " 1969-01-01 r",     // before the epoch
		strings.Repeat("x", 5000) + " - r", // over the line limit
	} {
		_, err := ParseWithdrawals(strings.NewReader(bad+"\n"), "w.txt")
		if !errors.Is(err, ErrWithdrawFile) {
			t.Errorf("%.40q: err %v, want ErrWithdrawFile", bad, err)
		}
	}
	_, err = ParseWithdrawals(strings.NewReader("\n\nmd5:"+md5+" -\n"), "w.txt")
	if err == nil || !strings.Contains(err.Error(), "w.txt:3:") {
		t.Errorf("error %v does not name file and line", err)
	}
}

func FuzzParseWithdrawals(f *testing.F) {
	f.Add("md5-8a71b410aba520e026d99c2c68378307\t-\tfp\n")
	f.Add("pdq:" + strings.Repeat("ab", 32) + " 2027-01-02T03:04:05Z under review\n# c\n")
	f.Add("vpdq:clip 2027-02-01 r\n")
	f.Fuzz(func(t *testing.T, in string) {
		ws, err := ParseWithdrawals(strings.NewReader(in), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrWithdrawFile) {
				t.Fatalf("error %v does not match ErrWithdrawFile", err)
			}
			return
		}
		// Whatever the parser accepts, a release can carry.
		if _, err := release.EncodeWithdrawals(ws); err != nil {
			t.Fatalf("accepted withdrawals do not encode: %v", err)
		}
	})
}
