package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashgate/hashgate/internal/testenv"
)

type testEdge struct {
	*Server
	url  string
	addr string
	logs *testenv.SyncBuffer
}

// startEdge runs a real edge on a random 127.0.0.1 port until the test ends.
func startEdge(t *testing.T, cfg Config) *testEdge {
	t.Helper()
	logs := &testenv.SyncBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := testenv.StartServer(t, func(ctx context.Context, ln net.Listener) error { return s.Serve(ctx, ln, 5*time.Second) })
	return &testEdge{Server: s, url: "http://" + addr, addr: addr, logs: logs}
}

// testClock is a clock tests can move while the server reads it.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// testConfig is DefaultConfig with short timeouts so tests run fast.
func testConfig() Config {
	c := DefaultConfig()
	c.ReadTimeout = 2 * time.Second
	c.WriteTimeout = 2 * time.Second
	c.IdleTimeout = 2 * time.Second
	c.RatePerSecond = 0
	return c
}

type apiErr struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func do(t *testing.T, method, url string, body []byte, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// wantError checks a JSON error answer.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e apiErr
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	if e.Status != status || e.Code != code || e.Message == "" {
		t.Errorf("error = %+v, want status %d code %q and a message", e, status, code)
	}
}

func TestHealthAndErrors(t *testing.T) {
	e := startEdge(t, testConfig())
	resp, body := do(t, "GET", e.url+"/healthz", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Errorf("healthz = %d %s", resp.StatusCode, body)
	}
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/readyz", 503, CodeNotReady},
		{"GET", "/nope", 404, CodeNotFound},
		{"GET", "/v1/verify", 405, CodeMethodNotAllowed},
		{"DELETE", "/healthz", 405, CodeMethodNotAllowed},
		{"GET", "/v1/manifest", 503, CodeNotReady},
		{"GET", "/v1/filter/xyz", 400, CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			resp, body := do(t, tt.method, e.url+tt.path, nil)
			wantError(t, resp, body, tt.status, tt.code)
			if tt.status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	cfg := testConfig()
	cfg.MaxBodyBytes = 1 << 10
	e := startEdge(t, cfg)
	resp, body := do(t, "POST", e.url+"/v1/scan", bytes.Repeat([]byte("x"), 4<<10))
	wantError(t, resp, body, 413, CodeBodyTooLarge)
}

// A client that sends half a request and stalls is dropped when the read
// timeout runs out, not held forever.
func TestSlowClientDropped(t *testing.T) {
	cfg := testConfig()
	cfg.ReadTimeout = 300 * time.Millisecond
	e := startEdge(t, cfg)
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"pd"); err != nil {
		t.Fatal(err)
	}
	// Read until the server closes; the deadline here is only a backstop
	// so a broken server fails the test instead of hanging it.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("connection not closed by the server: %v (after %v)", err, time.Since(start))
	}
	if len(got) > 0 && !bytes.Contains(got, []byte(" 408 ")) {
		t.Errorf("stalled request answered %q, want nothing or 408", got)
	}
}
