package edge

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/match"
)

// envoyExample is what edge/authz_test.go takes from deploy/envoy/envoy.yaml:
// the settings that decide the requests Envoy sends the edge.
type envoyExample struct {
	pathPrefix      string
	maxRequestBytes int
	allowed         map[string]bool // authorization_request.allowed_headers
	failureAllow    bool
	partialAllowed  bool
}

func readEnvoyExample(t *testing.T) envoyExample {
	t.Helper()
	y := string(mustRead(t, "../deploy/envoy/envoy.yaml"))
	one := func(key string) string {
		m := regexp.MustCompile(`(?m)^\s*`+key+`:\s*(\S+)\s*$`).FindAllStringSubmatch(y, -1)
		if len(m) != 1 {
			t.Fatalf("deploy/envoy/envoy.yaml: %d %s settings, want 1", len(m), key)
		}
		return m[0][1]
	}
	ex := envoyExample{pathPrefix: one("path_prefix"), allowed: map[string]bool{}}
	ex.maxRequestBytes, _ = strconv.Atoi(one("max_request_bytes"))
	ex.failureAllow = one("failure_mode_allow") == "true"
	ex.partialAllowed = one("allow_partial_message") == "true"
	req := y[strings.Index(y, "authorization_request:"):strings.Index(y, "authorization_response:")]
	for _, m := range regexp.MustCompile(`exact:\s*(\S+)`).FindAllStringSubmatch(req, -1) {
		ex.allowed[m[1]] = true
	}
	return ex
}

// envoyCheck sends the edge the check request Envoy's ext_authz HTTP client
// makes for a client request (method, path, headers, body): the same method,
// path_prefix before the original path and query, Content-Length of the
// body it buffered, and of the other headers only those allowed_headers
// names (Envoy always adds Host, Authorization, :method and :path).
func envoyCheck(t *testing.T, e *testEdge, ex envoyExample, method, path string, body []byte, hdr ...string) (int, []byte, string) {
	t.Helper()
	var send []string
	for i := 0; i+1 < len(hdr); i += 2 {
		if ex.allowed[strings.ToLower(hdr[i])] {
			send = append(send, hdr[i], hdr[i+1])
		}
	}
	resp, b := do(t, method, e.url+ex.pathPrefix+path, body, send...)
	return resp.StatusCode, b, resp.Header.Get(HeaderRelease)
}

