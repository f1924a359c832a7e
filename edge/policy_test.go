package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		in   string
		want PolicyRule
		back string // String(), when not in
	}{
		{"*=enforce", PolicyRule{Scope: "*", Enforce: 100}, ""},
		{"list:tat=monitor", PolicyRule{Scope: "list", Name: "tat", Enforce: 0}, ""},
		{"label:gifct:x=enforce@50", PolicyRule{Scope: "label", Name: "gifct:x", Enforce: 50}, ""},
		{"label:a=b=enforce@12.5%", PolicyRule{Scope: "label", Name: "a=b", Enforce: 12.5}, "label:a=b=enforce@12.5"},
		{"list:l=enforce@100", PolicyRule{Scope: "list", Name: "l", Enforce: 100}, "list:l=enforce"},
		{"list:l=enforce@0", PolicyRule{Scope: "list", Name: "l", Enforce: 0}, "list:l=monitor"},
	}
	for _, tt := range tests {
		r, err := ParsePolicy(tt.in)
		if err != nil || r != tt.want {
			t.Errorf("ParsePolicy(%q) = %+v, %v; want %+v", tt.in, r, err, tt.want)
			continue
		}
		back := tt.back
		if back == "" {
			back = tt.in
		}
		if r.String() != back {
			t.Errorf("%q reads back as %q, want %q", tt.in, r.String(), back)
		}
	}
	for _, bad := range []string{"", "list:x", "list:=monitor", "label:=enforce", "x=enforce", "*=block",
		"*=enforce@", "*=enforce@101", "*=enforce@-1", "*=enforce@NaN", "*=enforce@abc"} {
		if _, err := ParsePolicy(bad); !errors.Is(err, ErrPolicy) {
			t.Errorf("ParsePolicy(%q): err %v, want ErrPolicy", bad, err)
		}
	}
}

func TestPolicyRefused(t *testing.T) {
	for name, rules := range map[string][]PolicyRule{
		"two rules for a list": {{Scope: "list", Name: "a", Enforce: 0}, {Scope: "list", Name: "a", Enforce: 100}},
		"two defaults":         {{Scope: "*", Enforce: 0}, {Scope: "*", Enforce: 100}},
		"rollout without key":  {{Scope: "label", Name: "x", Enforce: 50}},
		"percentage over 100":  {{Scope: "list", Name: "a", Enforce: 150}},
		"unknown scope":        {{Scope: "entry", Name: "a", Enforce: 0}},
	} {
		cfg := testConfig()
		cfg.Policies = rules
		if _, err := New(cfg); !errors.Is(err, ErrPolicy) || !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err %v, want ErrPolicy and ErrConfig", name, err)
		}
	}
}

