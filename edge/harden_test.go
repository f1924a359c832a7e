package edge

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

// Worst-case decode files shared with fingerprint/media's cost test.
const mediaTestdata = "../fingerprint/media/testdata/"

// Decode memory is bounded by bytes: a progressive JPEG whose estimated
// decode is over the budget is refused from its header, while a baseline
// one of the same size passes.
func TestScanDecodeBudget(t *testing.T) {
	cfg := testConfig()
	cfg.DecodeBudget = 12 << 20
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, nil))
	prog := mustRead(t, mediaTestdata+"prog444-1024x768.jpg")
	base := mustRead(t, mediaTestdata+"base420-1024x768.jpg")
	resp, body := do(t, "POST", e.url+"/v1/scan", prog, "Content-Type", "image/jpeg")
	wantError(t, resp, body, 413, CodeImageTooLarge)
	if !strings.Contains(string(body), "budget") && !strings.Contains(string(body), "MiB") {
		t.Errorf("413 does not say the decode budget is the limit: %s", body)
	}
	if resp, body := do(t, "POST", e.url+"/v1/scan", base, "Content-Type", "image/jpeg"); resp.StatusCode != 200 {
		t.Errorf("baseline JPEG under the budget = %d %s", resp.StatusCode, body)
	}
	waitBudgetFree(t, e.Server)
}

// waitBudgetFree waits (bounded) until every decode has given its budget
// back: a decode releases it after its answer is written.
func waitBudgetFree(t *testing.T, s *Server) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); s.budget.inUse() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("budget still held: %d bytes", s.budget.inUse())
		}
	}
}

// The budget is a FIFO weighted semaphore: what does not fit waits, and
// gives up with its context.
func TestDecodeBudget(t *testing.T) {
	b := newDecodeBudget(100)
	ctx := context.Background()
	if err := b.acquire(ctx, 101); !errors.Is(err, errOverBudget) {
		t.Fatalf("acquire over the total: %v", err)
	}
	if err := b.acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := b.acquire(short, 60); err == nil {
		t.Fatal("second 60 of 100 granted")
	}
	got := make(chan error, 1)
	go func() { got <- b.acquire(ctx, 70) }()
	time.Sleep(10 * time.Millisecond)
	select {
	case <-got:
		t.Fatal("70 granted beside 60")
	default:
	}
	b.release(60)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if b.inUse() != 70 {
		t.Fatalf("in use %d, want 70", b.inUse())
	}
	b.release(70)
}

// At most MaxImages images are decoded for one request.
func TestScanMaxImages(t *testing.T) {
	cfg := testConfig()
	cfg.MaxImages = 2
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, nil))
	files := map[string][]byte{}
	for i, n := range []string{"a.png", "b.png", "c.png"} {
		files[n] = encodePNG(t, makeImage(uint64(i), 64, 64))
	}
	body, ct := multipartBody(t, nil, files)
	resp, got := do(t, "POST", e.url+"/v1/scan", body, "Content-Type", ct)
	wantError(t, resp, got, 413, CodeTooManyImages)
}

// Every scan has a deadline.
func TestScanTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.ScanTimeout = time.Millisecond
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, nil))
	resp, body := do(t, "POST", e.url+"/v1/scan", mustRead(t, mediaTestdata+"prog444-1024x768.jpg"), "Content-Type", "image/jpeg")
	wantError(t, resp, body, 503, CodeScanTimeout)
	// The decode that outlived the request gives its budget back.
	waitBudgetFree(t, e.Server)
}

// A listed digest matches whatever the body is: a listed non-image (a
// video's MD5) is a match, not 415, and fail-open does not forward it.
func TestScanDigestBeforeDecode(t *testing.T) {
	video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 4096)...)
	sum := md5.Sum(video)
	listed := []match.Entry{{Kind: fingerprint.KindMD5, MD5: sum, Labels: []string{"v"}, Source: "test-list"}}

	e := startEdge(t, testConfig())
	e.Load(indexSnapshot(t, 1, listed))
	resp, body := do(t, "POST", e.url+"/v1/scan", video, "Content-Type", "video/mp4")
	if v := decodeVerdict(t, body); resp.StatusCode != 200 || !v.Match {
		t.Fatalf("listed video = %d %s, want a match", resp.StatusCode, body)
	}
	mp, ct := multipartBody(t, nil, map[string][]byte{"clip.mp4": video})
	if resp, body := do(t, "POST", e.url+"/v1/scan", mp, "Content-Type", ct); !decodeVerdict(t, body).Match {
		t.Fatalf("listed video in a multipart part = %d %s", resp.StatusCode, body)
	}

	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin, cfg.UploadPaths, cfg.FailOpen = o.URL, []string{"/upload"}, true
	p := startEdge(t, cfg)
	p.Load(indexSnapshot(t, 1, listed))
	if resp, _ := do(t, "POST", p.url+"/upload", video, "Content-Type", "video/mp4"); resp.StatusCode != 451 {
		t.Errorf("fail-open proxy: listed video = %d, want 451", resp.StatusCode)
	}
	if n := len(o.requests()); n != 0 {
		t.Errorf("origin got %d requests", n)
	}
}

