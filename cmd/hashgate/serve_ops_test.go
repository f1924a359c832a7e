package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/edge"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/release"
)

// getWithToken is an HTTP GET with optional bearer token, returning status and body.
func getWithToken(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// waitLog waits for a log line matching re and returns its first group.
func waitLog(t *testing.T, logs *testenv.SyncBuffer, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no log line %s: %s", re, logs.String())
	return ""
}

// `hashgate serve --admin-addr` with HASHGATE_ADMIN_TOKEN, --policy and
// --audit-log: the admin API listens on its own address and wants the
// token; a list in monitor mode is let through with a match id that the
// admin API looks up; a rollout's key is derived from the edge key.
func TestServeAdminAndPolicy(t *testing.T) {
	const token = "serve-admin-token"
	r := writeOnePDQRelease(t, 3, "trial", 11, 3)
	dir, relDir, trust, key, listed := r.dir, r.relDir, r.trust, r.key, r.listed
	audit := filepath.Join(dir, "audit.jsonl")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &testenv.SyncBuffer{}
	env := map[string]string{"HASHGATE_TRUST": trust, "HASHGATE_EDGE_KEY": key, "HASHGATE_ADMIN_TOKEN": token}
	done := make(chan int, 1)
	go func() {
		done <- runServeEnv(ctx, []string{"--addr", "127.0.0.1:0", "--metrics-addr", "", "--admin-addr", "127.0.0.1:0",
			"--release", relDir, "--filters-in-memory", "--poll", "100ms", "--audit-log", audit,
			"--policy", "list:trial=monitor", "--policy", "label:later=enforce@25", "--allowlist", filepath.Join(dir, "allow.txt")},
			io.Discard, logs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	}()
	base := "http://" + waitLog(t, logs, regexp.MustCompile(`"msg":"edge: listening","addr":"([^"]+)"`))
	admin := "http://" + waitLog(t, logs, regexp.MustCompile(`"msg":"edge: admin API listening","addr":"([^"]+)"`))
	if admin == base {
		t.Fatal("the admin API shares the public address")
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if status, _ := getWithToken(t, base+"/readyz", ""); status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %s", logs.String())
		}
	}

	for _, tok := range []string{"", token + "x"} {
		if status, _ := getWithToken(t, admin+"/metrics", tok); status != 401 {
			t.Errorf("admin /metrics with token %q = %d, want 401", tok, status)
		}
	}
	if status, _ := getWithToken(t, base+"/admin/v1/allowlist", token); status != 404 {
		t.Errorf("the public address answers /admin/ with %d, want 404", status)
	}

	resp, err := http.Post(base+"/v1/verify", "application/json", strings.NewReader(`{"pdq":"`+listed.String()+`","pdq_quality":100}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var v struct {
		Match   bool `json:"match"`
		Matches []struct {
			MatchID string `json:"match_id"`
			Action  string `json:"action"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Match || len(v.Matches) != 1 || v.Matches[0].Action != edge.ActionMonitor {
		t.Fatalf("verify of a monitored entry = %d %s", resp.StatusCode, body)
	}
	id := v.Matches[0].MatchID
	status, body := getWithToken(t, admin+"/admin/v1/matches/"+id, token)
	var ev edge.Event
	if status != 200 || json.Unmarshal(body, &ev) != nil || ev.MatchID != id || ev.Rule != "list:trial=monitor" || ev.Release != 3 {
		t.Errorf("admin look-up of %s = %d %s", id, status, body)
	}
	if a, err := os.ReadFile(audit); err != nil || !bytes.Contains(a, []byte(`"match_id":"`+id+`"`)) {
		t.Errorf("--audit-log (%v):\n%s", err, a)
	}
	status, body = getWithToken(t, admin+"/metrics", token)
	for _, want := range []string{
		`hashgate_edge_policy_rollout_percent{scope="label",name="later",mode="rollout"} 25`,
		`hashgate_edge_monitored_matches_total{list="trial",label="tve"} 1`,
		"hashgate_edge_allowlist_entries 0",
	} {
		if status != 200 || !bytes.Contains(body, []byte(want)) {
			t.Errorf("admin /metrics (%d) lacks %s", status, want)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

// The rollout key derived from the edge key is the same on every edge
// given that key, differs for another key, and yields to --rollout-key-file.
func TestServeRolloutKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := func(name string) string {
		k, err := release.GenerateEdgeKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, k.MarshalPrivate(), 0o600)
		return p
	}
	k1, k2 := keyFile("one.key"), keyFile("two.key")
	rk := filepath.Join(dir, "rollout.key")
	os.WriteFile(rk, []byte("shared rollout key\n"), 0o600)
	none := func(string) (string, bool) { return "", false }
	rollout := func(edgeKey string, policies []string, rolloutFile string) []byte {
		t.Helper()
		o := serveOps{policies: policies, rolloutKeyFile: rolloutFile}
		var cfg edge.Config
		if err := o.apply(&cfg, edgeKey, none); err != nil {
			t.Fatal(err)
		}
		return cfg.RolloutKey
	}
	half := []string{"list:x=enforce@50"}
	a, again, other := rollout(k1, half, ""), rollout(k1, half, ""), rollout(k2, half, "")
	if len(a) != 32 || !bytes.Equal(a, again) || bytes.Equal(a, other) {
		t.Errorf("derived keys: %x, again %x, another edge key %x", a, again, other)
	}
	if k, err := os.ReadFile(k1); err == nil && bytes.Contains(k, a) {
		t.Error("the rollout key is the edge key's bytes")
	}
	if got := rollout(k1, half, rk); string(got) != "shared rollout key" {
		t.Errorf("--rollout-key-file: %q", got)
	}
	if got := rollout(k1, []string{"list:x=monitor"}, ""); got != nil {
		t.Errorf("no partial rollout, yet a key %x", got)
	}
}