// The ext_authz HTTP contract, on a real edge, with the requests the
// example configuration makes Envoy send. Envoy itself is not run.
func TestEnvoyExtAuthz(t *testing.T) {
	ex := readEnvoyExample(t)
	if ex.pathPrefix != AuthzEnvoyPrefix || ex.failureAllow || ex.partialAllowed || !ex.allowed["content-type"] {
		t.Fatalf("deploy/envoy/envoy.yaml: %+v; want path_prefix %s, failure_mode_allow and allow_partial_message false, content-type allowed", ex, AuthzEnvoyPrefix)
	}
	cfg := testConfig()
	cfg.Authz = true
	cfg.UploadPaths = []string{"/upload/**"}
	if ex.maxRequestBytes > cfg.MaxBodyBytes {
		t.Errorf("max_request_bytes %d is over the edge's default --max-body %d: Envoy would send bodies the edge refuses", ex.maxRequestBytes, cfg.MaxBodyBytes)
	}
	cfg.MaxBodyBytes = 256 << 10 // refused bodies then fit the socket buffers
	e := startEdge(t, cfg)
	listed := encodeJPEG(t, makeImage(42, 640, 480), 92)
	clean := encodeJPEG(t, makeImage(7, 640, 480), 92)

	// No release yet: a 5xx, which Envoy answers with status_on_error —
	// and lets through if failure_mode_allow were set.
	status, body, _ := envoyCheck(t, e, ex, "POST", "/upload/a.jpg", listed, "Content-Type", "image/jpeg")
	if status != 503 || !bytes.Contains(body, []byte(CodeNotReady)) {
		t.Errorf("before a release: %d %s, want 503 not_ready", status, body)
	}
	e.Load(indexSnapshot(t, 12, []match.Entry{listedEntry(t, listed, "terror-a")}))

	form, ctype := multipartBody(t, map[string]string{"caption": "x"}, map[string][]byte{"a.jpg": listed})
	cases := []struct {
		name, method, path string
		body               []byte
		hdr                []string
		status             int
		code               string // "" for 200 with an empty body
	}{
		{"listed JPEG", "POST", "/upload/a.jpg?album=3", listed, []string{"Content-Type", "image/jpeg", "X-Request-Id", "r1"}, 451, CodeBlocked},
		{"listed JPEG by PUT", "PUT", "/upload/a.jpg", listed, []string{"Content-Type", "image/jpeg"}, 451, CodeBlocked},
		{"listed JPEG in a form", "POST", "/upload/form", form, []string{"Content-Type", ctype}, 451, CodeBlocked},
		// A form whose Content-Type Envoy did not pass is one body that is
		// not an image: refused, not let through.
		{"form without its Content-Type", "POST", "/upload/form", form, []string{"Accept", "x/y"}, 415, CodeUnsupportedMedia},
		{"clean JPEG", "POST", "/upload/b.jpg", clean, []string{"Content-Type", "image/jpeg"}, 200, ""},
		{"no body", "GET", "/upload/b.jpg", nil, nil, 200, ""},
		{"not an upload path", "POST", "/profile", listed, []string{"Content-Type", "image/jpeg"}, 200, ""},
		{"path spelled to dodge the pattern", "POST", "/UPLOAD/./x/../a.jpg", listed, []string{"Content-Type", "image/jpeg"}, 451, CodeBlocked},
		{"partial body", "POST", "/upload/a.jpg", clean[:len(clean)/2], []string{"Content-Type", "image/jpeg", "X-Envoy-Auth-Partial-Body", "true"}, 413, CodeBodyTooLarge},
		{"not an image", "POST", "/upload/c.jpg", bytes.Repeat([]byte("text "), 200), []string{"Content-Type", "image/jpeg"}, 415, CodeUnsupportedMedia},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			status, body, release := envoyCheck(t, e, ex, tt.method, tt.path, tt.body, tt.hdr...)
			if status != tt.status {
				t.Fatalf("status %d %s, want %d", status, body, tt.status)
			}
			if tt.code == "" {
				if len(body) != 0 {
					t.Errorf("allowing answer has a body %q (Envoy would ignore it)", body)
				}
				if tt.body != nil && tt.path != "/profile" && release != "12" {
					t.Errorf("%s = %q, want 12", HeaderRelease, release)
				}
				return
			}
			var b struct {
				Status  int    `json:"status"`
				Code    string `json:"code"`
				Release uint64 `json:"release"`
			}
			if err := json.Unmarshal(body, &b); err != nil || b.Status != tt.status || b.Code != tt.code {
				t.Errorf("body %s, want status %d code %s", body, tt.status, tt.code)
			}
			if tt.code == CodeBlocked && b.Release != 12 {
				t.Errorf("blocked answer names release %d, want 12", b.Release)
			}
		})
	}
	// A 413 is a denial Envoy passes on whatever failure_mode_allow says;
	// the edge's refusals of what it cannot check are never 5xx.
	resp, body := do(t, "POST", e.url+ex.pathPrefix+"/upload/big", make([]byte, cfg.MaxBodyBytes+1), "Content-Type", "image/jpeg")
	if resp.StatusCode != 413 {
		t.Errorf("a body over --max-body: %d %s, want 413", resp.StatusCode, body)
	}
}

// The nginx endpoint refuses what it cannot decide on: no original URI, a
// body file outside --authz-body-dir.
func TestNginxAuthzRefusals(t *testing.T) {
	dir := t.TempDir()
	listed := encodeJPEG(t, makeImage(42, 640, 480), 92)
	in := filepath.Join(dir, "0000000001")
	if err := os.WriteFile(in, listed, 0o600); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "0000000002")
	if err := os.WriteFile(outside, listed, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "0000000003")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Authz = true
	cfg.AuthzBodyDir = dir
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 4, []match.Entry{listedEntry(t, listed, "terror-a")}))
	cases := []struct {
		name       string
		hdr        []string
		status     int
		hgStatus   string
		hgCode     string
		hgRelease  string
		logContain string
	}{
		{"listed file in the body directory", []string{HeaderOriginalURI, "/upload/a", HeaderBodyFile, in}, 403, "451", CodeBlocked, "4", ""},
		{"no original URI", []string{HeaderBodyFile, in}, 400, "", "", "", ""},
		{"file outside the directory", []string{HeaderOriginalURI, "/upload/a", HeaderBodyFile, outside}, 400, "", "", "", "not directly in"},
		{"climbing out of the directory", []string{HeaderOriginalURI, "/upload/a", HeaderBodyFile, dir + "/../" + filepath.Base(filepath.Dir(outside)) + "/0000000002"}, 400, "", "", "", "not directly in"},
		{"relative name", []string{HeaderOriginalURI, "/upload/a", HeaderBodyFile, "0000000001"}, 400, "", "", "", "not directly in"},
		{"symbolic link", []string{HeaderOriginalURI, "/upload/a", HeaderBodyFile, link}, 400, "", "", "", "not a regular file"},
		{"the directory itself", []string{HeaderOriginalURI, "/upload/a", HeaderBodyFile, dir + "/."}, 400, "", "", "", "not directly in"},
		{"missing file", []string{HeaderOriginalURI, "/upload/a", HeaderBodyFile, filepath.Join(dir, "nope")}, 400, "", "", "", "no such file"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+AuthzNginxPath, nil, tt.hdr...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, body, tt.status)
			}
			for h, want := range map[string]string{HeaderStatus: tt.hgStatus, HeaderCode: tt.hgCode, HeaderRelease: tt.hgRelease} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if tt.logContain != "" && !strings.Contains(e.logs.String(), tt.logContain) {
				t.Errorf("log does not say %q", tt.logContain)
			}
		})
	}
}

