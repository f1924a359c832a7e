package edge

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// metricsText scrapes the edge's /metrics.
func metricsText(t *testing.T, e *testEdge) string {
	t.Helper()
	resp, body := do(t, "GET", e.url+"/metrics", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	return string(body)
}

func verifyMD5Hit(t *testing.T, url string, d fingerprint.MD5Digest) bool {
	t.Helper()
	resp, body := do(t, "POST", url+"/v1/verify", []byte(`{"md5":"`+d.String()+`"}`))
	if resp.StatusCode != 200 {
		t.Fatalf("verify = %d %s", resp.StatusCode, body)
	}
	return strings.Contains(string(body), `"match":true`)
}

// A publisher withdraws one entry and disables another for a day in a
// delta (no full release): one poll later the edge answers both clear, and
// the disabled one matches again once its time is up, without a poll.
func TestWithdrawalAfterOnePoll(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 1))
	h1, h2 := randomPDQ(r), randomPDQ(r)
	md := fingerprint.MD5Digest{0xd3, 0x5c, 0x78, 0x55, 21}
	entries := []release.ListEntry{pdqEntry(h1, "one"), pdqEntry(h2, "two"),
		{Kind: fingerprint.KindMD5, Value: md[:], Labels: []string{"three"}, Source: "test-list"}}
	pub := newPublisher(t)
	dir := t.TempDir()
	cfg := testConfig()
	clock := &testClock{}
	cfg.Now = clock.Now
	e := startEdge(t, cfg)
	rl := &Reloader{Server: e.Server, Source: &DirSource{Dir: dir},
		Verifier: NewReleaseVerifier(pub.signer.Trust(), pub.edgeKey, match.DefaultOptions())}
	ctx := context.Background()

	base := pub.bundle(1, 24*time.Hour, entries)
	pub.publish(dir, base)
	if ok, err := rl.Poll(ctx); !ok || err != nil {
		t.Fatalf("v1 not loaded: %v", err)
	}
	if !verifyHit(t, e.url, h1) || !verifyHit(t, e.url, h2) || !verifyMD5Hit(t, e.url, md) {
		t.Fatal("v1 does not match its entries")
	}

	baseRel, err := release.Accept(base, release.AcceptOptions{Trust: pub.signer.Trust(), Now: clock.Now(), RequireList: true})
	if err != nil {
		t.Fatal(err)
	}
	until := clock.Now().Add(24 * time.Hour).Truncate(time.Second)
	ws := []release.Withdrawal{
		{Entry: entries[0].ID(), Reason: "false positive: meme template"},
		{Entry: entries[2].ID(), Until: until, Reason: "under review"},
	}
	d, added, err := release.Delta(base, baseRel, entries, entries, release.DeltaOptions{
		Signer: pub.signer, Recipients: []release.PublicKey{pub.edgeKey.Public()}, Created: pub.created, Withdrawals: ws,
	})
	if err != nil || added != 0 {
		t.Fatalf("delta: %d added, %v", added, err)
	}
	pub.publish(dir, d)
	if ok, err := rl.Poll(ctx); !ok || err != nil {
		t.Fatalf("the delta not loaded: %v", err)
	}
	if verifyHit(t, e.url, h1) {
		t.Error("a withdrawn entry still matches after the poll")
	}
	if verifyMD5Hit(t, e.url, md) {
		t.Error("a disabled entry still matches after the poll")
	}
	if !verifyHit(t, e.url, h2) {
		t.Error("an entry nobody withdrew stopped matching")
	}
	m := metricsText(t, e)
	for _, want := range []string{`hashgate_edge_withdrawn_matches_total{list="test-list"} 2`, "hashgate_edge_withdrawn_entries 2"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(e.logs.String(), `"reason":"false positive: meme template"`) {
		t.Error("the dropped match is not logged with the withdrawal's reason")
	}
	clock.Advance(24*time.Hour + time.Second)
	if !verifyMD5Hit(t, e.url, md) {
		t.Error("a disabled entry does not match again once its time is up")
	}
	if verifyHit(t, e.url, h1) {
		t.Error("a withdrawal for good ran out")
	}
}