// Multipart framing and classification: bytes outside the parts are
// refused, plain fields count against the part limit, a JSON part is not a
// file, and images in base64 or data: URL fields are scanned.
func TestScanMultipartSmuggling(t *testing.T) {
	listedImg := encodeJPEG(t, makeImage(42, 400, 300), 90)
	e := startEdge(t, testConfig())
	e.Load(indexSnapshot(t, 1, []match.Entry{listedEntry(t, listedImg, "x")}))
	const ct = "multipart/form-data; boundary=XyZ"
	part := func(headers, data string) string {
		return "--XyZ\r\nContent-Disposition: form-data; " + headers + "\r\n\r\n" + data + "\r\n"
	}
	file := part(`name="f"; filename="a.jpg"`, string(listedImg))
	b64 := base64.StdEncoding.EncodeToString(listedImg)
	tests := []struct {
		name   string
		body   string
		status int
		code   string // or "match" / "clean"
	}{
		{"part in the preamble", "preamble\r\n" + file + "--XyZ--\r\n", 400, CodeMalformedMultipart},
		{"part after the close", part(`name="t"`, "hi") + "--XyZ--\r\n" + file + "--XyZ--\r\n", 400, CodeMalformedMultipart},
		{"epilogue text", part(`name="t"`, "hi") + "--XyZ--\r\ntrailing", 400, CodeMalformedMultipart},
		{"base64 field", part(`name="img"`, b64) + "--XyZ--\r\n", 200, "match"},
		{"data: URL field", part(`name="img"`, "data:image/jpeg;base64,"+b64) + "--XyZ--\r\n", 200, "match"},
		{"JSON metadata part", part(`name="meta"`+"\r\nContent-Type: application/json", `{"title":"x"}`) +
			part(`name="f"; filename="b.png"`, string(encodePNG(t, makeImage(3, 64, 64)))) + "--XyZ--\r\n", 200, "clean"},
		{"too many plain fields", strings.Repeat(part(`name="t"`, "x"), 17) + "--XyZ--\r\n", 400, CodeMalformedMultipart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/v1/scan", []byte(tt.body), "Content-Type", ct)
			switch tt.code {
			case "match", "clean":
				if v := decodeVerdict(t, body); resp.StatusCode != 200 || v.Match != (tt.code == "match") {
					t.Fatalf("= %d %s, want %s", resp.StatusCode, body, tt.code)
				}
			default:
				wantError(t, resp, body, tt.status, tt.code)
			}
		})
	}
}

// Fail-open forwards what cannot be fingerprinted, never a multipart body
// with bytes outside its parts.
func TestFailOpenRefusesSmuggling(t *testing.T) {
	listedImg := encodeJPEG(t, makeImage(42, 400, 300), 90)
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin, cfg.UploadPaths, cfg.FailOpen = o.URL, []string{"/upload"}, true
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, []match.Entry{listedEntry(t, listedImg, "x")}))
	file := "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.jpg\"\r\n\r\n" + string(listedImg) + "\r\n"
	for name, body := range map[string]string{
		"preamble": "hidden\r\n" + file + "--XyZ--\r\n",
		"epilogue": "--XyZ--\r\n" + file + "--XyZ--\r\n",
	} {
		resp, got := do(t, "POST", e.url+"/upload", []byte(body), "Content-Type", "multipart/form-data; boundary=XyZ")
		wantError(t, resp, got, 400, CodeMalformedMultipart)
		_ = name
	}
	if n := len(o.requests()); n != 0 {
		t.Errorf("origin got %d smuggling bodies", n)
	}
}

// An image scan stops waiting once its client has gone: the waiter for
// decode budget leaves the queue long before ScanWait or ScanTimeout.
func TestScanCancelledWhenClientLeaves(t *testing.T) {
	cfg := testConfig()
	cfg.ScanWait, cfg.ScanTimeout = 30*time.Second, 30*time.Second
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 1, nil))
	if err := e.budget.acquire(context.Background(), cfg.DecodeBudget); err != nil { // every byte taken
		t.Fatal(err)
	}
	defer e.budget.release(cfg.DecodeBudget)
	img := encodePNG(t, makeImage(1, 64, 64))
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: " + strconv.Itoa(len(img)) + "\r\n\r\n" + string(img)))
	waiters := func() int { e.budget.mu.Lock(); defer e.budget.mu.Unlock(); return e.budget.waiters.Len() }
	for deadline := time.Now().Add(5 * time.Second); waiters() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the scan never queued for budget")
		}
	}
	c.Close()
	for deadline := time.Now().Add(5 * time.Second); waiters() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the scan still waits 5 s after its client left")
		}
	}
}
