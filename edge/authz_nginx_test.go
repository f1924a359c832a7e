package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/match"
)

// nginxJSModule is where Debian's libnginx-mod-http-js puts njs, which the
// example configuration needs to read the body before auth_request.
const nginxJSModule = "/usr/lib/nginx/modules/ngx_http_js_module.so"

// startNginx runs Debian's nginx with deploy/nginx/hashgate.conf, its
// addresses pointed at edge and origin, and returns its address. The
// example is used as shipped but for those lines and the body directory.
func startNginx(t *testing.T, edgeAddr, originAddr, bodyDir string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("nginx is not installed (.ci/setup installs Debian's nginx): %v", err)
	}
	if _, err := os.Stat(nginxJSModule); err != nil {
		t.Fatalf("njs is not installed (.ci/setup installs libnginx-mod-http-js): %v", err)
	}
	dir := t.TempDir()
	// nginx's workers run as another user when the test runs as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := string(mustRead(t, "../deploy/nginx/hashgate.conf"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nginx binds it; the gap is a few milliseconds on loopback
	for _, r := range []struct{ old, new string }{
		{"server 127.0.0.1:8080;", "server " + edgeAddr + ";"},
		{"server 127.0.0.1:9000;", "server " + originAddr + ";"},
		{"listen 127.0.0.1:8000;", "listen " + addr + ";"},
		{"client_body_temp_path /var/lib/nginx/body;", "client_body_temp_path " + bodyDir + ";"},
	} {
		if !strings.Contains(conf, r.old) {
			t.Fatalf("deploy/nginx/hashgate.conf no longer has %q", r.old)
		}
		conf = strings.Replace(conf, r.old, r.new, 1)
	}
	js := mustRead(t, "../deploy/nginx/hashgate.js")
	for name, b := range map[string][]byte{"hashgate.conf": []byte(conf), "hashgate.js": js} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	user := ""
	if os.Getuid() == 0 {
		user = "user root root;"
	}
	main := fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
