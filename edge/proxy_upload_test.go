package edge

import (
	"bytes"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
)

type blockedJSON struct {
	Status  int      `json:"status"`
	Code    string   `json:"code"`
	Release int      `json:"release"`
	Labels  []string `json:"labels"`
	Lists   []string `json:"lists"`
}

func TestProxyUploads(t *testing.T) {
	gen := makeImage(42, 800, 600)
	listedJPEG := encodeJPEG(t, gen, 92)
	orig := mustRead(t, filepath.Join(filepath.Join(testenv.PDQDir(t), "images"), "bridge-mods", "aaa-orig.jpg"))
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin = o.URL
	cfg.UploadPaths = []string{"/upload/**", "/api/*/media"}
	e := startEdge(t, cfg)

	// Before a release is loaded, uploads are refused (fail-closed) while
	// other routes pass through.
	resp, body := do(t, "POST", e.url+"/upload/x", listedJPEG, "Content-Type", "image/jpeg")
	wantError(t, resp, body, 503, CodeNotReady)
	if resp, _ := do(t, "GET", e.url+"/upload/x", nil); resp.StatusCode != 201 {
		t.Errorf("GET on an upload path (no body) = %d, want forwarded", resp.StatusCode)
	}
	e.Load(indexSnapshot(t, 5, []match.Entry{listedEntry(t, listedJPEG, "generated"), listedEntry(t, orig, "bridge")}))
	forwarded := len(o.requests())

	blockedCases := []struct {
		name  string
		path  string
		body  []byte
		ctype string
	}{
		{"listed image, raw", "/upload/a.jpg", listedJPEG, "image/jpeg"},
		{"re-encoded and resized copy", "/upload/deep/b.png", encodePNG(t, resize(gen, 480, 360)), "image/png"},
		{"modified reference photo", "/api/v2/media", mustRead(t, filepath.Join(filepath.Join(testenv.PDQDir(t), "images"), "bridge-mods", "shrink-a-lot.jpg")), "image/jpeg"},
	}
	for _, tt := range blockedCases {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+tt.path, tt.body, "Content-Type", tt.ctype)
			if resp.StatusCode != 451 {
				t.Fatalf("status %d %s, want 451", resp.StatusCode, body)
			}
			var b blockedJSON
			if err := json.Unmarshal(body, &b); err != nil || b.Code != CodeBlocked || b.Status != 451 || b.Release != 5 || len(b.Labels) == 0 || len(b.Lists) == 0 {
				t.Errorf("451 body %s (%v)", body, err)
			}
		})
	}
	// A multipart upload hiding the listed file among clean ones.
	mp, ct := multipartBody(t, map[string]string{"title": "x"}, map[string][]byte{
		"cat.jpg": encodeJPEG(t, makeImage(3, 400, 300), 90), "payload.png": encodePNG(t, resize(gen, 600, 450)),
	})
	resp, body = do(t, "PUT", e.url+"/upload/album", mp, "Content-Type", ct)
	if resp.StatusCode != 451 || !strings.Contains(string(body), "generated") {
		t.Errorf("multipart with a listed file = %d %s", resp.StatusCode, body)
	}
	// The same listed image smuggled in a plain (non-file) form field.
	var smuggled bytes.Buffer
	smuggled.WriteString("--B\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n")
	smuggled.Write(listedJPEG)
	smuggled.WriteString("\r\n--B--\r\n")
	resp, body = do(t, "POST", e.url+"/upload/x", smuggled.Bytes(), "Content-Type", "multipart/form-data; boundary=B")
	if resp.StatusCode != 451 {
		t.Errorf("image in a plain field = %d %s, want 451", resp.StatusCode, body)
	}
	if n := len(o.requests()); n != forwarded {
		t.Fatalf("the origin received %d blocked uploads", n-forwarded)
	}

	// A clean upload reaches the origin byte for byte, and its answer
	// comes back.
	clean, cct := multipartBody(t, map[string]string{"title": "holiday"}, map[string][]byte{"beach.jpg": encodeJPEG(t, makeImage(11, 640, 480), 88)})
	resp, body = do(t, "POST", e.url+"/upload/photos?album=2", clean, "Content-Type", cct, "X-Request-Id", "r1")
	if resp.StatusCode != 201 || string(body) != "origin says hi" {
		t.Fatalf("clean upload = %d %s", resp.StatusCode, body)
	}
	reqs := o.requests()
	last := reqs[len(reqs)-1]
	if !bytes.Equal(last.body, clean) || last.uri != "/upload/photos?album=2" || last.method != "POST" ||
		last.header.Get("Content-Type") != cct || last.header.Get("X-Request-Id") != "r1" {
		t.Errorf("origin got %s %s (%d bytes, equal=%v) %v", last.method, last.uri, len(last.body), bytes.Equal(last.body, clean), last.header)
	}

	// Files the edge cannot fingerprint are refused, not forwarded.
	refused := []struct {
		name   string
		body   []byte
		ctype  string
		status int
		code   string
	}{
		{"corrupt JPEG", listedJPEG[:700], "image/jpeg", 422, CodeUnprocessable},
		{"not an image", []byte("%PDF-1.7 not an image"), "application/pdf", 415, CodeUnsupportedMedia},
		{"60000x60000 PNG header", pngHeader(60000, 60000), "image/png", 413, CodeImageTooLarge},
		{"malformed multipart", []byte("--B\r\nbroken"), "multipart/form-data; boundary=B", 400, CodeMalformedMultipart},
	}
	before := len(o.requests())
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/upload/f", tt.body, "Content-Type", tt.ctype)
			wantError(t, resp, body, tt.status, tt.code)
		})
	}
	if n := len(o.requests()); n != before {
		t.Errorf("the origin received %d refused uploads", n-before)
	}
	logs := e.logs.String()
	if strings.Contains(logs, "beach.jpg") || strings.Contains(logs, "cat.jpg") {
		t.Error("names of files that did not match are logged")
	}
	if !strings.Contains(logs, "payload.png") {
		t.Error("the matching file's name is not logged")
	}
}

func TestProxyFailOpen(t *testing.T) {
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin = o.URL
	cfg.UploadPaths = []string{"/upload"}
	cfg.FailOpen = true
	e := startEdge(t, cfg)
	gen := makeImage(42, 400, 300)
	listed := encodeJPEG(t, gen, 90)
	e.Load(indexSnapshot(t, 1, []match.Entry{listedEntry(t, listed, "x")}))
	corrupt := listed[:500]
	resp, _ := do(t, "POST", e.url+"/upload", corrupt, "Content-Type", "image/jpeg")
	if resp.StatusCode != 201 {
		t.Fatalf("fail-open: corrupt upload = %d, want forwarded", resp.StatusCode)
	}
	if reqs := o.requests(); len(reqs) != 1 || !bytes.Equal(reqs[0].body, corrupt) {
		t.Fatalf("origin did not get the corrupt upload intact")
	}
	// Fail-open never lets a match through.
	if resp, _ := do(t, "POST", e.url+"/upload", listed, "Content-Type", "image/jpeg"); resp.StatusCode != 451 {
		t.Errorf("fail-open: listed upload = %d, want 451", resp.StatusCode)
	}
}

// An upload whose scan passes but whose origin is down gets a whole 502.
func TestProxyUploadOriginDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	cfg := testConfig()
	cfg.Origin = dead
	cfg.UploadPaths = []string{"/upload"}
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, nil))
	resp, body := do(t, "POST", e.url+"/upload", encodeJPEG(t, makeImage(1, 300, 200), 90), "Content-Type", "image/jpeg")
	wantError(t, resp, body, 502, CodeOriginUnavailable)
}
