package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/release"
)

// startServe runs `hashgate serve` on a loopback port with the release in
// relDir until the test ends and returns its base URL once it is ready.
func startServe(t *testing.T, relDir, trust, edgeKey string, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &testenv.SyncBuffer{}
	env := map[string]string{"HASHGATE_TRUST": trust, "HASHGATE_EDGE_KEY": edgeKey}
	done := make(chan int, 1)
	args := append([]string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--release", relDir,
		"--state", filepath.Join(dir, "state.json"), "--poll", "1h"}, extra...)
	go func() {
		done <- runServeEnv(ctx, args, io.Discard, logs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	}()
	t.Cleanup(func() { cancel(); <-done })
	addrRE := regexp.MustCompile(`"msg":"edge: listening","addr":"([^"]+)"`)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m := addrRE.FindStringSubmatch(logs.String())
		if m == nil {
			continue
		}
		if resp, err := http.Get("http://" + m[1] + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return "http://" + m[1]
			}
		}
	}
	t.Fatalf("serve never ready: %s", logs.String())
	return ""
}

// TestCheckOblivious: one list built from the same media, open and
// oblivious, gives the same verdicts on listed, edited and clean files
// through `hashgate check`: locally for the open release, through a real
// `hashgate serve` on loopback (blind, /v1/oprf, proof, finalise, look up)
// for the oblivious one. Without --edge the oblivious release refuses to
// answer rather than say "no known match".
func TestCheckOblivious(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	imgs := filepath.Join(testenv.PDQDir(t), "images")
	mediaDir := filepath.Join(dir, "media")
	os.Mkdir(mediaDir, 0o755)
	copyFile(t, filepath.Join(imgs, "bridge-mods", "aaa-orig.jpg"), filepath.Join(mediaDir, "orig.jpg"))
	copyFile(t, filepath.Join(imgs, "reg-test-input", "pen-and-coaster.png"), filepath.Join(mediaDir, "pen.png"))
	list := writeList(t, dir, "l.tsv", 500, 4)
	openRel, oblRel := filepath.Join(dir, "open"), filepath.Join(dir, "obl")
	// 1e-9 per look-up: open mode's 2083 look-ups per photo would otherwise
	// make a clean file a false candidate in a few % of runs.
	common := []string{"--list", list, "--from-media", mediaDir, "--fpr", "1e-9", "--key", k.pub, "--edge-pub", k.edgePub}
	mustHG(t, append([]string{"build", "--out", openRel}, common...)...)
	mustHG(t, append([]string{"build", "--mode", "oblivious", "--out", oblRel}, common...)...)
	base := startServe(t, oblRel, filepath.Join(k.pub, publisherPubFile), filepath.Join(k.edge, edgeKeyFile))

	files := []struct {
		path      string
		candidate bool
	}{
		{filepath.Join(mediaDir, "orig.jpg"), true},
		{filepath.Join(mediaDir, "pen.png"), true},
		{filepath.Join(imgs, "bridge-mods", "blur-a-little.jpg"), true},
		{filepath.Join(imgs, "bridge-mods", "shrink-a-little.jpg"), true},
		{filepath.Join(imgs, "bridge-mods", "square-256x256.jpg"), true},
		{filepath.Join(imgs, "bridge-mods", "high-saturation.jpg"), true},
		{filepath.Join(imgs, "misc-images", "c.png"), false},
		{filepath.Join(imgs, "misc-images", "small.jpg"), false},
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.path)
	}
	open := mustHG(t, append([]string{"check", "--release", openRel, "--pub", k.pub}, paths...)...)
	obl := mustHG(t, append([]string{"check", "--release", oblRel, "--pub", k.pub, "--edge", base}, paths...)...)
	verdicts := func(out string) map[string]string {
		m := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			f, v, _ := strings.Cut(l, ": ")
			m[f] = v
		}
		return m
	}
	vo, vb := verdicts(open), verdicts(obl)
	for _, f := range files {
		o, b := vo[f.path], vb[f.path]
		if strings.HasPrefix(o, "candidate") != f.candidate || strings.HasPrefix(b, "candidate") != f.candidate {
			t.Errorf("%s: open %q, oblivious %q, want candidate %v", filepath.Base(f.path), o, b, f.candidate)
		}
	}
	if code, _, errb := hg(t, "check", "--release", oblRel, "--pub", k.pub, paths[0]); code == 0 || !strings.Contains(errb, "--edge") {
		t.Errorf("oblivious check without an edge: exit %d, %q", code, errb)
	}
}

// TestServeOPRFAPIKeys: with --oprf-api-keys a request carrying a listed
// key spends that key's budget, not its address's; an unknown key falls
// back to the address's; a malformed file stops serve with the line.
func TestServeOPRFAPIKeys(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	list := writeList(t, dir, "l.tsv", 50, 4)
	rel := filepath.Join(dir, "obl")
	mustHG(t, "build", "--mode", "oblivious", "--list", list, "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub)
	keys := filepath.Join(dir, "api-keys")
	const platform = "platform-key-0123456789"
	if err := os.WriteFile(keys, []byte("# budgets\n"+platform+" 1 2000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, rel, filepath.Join(k.pub, publisherPubFile), filepath.Join(k.edge, edgeKeyFile),
		"--oprf-rate", "0.01", "--oprf-burst", "512", "--oprf-api-keys", keys)
	mb, err := os.ReadFile(filepath.Join(rel, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := release.ParseManifest(mb)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := oblivious.ParsePublicKey(m.Oblivious.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	c := oblivious.NewClient(pub)
	inputs := make([][]byte, 300)
	for i := range inputs {
		inputs[i] = []byte("api key test " + strconv.Itoa(i))
	}
	ask := func(bearer string) int {
		t.Helper()
		_, body, err := c.Blind(inputs)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/oprf", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/octet-stream")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// The address: 512 at once, 300 a check: one check, then 429.
	if a, b := ask(""), ask(""); a != 200 || b != 429 {
		t.Errorf("address budget: %d then %d, want 200 then 429", a, b)
	}
	if got := ask("not-a-listed-key-000000"); got != 429 {
		t.Errorf("an unknown key: %d, want the address's 429", got)
	}
	// The platform's key: 2000 at once, six checks of 300.
	for i := range 6 {
		if got := ask(platform); got != 200 {
			t.Fatalf("platform check %d: %d, want 200", i+1, got)
		}
	}
	if got := ask(platform); got != 429 {
		t.Errorf("platform check 7: %d, want 429", got)
	}

	if err := os.WriteFile(keys, []byte(platform+" 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errb := hg(t, "serve", "--addr", "127.0.0.1:0", "--release", rel, "--trust", filepath.Join(k.pub, publisherPubFile),
		"--edge-key", filepath.Join(k.edge, edgeKeyFile), "--oprf-api-keys", keys)
	if code == 0 || !strings.Contains(errb, "line 1") {
		t.Errorf("a malformed key file: exit %d, %q", code, errb)
	}
}