// Authz mode and proxy mode exclude each other; upload paths need one.
func TestAuthzConfig(t *testing.T) {
	cfg := testConfig()
	cfg.Authz, cfg.Origin = true, "http://127.0.0.1:1"
	if _, err := New(cfg); err == nil {
		t.Error("Authz with Origin: no error")
	}
	cfg = testConfig()
	cfg.Authz, cfg.UploadPaths = true, []string{"/upload/**"}
	if _, err := New(cfg); err != nil {
		t.Errorf("Authz with upload paths: %v", err)
	}
	cfg.Authz = false
	if _, err := New(cfg); err == nil {
		t.Error("upload paths without Origin or Authz: no error")
	}
}

// The authorization routes answer as edge/openapi.json documents them.
func TestOpenAPIAuthzAnswersAsDocumented(t *testing.T) {
	d := loadOpenAPI(t)
	errCodes := d.schema(openAPISchema{Ref: "#/components/schemas/Error"}).Properties["code"].Enum
	dir := t.TempDir()
	listed := encodeJPEG(t, makeImage(42, 320, 240), 92)
	file := filepath.Join(dir, "0000000001")
	if err := os.WriteFile(file, listed, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Authz, cfg.AuthzBodyDir, cfg.MaxBodyBytes = true, dir, 256<<10 // a refused body then fits the socket buffers
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 2, []match.Entry{listedEntry(t, listed, "l")}))
	envoy, nginx := d.Paths["/v1/authz/envoy/{path}"], d.Paths[AuthzNginxPath]
	cases := []struct {
		op          string
		method, url string
		body        []byte
		hdr         []string
		want        int
	}{
		{"post", "POST", e.url + AuthzEnvoyPrefix + "/u", listed, []string{"Content-Type", "image/jpeg"}, 451},
		{"post", "POST", e.url + AuthzEnvoyPrefix + "/u", encodeJPEG(t, makeImage(3, 320, 240), 92), []string{"Content-Type", "image/jpeg"}, 200},
		{"post", "POST", e.url + AuthzEnvoyPrefix + "/u", []byte("not an image at all, not at all"), []string{"Content-Type", "image/jpeg"}, 415},
		{"post", "POST", e.url + AuthzEnvoyPrefix + "/u", make([]byte, 256<<10+1), nil, 413},
		{"put", "PUT", e.url + AuthzEnvoyPrefix + "/u", listed, nil, 451},
		{"post", "POST", e.url + AuthzNginxPath, nil, []string{HeaderOriginalURI, "/u", HeaderBodyFile, file}, 403},
		{"post", "POST", e.url + AuthzNginxPath, nil, []string{HeaderOriginalURI, "/u"}, 200},
		{"post", "POST", e.url + AuthzNginxPath, nil, []string{HeaderBodyFile, file}, 400},
	}
	for _, tt := range cases {
		ops := envoy
		if strings.HasSuffix(tt.url, AuthzNginxPath) {
			ops = nginx
		}
		resp, body := do(t, tt.method, tt.url, tt.body, tt.hdr...)
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s = %d %s, want %d", tt.method, tt.url, resp.StatusCode, body, tt.want)
		}
		checkDocumented(t, d, ops[tt.op], resp.StatusCode, resp.Header.Get("Content-Type"), body, errCodes)
	}
}

// In monitor mode the ext_authz check allows a listed upload and names its
// match in X-Hashgate-Monitor, which deploy/envoy/envoy.yaml passes to the
// origin.
func TestEnvoyExtAuthzMonitor(t *testing.T) {
	ex := readEnvoyExample(t)
	if !strings.Contains(string(mustRead(t, "../deploy/envoy/envoy.yaml")), "- exact: "+strings.ToLower(MonitorHeader)) {
		t.Errorf("deploy/envoy/envoy.yaml does not pass %s upstream", MonitorHeader)
	}
	rule, err := ParsePolicy("label:trial=monitor")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Authz = true
	cfg.Policies = []PolicyRule{rule}
	e := startEdge(t, cfg)
	listed := encodeJPEG(t, makeImage(44, 640, 480), 92)
	e.Load(indexSnapshot(t, 2, []match.Entry{listedEntry(t, listed, "trial")}))
	resp, body := do(t, "POST", e.url+ex.pathPrefix+"/upload/a.jpg", listed, "Content-Type", "image/jpeg")
	if resp.StatusCode != 200 || len(body) != 0 || !validMatchID(resp.Header.Get(MonitorHeader)) || resp.Header.Get(HeaderRelease) != "2" {
		t.Errorf("monitored check = %d %q, %s %q, release %q; want 200, no body, a match id and release 2",
			resp.StatusCode, body, MonitorHeader, resp.Header.Get(MonitorHeader), resp.Header.Get(HeaderRelease))
	}
}