load_module %[3]s;
events { worker_connections 64; }
http {
    access_log off;
    js_path %[2]s;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[2]s/hashgate.conf;
}
`, user, dir, nginxJSModule)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), log)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s\n%s", out.String(), log)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatal("nginx did not start listening within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nginx's auth_request, configured as deploy/nginx shows, in front of a
// real origin on loopback: a listed upload is refused with the edge's 451
// and never reaches the origin; a clean one reaches it byte for byte.
func TestNginxAuthRequest(t *testing.T) {
	listed := encodeJPEG(t, makeImage(42, 640, 480), 92)
	clean := encodeJPEG(t, makeImage(7, 640, 480), 92)
	big := encodeJPEG(t, makeImage(8, 1600, 1200), 95) // several reads of the body
	if len(big) < 64<<10 {
		t.Fatalf("the large clean upload is only %d bytes", len(big))
	}
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Authz = true
	cfg.AuthzBodyDir = filepath.Join(t.TempDir(), "body")
	shadow := encodeJPEG(t, makeImage(43, 640, 480), 92)
	shadowEntry := listedEntry(t, shadow, "terror-b")
	shadowEntry.Source = "trial-list"
	rule, err := ParsePolicy("list:trial-list=monitor")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policies = []PolicyRule{rule}
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 9, []match.Entry{listedEntry(t, listed, "terror-a"), shadowEntry}))
	nginx := "http://" + startNginx(t, e.addr, strings.TrimPrefix(o.URL, "http://"), cfg.AuthzBodyDir)

	form, ctype := multipartBody(t, map[string]string{"title": "holiday"}, map[string][]byte{"photo": listed})
	refused := []struct {
		name         string
		body         []byte
		ctype        string
		status       int
		code         string
		wantRelease9 bool
	}{
		{"listed JPEG, raw", listed, "image/jpeg", 451, CodeBlocked, true},
		{"listed JPEG in a form", form, ctype, 451, CodeBlocked, true},
		{"resized copy of the listed JPEG", encodePNG(t, resize(makeImage(42, 640, 480), 320, 240)), "image/png", 451, CodeBlocked, true},
		{"not an image", bytes.Repeat([]byte("not a picture "), 100), "image/jpeg", 415, CodeUnsupportedMedia, false},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before := len(o.requests())
			resp, body := do(t, "POST", nginx+"/upload/photo", tt.body, "Content-Type", tt.ctype)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, body, tt.status)
			}
			var b struct {
				Status  int    `json:"status"`
				Code    string `json:"code"`
				Release uint64 `json:"release"`
			}
			if err := json.Unmarshal(body, &b); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			if b.Status != tt.status || b.Code != tt.code || tt.wantRelease9 && b.Release != 9 {
				t.Errorf("body %s, want status %d, code %s (release 9: %v)", body, tt.status, tt.code, tt.wantRelease9)
			}
			if n := len(o.requests()); n != before {
				t.Errorf("the origin received %d requests for a refused upload", n-before)
			}
		})
	}

	passed := []struct {
		name, path, ctype string
		body              []byte
	}{
		{"clean JPEG", "/upload/photo", "image/jpeg", clean},
		{"larger clean JPEG", "/upload/big", "image/jpeg", big},
	}
	for _, tt := range passed {
		t.Run(tt.name, func(t *testing.T) {
			before := len(o.requests())
			resp, body := do(t, "POST", nginx+tt.path+"?album=1", tt.body, "Content-Type", tt.ctype, MonitorHeader, "forged")
			if resp.StatusCode != 201 || string(body) != "origin says hi" {
				t.Fatalf("status %d %q, want the origin's 201", resp.StatusCode, body)
			}
			reqs := o.requests()
			if len(reqs) != before+1 {
				t.Fatalf("the origin received %d requests, want 1", len(reqs)-before)
			}
			got := reqs[len(reqs)-1]
			if got.method != "POST" || got.uri != tt.path+"?album=1" || !bytes.Equal(got.body, tt.body) {
				t.Errorf("origin got %s %s with %d bytes (equal: %v), want POST %s?album=1 with the %d bytes sent",
					got.method, got.uri, len(got.body), bytes.Equal(got.body, tt.body), tt.path, len(tt.body))
			}
			if h := got.header.Get(MonitorHeader); h != "" {
				t.Errorf("the client's own %s %q reached the origin", MonitorHeader, h)
			}
		})
	}

	// A monitored match passes, the origin told its match id.
	resp, body := do(t, "POST", nginx+"/upload/shadow", shadow, "Content-Type", "image/jpeg", MonitorHeader, "forged")
	if resp.StatusCode != 201 {
		t.Fatalf("monitored upload = %d %s, want the origin's 201", resp.StatusCode, body)
	}
	reqs := o.requests()
	if got := reqs[len(reqs)-1]; !bytes.Equal(got.body, shadow) || !validMatchID(got.header.Get(MonitorHeader)) {
		t.Errorf("origin got %d bytes with %s %q, want the upload and its match id", len(got.body), MonitorHeader, got.header.Get(MonitorHeader))
	}

	// Paths outside the upload location are not checked.
	if resp, _ := do(t, "GET", nginx+"/index.html", nil); resp.StatusCode != 201 {
		t.Errorf("GET /index.html = %d, want the origin's 201", resp.StatusCode)
	}
	resp, body = do(t, "GET", e.url+"/metrics", nil)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`hashgate_edge_requests_total{route="authz",code="200"} 3`)) ||
		!bytes.Contains(body, []byte(`hashgate_edge_requests_total{route="authz",code="403"} 4`)) {
		t.Errorf("the edge's metrics do not count 3 passed and 4 refused authz requests:\n%s", grepLines(string(body), "route=\"authz\""))
	}
}