// An allowlisted image passes the edge, its re-encoded copies too, and is
// counted and logged; an image not on the allowlist still matches.
func TestAllowlistFile(t *testing.T) {
	meme := makeImage(7, 640, 480)
	memeJPEG := encodeJPEG(t, meme, 90)
	copyPNG := encodePNG(t, resize(meme, 400, 300))
	other := encodeJPEG(t, makeImage(8, 640, 480), 90)
	fp, err := media.FingerprintBytes(memeJPEG, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := media.FingerprintBytes(copyPNG, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := fp.PDQ.Distance(cp.PDQ); d > DefaultAllowPDQDistance {
		t.Fatalf("the copy is %d bits off: not a test of the allowlist's distance", d)
	}
	path := filepath.Join(t.TempDir(), "allow.txt")
	cfg := testConfig()
	cfg.Allowlist = AllowlistConfig{Path: path, Reload: 20 * time.Millisecond}
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 3, []match.Entry{listedEntry(t, memeJPEG, "meme"), listedEntry(t, other, "other")}))

	scanMatch := func(b []byte) bool {
		t.Helper()
		resp, body := do(t, "POST", e.url+"/v1/scan", b, "Content-Type", "application/octet-stream")
		if resp.StatusCode != 200 {
			t.Fatalf("scan = %d %s", resp.StatusCode, body)
		}
		return decodeVerdict(t, body).Match
	}
	if !scanMatch(memeJPEG) || !scanMatch(copyPNG) {
		t.Fatal("the listed image does not match before it is allowlisted")
	}
	if err := os.WriteFile(path, []byte("# wrongly listed meme template\npdq\t"+fp.PDQ.String()+"\tticket 4411\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.allowlist.len() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if scanMatch(memeJPEG) || scanMatch(copyPNG) {
		t.Error("an allowlisted image (or its re-encoded copy) still matches")
	}
	if !scanMatch(other) {
		t.Error("an image not on the allowlist passes")
	}
	if m := metricsText(t, e); !strings.Contains(m, `hashgate_edge_allowlist_hits_total{kind="pdq"} 2`) || !strings.Contains(m, "hashgate_edge_allowlist_entries 1") {
		t.Errorf("/metrics does not count the allowlist hits:\n%s", grepLines(m, "allowlist"))
	}
	if !strings.Contains(e.logs.String(), `"msg":"edge: allowlisted file passed","allow_kind":"pdq"`) {
		t.Error("the allowlist hit is not logged")
	}
	// A file that no longer parses keeps the allowlist in use.
	os.WriteFile(path, []byte("pdq\tnot-hex\n"), 0o644)
	time.Sleep(100 * time.Millisecond)
	if scanMatch(memeJPEG) {
		t.Error("a broken allowlist file emptied the allowlist")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestParseAllowlist(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	in := "# c\n\nsha256\t" + strings.ToUpper(sha) + "\tnote with spaces\nmd5 " + strings.Repeat("0f", 16) + "\npdq\t" + strings.Repeat("12", 32) + "\n"
	es, err := ParseAllowlist(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[0].ID() != "sha256:"+sha || es[0].Note != "note with spaces" || es[1].Kind != fingerprint.KindMD5 || es[2].Kind != fingerprint.KindPDQ {
		t.Fatalf("parsed %+v", es)
	}
	for _, bad := range []string{"phash\t" + strings.Repeat("ab", 8), "sha256\tabc", "pdq", "md5\t" + strings.Repeat("zz", 16)} {
		if _, err := ParseAllowlist(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseAllowlist(f *testing.F) {
	f.Add("sha256\t" + strings.Repeat("ab", 32) + "\tnote\n# c\nmd5 " + strings.Repeat("0f", 16) + "\n")
	f.Add("pdq\t" + strings.Repeat("12", 32) + "\n")
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ParseAllowlist(strings.NewReader(in))
		if err != nil {
			return
		}
		// What parses is written back (the admin API's file) and reads
		// the same.
		var b strings.Builder
		for _, e := range es {
			b.WriteString(e.Kind.String() + "\t" + e.ID()[len(e.Kind.String())+1:] + "\t" + e.Note + "\n")
		}
		again, err := ParseAllowlist(strings.NewReader(b.String()))
		if err != nil || len(again) != len(es) {
			t.Fatalf("written back, %d entries read as %d: %v", len(es), len(again), err)
		}
		for i := range es {
			if again[i].ID() != es[i].ID() || again[i].Note != es[i].Note {
				t.Fatalf("entry %d: %+v became %+v", i, es[i], again[i])
			}
		}
	})
}
