package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/edge"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/release"
)

func TestServeHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	for _, want := range []string{"Usage: hashgate serve", "HASHGATE_MAX_BODY", "-upload-path", "-fail-open", "-release", "/v1/verify",
		"-admin-addr", "-admin-token-file", "-admin-client-ca", "-policy", "-rollout-key-file", "-audit-log", "-webhook-url", "-webhook-secret-file", "-allowlist", "docs/integrations.md"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestServeFlagErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{"unknown flag", []string{"--nope"}, nil, exitUsage, "flag provided but not defined"},
		{"stray argument", []string{"dir"}, nil, exitUsage, "unexpected argument"},
		{"bad env value", nil, map[string]string{"HASHGATE_MAX_BODY": "lots"}, exitUsage, "HASHGATE_MAX_BODY"},
		{"bad log level", []string{"--log-level", "loud"}, nil, exitUsage, "log-level"},
		{"missing release", nil, nil, 1, "--release, --trust and --edge-key are required"},
		{"bad config", []string{"--read-timeout", "0s", "--release", "d", "--trust", "t", "--edge-key", "k"}, nil, 1, "timeouts must be positive"},
		{"webhook without a secret", []string{"--webhook-url", "http://127.0.0.1:1/hook"}, nil, exitUsage, "--webhook-url needs --webhook-secret-file or HASHGATE_WEBHOOK_SECRET"},
		{"bad policy", []string{"--policy", "list:x=block"}, nil, exitUsage, "--policy"},
		{"missing filter dir", []string{"--filter-dir", "/nonexistent/hashgate", "--release", "d", "--trust", "t", "--edge-key", "k"}, nil, 1, "--filter-dir /nonexistent/hashgate: not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			code := runServeEnv(context.Background(), tt.args, &out, &errb, lookup)
			if code != tt.wantCode || !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("exit %d stderr %q; want %d and %q", code, errb.String(), tt.wantCode, tt.wantErr)
			}
			// A startup error is printed once, not logged and printed.
			if n := strings.Count(errb.String(), tt.wantErr); n > 1 {
				t.Errorf("%q printed %d times: %q", tt.wantErr, n, errb.String())
			}
		})
	}
}

// Environment variables fill flags not given; the command line wins.
func TestServeEnv(t *testing.T) {
	env := map[string]string{
		"HASHGATE_MAX_BODY":     "1234",
		"HASHGATE_UPLOAD_PATH":  "/a/**, /b",
		"HASHGATE_FAIL_OPEN":    "true",
		"HASHGATE_ADDR":         "127.0.0.1:9",
		"HASHGATE_READ_TIMEOUT": "3s",
	}
	var o serveOptions
	fs := newServeFlags(&o, &bytes.Buffer{})
	if err := fs.Parse([]string{"--addr", "127.0.0.1:7"}); err != nil {
		t.Fatal(err)
	}
	if err := applyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if o.cfg.MaxBodyBytes != 1234 || !o.cfg.FailOpen || o.cfg.ReadTimeout != 3*time.Second {
		t.Errorf("env not applied: %+v", o.cfg)
	}
	if strings.Join(o.uploadPaths, "|") != "/a/**|/b" {
		t.Errorf("upload paths = %q", o.uploadPaths)
	}
	if o.addr != "127.0.0.1:7" {
		t.Errorf("addr = %q: the environment overrode the command line", o.addr)
	}
}

// --regions sets edge.Config.Regions (default: edge.DefaultConfig's), and
// so does HASHGATE_REGIONS; edge.TestScanRegions shows what it changes.
func TestServeRegionsFlag(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want bool
	}{
		{nil, nil, edge.DefaultConfig().Regions},
		{[]string{"--regions=false"}, nil, false},
		{[]string{"--regions"}, nil, true},
		{nil, map[string]string{"HASHGATE_REGIONS": "false"}, false},
		{[]string{"--regions=true"}, map[string]string{"HASHGATE_REGIONS": "false"}, true},
	}
	for _, tt := range tests {
		var o serveOptions
		fs := newServeFlags(&o, &bytes.Buffer{})
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if err := applyEnv(fs, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }); err != nil {
			t.Fatal(err)
		}
		if o.cfg.Regions != tt.want {
			t.Errorf("args %q, env %v: Regions %v, want %v", tt.args, tt.env, o.cfg.Regions, tt.want)
		}
	}
}

