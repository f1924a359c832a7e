package edge

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/match"
)

// rawPost sends a POST with exactly this request target (no client-side
// cleaning) and returns the status.
func rawPost(t *testing.T, addr, target string, body []byte, hdr ...string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	for i := 0; i+1 < len(hdr); i += 2 {
		req += hdr[i] + ": " + hdr[i+1] + "\r\n"
	}
	if _, err := c.Write(append([]byte(req+"\r\n"), body...)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Spellings of an upload path that a lenient origin reads as the upload
// path are scanned too; ScanAllBodies scans everything not exempt.
func TestProxyUploadPathCanonical(t *testing.T) {
	listed := encodeJPEG(t, makeImage(42, 400, 300), 90)
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin, cfg.UploadPaths = o.URL, []string{"/upload/**"}
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, []match.Entry{listedEntry(t, listed, "x")}))
	for _, p := range []string{"/upload/p", "/UPLOAD/p", "/upload;x/p", `/upload\p`, "/a/../upload/p", "//upload/p",
		"/%75pload/p", "/upload%2Fp", "/upload%252Fp", "/./upload/./p", "/Upload;jsessionid=1/p?q=1"} {
		if got := rawPost(t, e.addr, p, listed); got != 451 {
			t.Errorf("POST %s = %d, want 451 (scanned)", p, got)
		}
	}
	if n := len(o.requests()); n != 0 {
		t.Errorf("origin got %d listed uploads", n)
	}
	if got := rawPost(t, e.addr, "/elsewhere", listed); got != 201 {
		t.Errorf("POST outside the upload paths = %d, want forwarded", got)
	}

	cfg.UploadPaths, cfg.ScanAllBodies, cfg.ExemptPaths = nil, true, []string{"/api/comments"}
	all := startEdge(t, cfg)
	all.Load(indexSnapshot(t, 1, []match.Entry{listedEntry(t, listed, "x")}))
	if got := rawPost(t, all.addr, "/anything/at/all", listed); got != 451 {
		t.Errorf("scan-all: POST /anything/at/all = %d, want 451", got)
	}
	if got := rawPost(t, all.addr, "/API/Comments", listed); got != 201 {
		t.Errorf("scan-all: exempt path = %d, want forwarded", got)
	}
}

func TestCanonicalPath(t *testing.T) {
	tests := []struct {
		in   string
		fold bool
		want string
	}{
		{"/Upload/A", true, "/upload/a"},
		{"/Upload/A", false, "/Upload/A"},
		{`/a\b`, true, "/a/b"},
		{"/a;x=1/b;y", true, "/a/b"},
		{"/a/%2e%2e/b", true, "/b"},
		{"/a%252fb", true, "/a/b"},
		{"", true, "/"},
	}
	for _, tt := range tests {
		if got := canonicalPath([]byte(tt.in), tt.fold); got != tt.want {
			t.Errorf("canonicalPath(%q, %v) = %q, want %q", tt.in, tt.fold, got, tt.want)
		}
	}
}

// Proxied uploads are rationed like /v1/scan, and a client cannot lift its
// limit by writing X-Forwarded-For: the key is the right-most entry (the
// one the load balancer appended), or the TrustedHops-th from the right.
func TestProxyUploadRateLimitAndForwardedFor(t *testing.T) {
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin, cfg.UploadPaths = o.URL, []string{"/upload"}
	cfg.RatePerSecond, cfg.RateBurst = 0.001, 2
	cfg.ClientIPHeader = "X-Forwarded-For"
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, nil))
	img := encodeJPEG(t, makeImage(1, 64, 64), 90)
	codes := ""
	for i := range 4 {
		// A client forging a fresh left-most entry each time, behind a
		// balancer that appends 192.0.2.7.
		xff := "10.0.0." + strconv.Itoa(i) + ", 192.0.2.7"
		codes += strconv.Itoa(rawPost(t, e.addr, "/upload", img, "X-Forwarded-For", xff)) + " "
	}
	if codes != "201 201 429 429 " {
		t.Errorf("proxied uploads with forged X-Forwarded-For: %s, want 201 201 429 429", codes)
	}

	cfg.TrustedHops = 2 // client-facing balancer, then an internal one
	e2 := startEdge(t, cfg)
	e2.Load(indexSnapshot(t, 1, nil))
	codes = ""
	for i := range 3 {
		xff := "10.0.0." + strconv.Itoa(i) + ", 198.51.100.9, 192.0.2.7"
		codes += strconv.Itoa(rawPost(t, e2.addr, "/upload", img, "X-Forwarded-For", xff)) + " "
	}
	if codes != "201 201 429 " {
		t.Errorf("two trusted hops: %s, want 201 201 429", codes)
	}
}

