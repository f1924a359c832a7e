package edge

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// recordingOrigin is a real HTTP server on 127.0.0.1 that remembers the
// requests it received and answers 201 with a marker body.
type recordingOrigin struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []originRequest
}

type originRequest struct {
	method, uri, host string
	header            http.Header
	body              []byte
}

func startOrigin(t *testing.T) *recordingOrigin {
	t.Helper()
	o := &recordingOrigin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		o.mu.Lock()
		o.reqs = append(o.reqs, originRequest{r.Method, r.RequestURI, r.Host, r.Header.Clone(), b})
		o.mu.Unlock()
		w.Header().Set("X-Origin", "yes")
		w.Header().Set("Set-Cookie", "a=b")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "origin says hi")
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *recordingOrigin) requests() []originRequest {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]originRequest(nil), o.reqs...)
}

func TestProxyPassThrough(t *testing.T) {
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin = o.URL
	cfg.UploadPaths = []string{"/upload/**"}
	e := startEdge(t, cfg)

	body := []byte("name=x&y=\x00\xff binary")
	resp, got := do(t, "PUT", e.url+"/api/items/7?b=2&a=1&a=0", body,
		"X-Custom", "Value", "Content-Type", "application/x-www-form-urlencoded", "Cookie", "s=1")
	if resp.StatusCode != 201 || string(got) != "origin says hi" || resp.Header.Get("X-Origin") != "yes" ||
		resp.Header.Get("Set-Cookie") != "a=b" {
		t.Fatalf("proxied answer = %d %q %v", resp.StatusCode, got, resp.Header)
	}
	reqs := o.requests()
	if len(reqs) != 1 {
		t.Fatalf("origin got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != "PUT" || r.uri != "/api/items/7?b=2&a=1&a=0" || !bytes.Equal(r.body, body) {
		t.Errorf("origin got %s %s %q", r.method, r.uri, r.body)
	}
	if r.header.Get("X-Custom") != "Value" || r.header.Get("Cookie") != "s=1" ||
		r.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("headers not intact: %v", r.header)
	}
	if r.host != e.addr {
		t.Errorf("Host = %q, want the client's %q", r.host, e.addr)
	}
	if r.header.Get("X-Forwarded-For") != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q", r.header.Get("X-Forwarded-For"))
	}
	// The edge's own routes are not forwarded.
	do(t, "GET", e.url+"/healthz", nil)
	if n := len(o.requests()); n != 1 {
		t.Errorf("origin got %d requests after /healthz, want 1", n)
	}
}

// With the origin down the client gets a whole JSON 502, nothing partial.
func TestProxyOriginDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	cfg := testConfig()
	cfg.Origin = dead
	e := startEdge(t, cfg)
	resp, body := do(t, "GET", e.url+"/page", nil)
	wantError(t, resp, body, 502, CodeOriginUnavailable)
	if resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d for a %d-byte body", resp.ContentLength, len(body))
	}
}

// An origin that dies mid-answer still yields a clean 502.
func TestProxyOriginHangsUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 4096)
				c.Read(buf)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
				c.Close()
			}()
		}
	}()
	cfg := testConfig()
	cfg.Origin = "http://" + ln.Addr().String()
	e := startEdge(t, cfg)
	resp, body := do(t, "GET", e.url+"/page", nil)
	wantError(t, resp, body, 502, CodeOriginUnavailable)
	if bytes.Contains(body, []byte("partial")) {
		t.Error("half of the origin's answer leaked into the 502")
	}
}

func TestMatchUploadPath(t *testing.T) {
	pats := []string{"/upload/**", "/api/*/media", "/exact"}
	tests := []struct {
		path string
		want bool
	}{
		{"/upload", true},
		{"/upload/a.jpg", true},
		{"/upload/x/y/z.png", true},
		{"/uploads/a.jpg", false},
		{"/api/v2/media", true},
		{"/api/v2/media/x", false},
		{"/exact", true},
		{"/exact/", false},
		{"/", false},
	}
	for _, tt := range tests {
		if got := matchUploadPath(pats, tt.path); got != tt.want {
			t.Errorf("matchUploadPath(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}