// TestServeEndToEnd runs `hashgate serve` on a real signed release: it
// listens, turns ready once the release verifies, answers a verify, serves
// the filter from its default filter directory (a temporary directory), and
// stops cleanly on cancel, removing that directory.
func TestServeEndToEnd(t *testing.T) {
	r := writeOnePDQRelease(t, 1, "l", 7, 0)
	dir, relDir, trust, key, listed, b := r.dir, r.relDir, r.trust, r.key, r.listed, r.bundle

	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the default filter directory goes
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &testenv.SyncBuffer{}
	env := map[string]string{"HASHGATE_TRUST": trust, "HASHGATE_EDGE_KEY": key}
	done := make(chan int, 1)
	go func() {
		done <- runServeEnv(ctx, []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--release", relDir, "--state", filepath.Join(dir, "state.json"), "--poll", "100ms", "--access-log", filepath.Join(dir, "access.log")},
			io.Discard, logs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	}()
	addrRE := regexp.MustCompile(`"msg":"edge: listening","addr":"([^"]+)"`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s", logs.String())
	}
	ready := false
	for deadline := time.Now().Add(20 * time.Second); !ready && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			ready = resp.StatusCode == 200
			resp.Body.Close()
		}
	}
	if !ready {
		t.Fatalf("never ready: %s", logs.String())
	}
	resp, err := http.Post(base+"/v1/verify", "application/json",
		strings.NewReader(`{"pdq":"`+listed.String()+`","pdq_quality":100}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"match":true`) {
		t.Errorf("verify = %d %s", resp.StatusCode, body)
	}
	// --access-log: a line per request with the answer's id, no fingerprint.
	if al, err := os.ReadFile(filepath.Join(dir, "access.log")); err != nil ||
		!strings.Contains(string(al), `"id":"`+resp.Header.Get("X-Request-Id")+`"`) ||
		!strings.Contains(string(al), `"route":"verify","status":200`) || strings.Contains(string(al), listed.String()) {
		t.Errorf("access log (%v):\n%s", err, al)
	}

	// Metrics are on their own address, not on the serving port.
	if resp, err := http.Get(base + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/metrics on the serving port: %v %v, want 404", resp, err)
	}
	mm := regexp.MustCompile(`"msg":"edge: metrics listening","addr":"([^"]+)"`).FindStringSubmatch(logs.String())
	if mm == nil {
		t.Fatalf("no metrics listener: %s", logs.String())
	}
	resp, err = http.Get("http://" + mm[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "hashgate_edge_reloads_total 1") {
		t.Errorf("metrics address: %d %.200s", resp.StatusCode, body)
	}

	// The filter is served from a file in the filter directory.
	m, err := release.ParseManifest(b.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	fa := m.ArtifactsByRole(release.RoleFilter)
	if len(fa) != 1 {
		t.Fatalf("%d filter artifacts", len(fa))
	}
	digest := hex.EncodeToString(fa[0].SHA256[:])
	resp, err = http.Get(base + "/v1/filter/" + digest)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, b.Artifacts[fa[0].Name]) {
		t.Errorf("filter = %d, %d bytes; want the release's %d", resp.StatusCode, len(body), len(b.Artifacts[fa[0].Name]))
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, "hashgate-filters-*"))
	if len(dirs) != 1 {
		t.Fatalf("filter directories in TMPDIR: %q", dirs)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "filter-"+digest+".bin")); err != nil {
		t.Errorf("filter file: %v", err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, logs.String())
		}
		if dirs, _ := filepath.Glob(filepath.Join(tmp, "hashgate-filters-*")); len(dirs) != 0 {
			t.Errorf("filter directory left after exit: %q", dirs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

// An edge whose --state cannot be written refuses to start: rollback
// protection that never reaches disk would be silently absent.
func TestServeRefusesUnwritableState(t *testing.T) {
	signer, err := release.GenerateSigner(nil)
	if err != nil {
		t.Fatal(err)
	}
	edgeKey, err := release.GenerateEdgeKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	trust, key := filepath.Join(dir, "publisher.pub"), filepath.Join(dir, "edge.key")
	os.WriteFile(trust, release.MarshalPublicKeys(signer.Public()), 0o644)
	os.WriteFile(key, edgeKey.MarshalPrivate(), 0o600)
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	for _, state := range []string{filepath.Join(notDir, "state.json"), dir} {
		var errb bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		code := runServeEnv(ctx, []string{"--addr", "127.0.0.1:0", "--metrics-addr", "", "--release", dir, "--trust", trust, "--edge-key", key,
			"--filters-in-memory", "--state", state}, io.Discard, &errb, func(string) (string, bool) { return "", false })
		cancel()
		if code != 1 || !strings.Contains(errb.String(), "--state") {
			t.Errorf("--state %s: exit %d, stderr %q; want 1 and a --state error", state, code, errb.String())
		}
	}
}

// onePDQRelease is a signed release of one PDQ hash written to dir/release,
// with the publisher's public key (trust) and the edge's private key (key)
// beside it, as `hashgate serve` reads them.
type onePDQRelease struct {
	dir, relDir, trust, key string
	listed                  fingerprint.PDQHash
	bundle                  *release.Bundle
}

// writeOnePDQRelease makes one, the hash's bytes i*mul+add.
func writeOnePDQRelease(t *testing.T, version uint64, source string, mul, add int) onePDQRelease {
	t.Helper()
	signer, err := release.GenerateSigner(nil)
	if err != nil {
		t.Fatal(err)
	}
	edgeKey, err := release.GenerateEdgeKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	r := onePDQRelease{dir: t.TempDir()}
	for i := range r.listed {
		r.listed[i] = byte(i*mul + add)
	}
	r.bundle, err = release.Build([]release.ListEntry{{Kind: fingerprint.KindPDQ, Value: r.listed[:], Labels: []string{"tve"}, Source: source}},
		release.BuildOptions{Version: version, TTL: time.Hour, Signer: signer, Recipients: []release.PublicKey{edgeKey.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	r.relDir = filepath.Join(r.dir, "release")
	if err := release.WriteDir(r.relDir, r.bundle); err != nil {
		t.Fatal(err)
	}
	r.trust, r.key = filepath.Join(r.dir, "publisher.pub"), filepath.Join(r.dir, "edge.key")
	os.WriteFile(r.trust, release.MarshalPublicKeys(signer.Public()), 0o644)
	os.WriteFile(r.key, edgeKey.MarshalPrivate(), 0o600)
	return r
}
