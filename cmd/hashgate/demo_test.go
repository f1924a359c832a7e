package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/release"
)

// demoOutput lets the test read what the demo prints while it runs.
type demoOutput struct {
	ch chan string
}

func (s *demoOutput) Write(p []byte) (int, error) {
	s.ch <- string(p)
	return len(p), nil
}

// startDemoForTest runs `hashgate demo` on a free port and returns its URL.
func startDemoForTest(t *testing.T, wasm string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &demoOutput{ch: make(chan string, 16)}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- runDemo(ctx, []string{"--addr", "127.0.0.1:0", "--wasm", wasm}, out, &stderr) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo exited %d: %s", code, stderr.String())
		}
	})
	re := regexp.MustCompile(`open (http://127\.0\.0\.1:\d+)/`)
	var printed string
	deadline := time.After(60 * time.Second)
	for {
		select {
		case s := <-out.ch:
			printed += s
			if m := re.FindStringSubmatch(printed); m != nil {
				go func() {
					for range out.ch {
					}
				}()
				return m[1]
			}
		case code := <-done:
			t.Fatalf("demo exited %d: %s %s", code, printed, stderr.String())
		case <-deadline:
			t.Fatalf("demo printed no URL: %s %s", printed, stderr.String())
		}
	}
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestDemoServesAVerifiableRelease(t *testing.T) {
	wasm := filepath.Join(t.TempDir(), "hashgate.wasm")
	if err := os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	url := startDemoForTest(t, wasm)

	if code, body := get(t, url+"/"); code != 200 || !strings.Contains(string(body), "/demo/demo.js") {
		t.Errorf("GET /: %d %.100s", code, body)
	}
	if code, body := get(t, url+"/hashgate.wasm"); code != 200 || string(body) != "\x00asm\x01\x00\x00\x00" {
		t.Errorf("GET /hashgate.wasm: %d %q", code, body)
	}
	for _, p := range []string{"/src/../../go.mod", "/src/%2e%2e/%2e%2e/go.mod", "/nope", "/demo/../../README.md"} {
		if code, body := get(t, url+p); code != 404 {
			t.Errorf("GET %s: %d %.80s, want 404", p, code, body)
		}
	}

	// A browser's view: pinned keys, manifest, signature, filter; Accept takes it.
	_, keys := get(t, url+"/keys.pub")
	trust, err := release.ParseTrust(keys)
	if err != nil {
		t.Fatal(err)
	}
	_, man := get(t, url+"/v1/manifest")
	_, sig := get(t, url+"/v1/manifest.sig")
	m, err := release.ParseManifest(man)
	if err != nil {
		t.Fatal(err)
	}
	b := &release.Bundle{Manifest: man, Signature: sig, Artifacts: map[string][]byte{}}
	for _, a := range m.ArtifactsByRole(release.RoleFilter) {
		_, f := get(t, url+"/v1/filter/"+hex.EncodeToString(a.SHA256[:]))
		b.Artifacts[a.Name] = f
	}
	if _, err := release.Accept(b, release.AcceptOptions{Trust: trust}); err != nil {
		t.Fatalf("the demo's release does not verify: %v", err)
	}

	// The edge confirms a listed image and clears an unlisted one.
	for _, tc := range []struct {
		file  string
		match bool
	}{
		{"listed/harbour.jpg", true},
		{"probe/harbour-resized-q70.jpg", true},
		{"probe/meadow-unlisted.jpg", false},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		f, err := media.FingerprintBytes(data, media.Options{})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := json.Marshal(map[string]any{"pdq": f.PDQ.String(), "pdq_quality": f.PDQQuality, "phash": f.PHash.String(),
			"sha256": f.SHA256.String(), "md5": f.MD5.String()})
		resp, err := http.Post(url+"/v1/verify", "application/json", bytes.NewReader(q))
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ Match bool }
		json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if v.Match != tc.match {
			t.Errorf("%s: edge match %v, want %v", tc.file, v.Match, tc.match)
		}
		// The demo's fingerprint endpoint is the edge's own code.
		resp, err = http.Post(url+"/demo/api/fingerprint", "application/octet-stream", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var fp struct{ PDQ string }
		json.NewDecoder(resp.Body).Decode(&fp)
		resp.Body.Close()
		if fp.PDQ != f.PDQ.String() {
			t.Errorf("%s: demo fingerprint %s, media %s", tc.file, fp.PDQ, f.PDQ)
		}
	}
}

func TestDemoWithoutModule(t *testing.T) {
	var out, errb bytes.Buffer
	code := runDemo(context.Background(), []string{"--addr", "127.0.0.1:0", "--wasm", filepath.Join(t.TempDir(), "missing.wasm")}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "make build") {
		t.Errorf("code %d, stderr %q: want 1 and a hint to run make build", code, errb.String())
	}
}