// Label rules decide before list rules, list rules before "*"; any
// enforcing label blocks.
func TestPolicyAction(t *testing.T) {
	p, err := newPolicy([]PolicyRule{
		{Scope: "label", Name: "shadow", Enforce: 0},
		{Scope: "label", Name: "live", Enforce: 100},
		{Scope: "list", Name: "trial", Enforce: 0},
		{Scope: "*", Enforce: 100},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		list   string
		labels []string
		want   string
		rule   string
	}{
		{"other", nil, ActionBlock, "*=enforce"},
		{"trial", nil, ActionMonitor, "list:trial=monitor"},
		{"trial", []string{"shadow"}, ActionMonitor, "label:shadow=monitor"},
		{"other", []string{"shadow"}, ActionMonitor, "label:shadow=monitor"},
		{"trial", []string{"shadow", "live"}, ActionBlock, "label:live=enforce"},
		{"trial", []string{"unruled"}, ActionMonitor, "list:trial=monitor"},
	}
	for _, tt := range tests {
		got, rule := p.action(tt.list, tt.labels, 0)
		if got != tt.want || rule == nil || rule.String() != tt.rule {
			t.Errorf("%s %v: %s by %v, want %s by %s", tt.list, tt.labels, got, rule, tt.want, tt.rule)
		}
	}
	none, _ := newPolicy(nil, nil)
	if got, rule := none.action("l", []string{"x"}, 99); got != ActionBlock || rule != nil {
		t.Errorf("no rules: %s by %v, want block by none", got, rule)
	}
}

// rolloutFiles are n distinct files, each listed by its SHA-256 on
// test-list.
func rolloutFiles(n int) ([][]byte, []match.Entry) {
	var files [][]byte
	var entries []match.Entry
	for i := range n {
		f := []byte("rollout test file " + strconv.Itoa(i))
		files = append(files, f)
		entries = append(entries, match.Entry{Kind: fingerprint.KindSHA256, SHA256: sha256.Sum256(f), Labels: []string{"r"}, Source: "test-list"})
	}
	return files, entries
}

// enforced scans each file and reports which of them the edge blocked,
// checking the verdict agrees with itself.
func enforced(t *testing.T, url string, files [][]byte) []bool {
	t.Helper()
	out := make([]bool, len(files))
	for i, f := range files {
		resp, body := do(t, "POST", url+"/v1/scan", f, "Content-Type", "application/octet-stream")
		v := decodeVerdict(t, body)
		if resp.StatusCode != 200 || len(v.Matches) != 1 {
			t.Fatalf("scan of file %d = %d %s", i, resp.StatusCode, body)
		}
		switch a := v.Matches[0].Action; {
		case a == ActionBlock && v.Match, a == ActionMonitor && !v.Match:
		default:
			t.Fatalf("file %d: verdict match %v with action %q", i, v.Match, a)
		}
		out[i] = v.Match
	}
	return out
}

// A rollout at 50 % enforces about half of the listed files, each always
// the same way: on every request, on an edge restarted with the same
// rollout key, and in a browser's verify call; another key picks another
// half. The decision shows in the verdict and in /metrics.
func TestRolloutHalf(t *testing.T) {
	const n = 200
	files, entries := rolloutFiles(n)
	rule, err := ParsePolicy("list:test-list=enforce@50")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Policies = []PolicyRule{rule}
	cfg.RolloutKey = []byte("rollout key one")
	snap := indexSnapshot(t, 1, entries)

	c1 := cfg
	c1.Logger = slog.New(slog.DiscardHandler)
	s1, err := New(c1)
	if err != nil {
		t.Fatal(err)
	}
	s1.Load(snap)
	addr, stop := testenv.StartServer(t, func(ctx context.Context, ln net.Listener) error { return s1.Serve(ctx, ln, 5*time.Second) })
	first := enforced(t, "http://"+addr, files)
	blocked := 0
	for _, b := range first {
		if b {
			blocked++
		}
	}
	// Binomial(200, 1/2): sd about 7, so 70..130 is over 4 sd either way.
	t.Logf("%d of %d files enforced at 50 %%", blocked, n)
	if blocked < 70 || blocked > 130 {
		t.Errorf("%d of %d files enforced at 50 %%", blocked, n)
	}
	// The same file, many times.
	for range 10 {
		again := enforced(t, "http://"+addr, files[:20])
		for i := range again {
			if again[i] != first[i] {
				t.Fatalf("file %d: enforced %v, then %v", i, first[i], again[i])
			}
		}
	}
	// A browser's verify call sends the file's SHA-256: the same decision.
	for i, f := range files[:40] {
		d := sha256.Sum256(f)
		_, body := do(t, "POST", "http://"+addr+"/v1/verify", []byte(`{"sha256":"`+hex.EncodeToString(d[:])+`"}`))
		if v := decodeVerdict(t, body); v.Match != first[i] {
			t.Errorf("file %d: scan enforced %v, verify %v", i, first[i], v.Match)
		}
	}
	m := metricsText(t, &testEdge{url: "http://" + addr})
	scans := float64(n + 10*20 + 40)
	monitoredScans := 0.0
	for i, b := range first {
		if !b {
			monitoredScans++
			if i < 20 {
				monitoredScans += 10
			}
			if i < 40 {
				monitoredScans++
			}
		}
	}
	for series, want := range map[string]float64{
		`hashgate_edge_policy_rollout_percent{scope="list",name="test-list",mode="rollout"}`: 50,
		`hashgate_edge_matches_total{list="test-list",label="r"}`:                            scans,
		`hashgate_edge_monitored_matches_total{list="test-list",label="r"}`:                  monitoredScans,
	} {
		if got := metricValue(m, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// Restarted: a new server, the same key and release.
	restarted := startEdge(t, cfg)
	restarted.Load(snap)
	for i, b := range enforced(t, restarted.url, files) {
		if b != first[i] {
			t.Errorf("file %d: enforced %v before the restart, %v after", i, first[i], b)
		}
	}

	// Another key: another half, not the same one.
	cfg.RolloutKey = []byte("rollout key two")
	other := startEdge(t, cfg)
	other.Load(snap)
	differ := 0
	for i, b := range enforced(t, other.url, files) {
		if b != first[i] {
			differ++
		}
	}
	t.Logf("another rollout key changed %d of %d decisions", differ, n)
	if differ < 70 || differ > 130 {
		t.Errorf("another rollout key changed %d of %d decisions, want about half", differ, n)
	}
}