func TestClientKeyIPv6Slash64(t *testing.T) {
	tests := []struct{ xff, want string }{
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::"},
		{"2001:db8:1:2:ffff::9", "2001:db8:1:2::"},
		{"[2001:db8:1:3::1]:443", "2001:db8:1:3::"},
		{"203.0.113.5", "203.0.113.5"},
		{"1.2.3.4, 203.0.113.5", "203.0.113.5"},
	}
	s := &Server{cfg: Config{ClientIPHeader: "X-Forwarded-For"}}
	for _, tt := range tests {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.Set("X-Forwarded-For", tt.xff)
		key := s.clientKey(&ctx, nil)
		ip := net.IP(append(key, make([]byte, 16-len(key))...))
		if len(key) == 4 {
			ip = net.IP(key)
		}
		if ip.String() != tt.want {
			t.Errorf("key of %q = %s, want %s", tt.xff, ip, tt.want)
		}
	}
}

// Headers a Connection header names are hop-by-hop and not forwarded.
func TestProxyStripsConnectionHeaders(t *testing.T) {
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin = o.URL
	e := startEdge(t, cfg)
	rawPost(t, e.addr, "/x", []byte("hi"), "Connection", "keep-alive, X-Secret-Hop", "X-Secret-Hop", "1", "X-Kept", "1")
	reqs := o.requests()
	if len(reqs) != 1 {
		t.Fatalf("origin got %d requests", len(reqs))
	}
	if reqs[0].header.Get("X-Secret-Hop") != "" || reqs[0].header.Get("X-Kept") != "1" {
		t.Errorf("forwarded headers: %v", reqs[0].header)
	}
	if strings.Contains(strings.ToLower(reqs[0].header.Get("Connection")), "x-secret-hop") {
		t.Errorf("Connection forwarded: %v", reqs[0].header)
	}
}

// sendHead writes a request head promising a body it never sends and
// returns the status the edge answers within a second.
func sendHead(t *testing.T, addr, head string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer before the body: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Per-route body limits apply before the body is read, and the rate limit
// before both: a verify call announcing 32 MiB is refused at once.
func TestBodyLimitsBeforeRead(t *testing.T) {
	cfg := testConfig()
	cfg.RatePerSecond, cfg.RateBurst = 0.001, 1
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, nil))
	// fasthttp reads up to 8 KiB of a body before any handler runs; the
	// rest is the handler's to read or refuse.
	big := "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 33554432\r\n\r\n" + strings.Repeat(" ", 8192)
	if got := sendHead(t, e.addr, big); got != 413 {
		t.Errorf("verify announcing 32 MiB = %d, want 413 before the body", got)
	}
	// The bucket is empty now: the next call is refused before its body.
	if got := sendHead(t, e.addr, strings.Replace(big, "33554432", "1048576", 1)); got != 429 {
		t.Errorf("rate-limited verify = %d, want 429 before the body", got)
	}
	// A chunked verify body is cut off after 4 KiB.
	e2 := startEdge(t, testConfig())
	e2.Load(indexSnapshot(t, 1, nil))
	c2, err := net.Dial("tcp", e2.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetDeadline(time.Now().Add(2 * time.Second))
	chunk := strings.Repeat(" ", 8192)
	c2.Write([]byte("POST /v1/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n" + chunk + "\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil || resp.StatusCode != 413 {
		t.Errorf("chunked 8 KiB verify body: %v %v, want 413 without the rest", resp, err)
	}
}

// With PrivateMetrics, /metrics is not the edge's on the serving port (in
// proxy mode it goes to the origin); MetricsHandler serves it elsewhere.
func TestPrivateMetrics(t *testing.T) {
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin, cfg.PrivateMetrics = o.URL, true
	e := startEdge(t, cfg)
	resp, body := do(t, "GET", e.url+"/metrics", nil)
	if resp.StatusCode != 201 || strings.Contains(string(body), "hashgate_edge") {
		t.Errorf("/metrics on the serving port = %d %.100s, want the origin's answer", resp.StatusCode, body)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ServeMetrics(ctx, ln) }()
	defer func() { cancel(); <-done }()
	resp, body = do(t, "GET", "http://"+ln.Addr().String()+"/metrics", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "hashgate_edge_requests_total") {
		t.Errorf("metrics listener = %d %.100s", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", "http://"+ln.Addr().String()+"/v1/manifest", nil); resp.StatusCode != 404 {
		t.Errorf("metrics listener serves /v1/manifest: %d", resp.StatusCode)
	}
}
