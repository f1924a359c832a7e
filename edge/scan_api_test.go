package edge

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
)

// listedEntry fingerprints b and returns the PDQ list entry for it.
func listedEntry(t *testing.T, b []byte, label string) match.Entry {
	t.Helper()
	fp, err := media.FingerprintBytes(b, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fp.PDQQuality < 50 {
		t.Fatalf("test image PDQ quality %d is too low to list", fp.PDQQuality)
	}
	return match.Entry{Kind: fingerprint.KindPDQ, PDQ: fp.PDQ, Labels: []string{label}, Source: "test-list"}
}

func multipartBody(t *testing.T, fields map[string]string, files map[string][]byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, data := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
		h.Set("Content-Type", "application/octet-stream")
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		p.Write(data)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func decodeVerdict(t *testing.T, body []byte) verdictJSON {
	t.Helper()
	var v verdictJSON
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("verdict not JSON: %s", body)
	}
	return v
}

func TestScan(t *testing.T) {
	imgDir := filepath.Join(testenv.PDQDir(t), "images")
	orig, err := os.ReadFile(filepath.Join(imgDir, "bridge-mods", "aaa-orig.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	gen := makeImage(42, 800, 600)
	genJPEG := encodeJPEG(t, gen, 92)
	e := startEdge(t, testConfig())
	e.Load(indexSnapshot(t, 9, []match.Entry{listedEntry(t, orig, "bridge"), listedEntry(t, genJPEG, "generated")}))

	tests := []struct {
		name      string
		body      []byte
		ctype     string
		wantLabel string // "" for a clean file
	}{
		{"listed photo, raw", orig, "image/jpeg", "bridge"},
		{"photo shrunk a lot", mustRead(t, filepath.Join(imgDir, "bridge-mods", "shrink-a-lot.jpg")), "image/jpeg", "bridge"},
		{"photo blurred", mustRead(t, filepath.Join(imgDir, "bridge-mods", "blur-a-little.jpg")), "", "bridge"},
		{"generated, resized to 70% and re-encoded as PNG", encodePNG(t, resize(gen, 560, 420)), "image/png", "generated"},
		{"generated, resized to 50% and re-encoded as JPEG q70", encodeJPEG(t, resize(gen, 400, 300), 70), "application/octet-stream", "generated"},
		{"clean generated image", encodeJPEG(t, makeImage(7, 800, 600), 90), "image/jpeg", ""},
		{"clean reference image", mustRead(t, filepath.Join(imgDir, "misc-images", "c.png")), "image/png", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/v1/scan", tt.body, "Content-Type", tt.ctype)
			if resp.StatusCode != 200 {
				t.Fatalf("scan = %d %s", resp.StatusCode, body)
			}
			v := decodeVerdict(t, body)
			if v.Match != (tt.wantLabel != "") || v.Files != 1 || v.Release != 9 {
				t.Fatalf("verdict %s, want match=%v", body, tt.wantLabel != "")
			}
			if tt.wantLabel != "" && !contains(v.Matches[0].Labels, tt.wantLabel) {
				t.Errorf("labels %v, want %q", v.Matches[0].Labels, tt.wantLabel)
			}
		})
	}

	// Multipart: the listed file among form fields and a clean file.
	body, ct := multipartBody(t, map[string]string{"caption": "hello"},
		map[string][]byte{"holiday.jpg": encodeJPEG(t, makeImage(8, 300, 300), 90), "bad.jpg": genJPEG})
	resp, got := do(t, "POST", e.url+"/v1/scan", body, "Content-Type", ct)
	v := decodeVerdict(t, got)
	if resp.StatusCode != 200 || !v.Match || v.Files != 2 || len(v.Matches) != 1 || v.Matches[0].File != "bad.jpg" {
		t.Errorf("multipart scan = %d %s", resp.StatusCode, got)
	}

	errorCases := []struct {
		name   string
		body   []byte
		ctype  string
		status int
		code   string
	}{
		{"60000x60000 PNG header", pngHeader(60000, 60000), "image/png", 413, CodeImageTooLarge},
		{"text file", []byte("just some words, not an image"), "text/plain", 415, CodeUnsupportedMedia},
		{"truncated JPEG", genJPEG[:600], "image/jpeg", 422, CodeUnprocessable},
		{"malformed multipart", []byte("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nno end"), "multipart/form-data; boundary=XyZ", 400, CodeMalformedMultipart},
		{"multipart without boundary", []byte("x"), "multipart/form-data", 400, CodeMalformedMultipart},
		{"empty body", nil, "image/png", 400, CodeBadRequest},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/v1/scan", tt.body, "Content-Type", tt.ctype)
			wantError(t, resp, body, tt.status, tt.code)
		})
	}

	logs := e.logs.String()
	if !strings.Contains(logs, "bad.jpg") {
		t.Error("the matching file's name is not logged")
	}
	if strings.Contains(logs, "holiday.jpg") {
		t.Error("the name of a file that did not match is logged")
	}
}

// The pixel limit is checked from the header: a PNG claiming 60000×60000
// (14 GB of pixels) is refused before any pixel memory is allocated. The
// whole process allocating under 64 MiB while answering shows it.
func TestScanHugeHeaderNoAllocation(t *testing.T) {
	e := startEdge(t, testConfig())
	e.Load(indexSnapshot(t, 1, nil))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, body := do(t, "POST", e.url+"/v1/scan", pngHeader(60000, 60000), "Content-Type", "image/png")
	runtime.ReadMemStats(&after)
	wantError(t, resp, body, 413, CodeImageTooLarge)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Errorf("answering the 413 allocated %d bytes: the pixels were allocated", n)
	}
}
