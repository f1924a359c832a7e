package edge

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/match"
)

type lenIndex int

func (lenIndex) Match(match.Query) []match.Result { return nil }

func (n lenIndex) Len() int { return int(n) }

func testSnapshot(version uint64, filter []byte) *Snapshot {
	sum := sha256.Sum256(filter)
	return &Snapshot{
		Version:   version,
		Created:   time.Now().Add(-time.Hour),
		Expires:   time.Now().Add(24 * time.Hour),
		Manifest:  []byte(`{"version":` + string(rune('0'+version)) + `}`),
		Signature: []byte("sig"),
		Filters:   map[string]Artifact{hex.EncodeToString(sum[:]): MemoryArtifact(filter)},
		Index:     lenIndex(3),
	}
}

func filterName(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestManifestAndFilters(t *testing.T) {
	cfg := testConfig()
	cfg.CORSOrigins = []string{"https://app.example"}
	e := startEdge(t, cfg)
	f1 := []byte("filter one bytes")
	e.Load(testSnapshot(1, f1))

	resp, body := do(t, "GET", e.url+"/v1/manifest", nil)
	if resp.StatusCode != 200 || string(body) != `{"version":1}` || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("manifest = %d %q %v", resp.StatusCode, body, resp.Header)
	}
	etag := resp.Header.Get("ETag")
	resp, body = do(t, "GET", e.url+"/v1/manifest", nil, "If-None-Match", etag)
	if resp.StatusCode != 304 || len(body) != 0 {
		t.Errorf("manifest revalidation = %d %q, want 304", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", e.url+"/v1/manifest.sig", nil)
	if resp.StatusCode != 200 || string(body) != "sig" {
		t.Errorf("manifest.sig = %d %q", resp.StatusCode, body)
	}

	name := filterName(f1)
	resp, body = do(t, "GET", e.url+"/v1/filter/"+name, nil, "Origin", "https://app.example")
	if resp.StatusCode != 200 || string(body) != string(f1) {
		t.Fatalf("filter = %d %q", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("filter Cache-Control = %q", got)
	}
	if got := resp.Header.Get("ETag"); got != `"`+name+`"` {
		t.Errorf("filter ETag = %q", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Errorf("CORS allow origin = %q", got)
	}
	resp, _ = do(t, "GET", e.url+"/v1/filter/"+name, nil, "If-None-Match", `W/"other", "`+name+`"`)
	if resp.StatusCode != 304 {
		t.Errorf("filter revalidation = %d, want 304", resp.StatusCode)
	}
	resp, body = do(t, "GET", e.url+"/v1/filter/"+strings.Repeat("0", 64), nil)
	wantError(t, resp, body, 404, CodeNotFound)
	resp, body = do(t, "GET", e.url+"/v1/filter/"+strings.ToUpper(name), nil)
	wantError(t, resp, body, 400, CodeBadRequest)

	// After a swap, the previous release's filter is still served (a
	// checker may hold the old manifest) and the new one is too.
	f2 := []byte("filter two")
	e.Load(testSnapshot(2, f2))
	for _, f := range [][]byte{f1, f2} {
		if resp, _ := do(t, "GET", e.url+"/v1/filter/"+filterName(f), nil); resp.StatusCode != 200 {
			t.Errorf("filter %q after swap = %d", f, resp.StatusCode)
		}
	}
	if _, body := do(t, "GET", e.url+"/v1/manifest", nil); string(body) != `{"version":2}` {
		t.Errorf("manifest after swap = %q", body)
	}
}

func TestCORS(t *testing.T) {
	cfg := testConfig()
	cfg.CORSOrigins = []string{"https://app.example"}
	e := startEdge(t, cfg)
	tests := []struct {
		origin    string
		wantAllow string
	}{
		{"https://app.example", "https://app.example"},
		{"https://evil.example", ""},
	}
	for _, tt := range tests {
		resp, _ := do(t, "OPTIONS", e.url+"/v1/verify", nil,
			"Origin", tt.origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		if resp.StatusCode != 204 {
			t.Errorf("preflight from %s = %d, want 204", tt.origin, resp.StatusCode)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
			t.Errorf("preflight from %s: Allow-Origin = %q, want %q", tt.origin, got, tt.wantAllow)
		}
		hasMethods := resp.Header.Get("Access-Control-Allow-Methods") != ""
		if hasMethods != (tt.wantAllow != "") {
			t.Errorf("preflight from %s: Allow-Methods present = %v", tt.origin, hasMethods)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Origin") {
			t.Errorf("preflight from %s: no Vary: Origin", tt.origin)
		}
	}
}

func TestReadyzAndExpiry(t *testing.T) {
	cfg := testConfig()
	clock := &testClock{}
	cfg.Now = clock.Now
	e := startEdge(t, cfg)
	snap := testSnapshot(4, []byte("f"))
	e.Load(snap)
	resp, body := do(t, "GET", e.url+"/readyz", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"version":4`) {
		t.Fatalf("readyz = %d %s", resp.StatusCode, body)
	}
	// The same release, once past its expiry, makes the edge unready.
	clock.Advance(25 * time.Hour)
	resp, body = do(t, "GET", e.url+"/readyz", nil)
	wantError(t, resp, body, 503, CodeNotReady)
	if !strings.Contains(string(body), "expired") {
		t.Errorf("readyz after expiry says %s", body)
	}
}
