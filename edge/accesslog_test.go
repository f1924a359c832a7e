package edge

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
)

type accessRecord struct {
	Msg     string `json:"msg"`
	ID      string `json:"id"`
	Client  string `json:"client"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Route   string `json:"route"`
	Status  int    `json:"status"`
	BytesIn int    `json:"bytes_in"`
}

func accessRecords(t *testing.T, b *testenv.SyncBuffer) []accessRecord {
	t.Helper()
	var out []accessRecord
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var r accessRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("access log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// Every answer carries a request id, with or without the access log; a
// sane incoming id is kept, anything else replaced.
func TestRequestID(t *testing.T) {
	e := startEdge(t, testConfig())
	seen := map[string]bool{}
	for range 3 {
		resp, _ := do(t, "GET", e.url+"/healthz", nil)
		id := resp.Header.Get(RequestIDHeader)
		if !generatedID.MatchString(id) || seen[id] {
			t.Errorf("request id %q: want 16 fresh hex digits", id)
		}
		seen[id] = true
	}
	for _, tt := range []struct {
		in   string
		keep bool
	}{
		{"3f2a9c1e-7b44-4e0f-9d1a-2c5e8b7a6f10", true},
		{"Root=1-67891233-abcdef012345678912345678", false}, // '=' is not taken
		{"lb.example:42_a", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{`x" injected="1`, false},
		{"tab\there", false},
	} {
		resp, _ := do(t, "GET", e.url+"/nope", nil, RequestIDHeader, tt.in)
		got := resp.Header.Get(RequestIDHeader)
		if tt.keep && got != tt.in {
			t.Errorf("sane id %q answered as %q", tt.in, got)
		}
		if !tt.keep && (got == tt.in || !generatedID.MatchString(got)) {
			t.Errorf("id %q answered as %q, want a fresh one", tt.in, got)
		}
	}
}

// The access log is one record per request, with the id the client saw,
// and holds no fingerprint of a miss: neither the hashes of a /v1/verify
// query nor the digests of a scanned upload, nor a query string.
func TestAccessLog(t *testing.T) {
	access := &testenv.SyncBuffer{}
	cfg := testConfig()
	cfg.AccessLog = slog.New(slog.NewJSONHandler(access, nil))
	e := startEdge(t, cfg)
	r := rand.New(rand.NewPCG(3, 4))
	listed := randomPDQ(r)
	e.Load(indexSnapshot(t, 2, []match.Entry{{Kind: fingerprint.KindPDQ, PDQ: listed, Labels: []string{"l"}, Source: "s"}}))

	miss := randomPDQ(r)
	md := "0123456789abcdef0123456789abcdef"
	upload := encodePNG(t, makeImage(11, 96, 96))
	sum := sha256.Sum256(upload)
	mdu := md5.Sum(upload)
	var ids []string
	for _, req := range []struct {
		method, path string
		body         []byte
		hdr          []string
	}{
		{"POST", "/v1/verify", []byte(`{"pdq":"` + miss.String() + `","pdq_quality":90,"md5":"` + md + `"}`), []string{"Content-Type", "application/json"}},
		{"POST", "/v1/scan", upload, []string{"Content-Type", "image/png", RequestIDHeader, "client-chosen-1"}},
		{"GET", "/v1/manifest?token=secret-token", nil, nil},
	} {
		resp, body := do(t, req.method, e.url+req.path, req.body, req.hdr...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s = %d %s", req.method, req.path, resp.StatusCode, body)
		}
		ids = append(ids, resp.Header.Get(RequestIDHeader))
	}
	if ids[1] != "client-chosen-1" {
		t.Errorf("scan answered id %q, want the client's", ids[1])
	}
	recs := accessRecords(t, access)
	if len(recs) != 3 {
		t.Fatalf("%d access records, want 3:\n%s", len(recs), access.String())
	}
	want := []accessRecord{
		{Msg: "request", ID: ids[0], Client: "127.0.0.1", Method: "POST", Path: "/v1/verify", Route: "verify", Status: 200},
		{Msg: "request", ID: ids[1], Client: "127.0.0.1", Method: "POST", Path: "/v1/scan", Route: "scan", Status: 200, BytesIn: len(upload)},
		{Msg: "request", ID: ids[2], Client: "127.0.0.1", Method: "GET", Path: "/v1/manifest", Route: "manifest", Status: 200},
	}
	for i := range want {
		got := recs[i]
		if i == 0 {
			got.BytesIn = 0 // the verify body's length is the client's to choose
		}
		if got != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got, want[i])
		}
	}
	text := strings.ToLower(access.String() + e.logs.String())
	for _, secret := range []string{miss.String(), md, hex.EncodeToString(sum[:]), hex.EncodeToString(mdu[:]), "secret-token"} {
		if strings.Contains(text, secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
}

// In proxy mode the origin gets the request's id, and the client gets it
// back in place of any id the origin answers with.
func TestRequestIDProxied(t *testing.T) {
	o := startOrigin(t)
	access := &testenv.SyncBuffer{}
	cfg := testConfig()
	cfg.Origin = o.URL
	cfg.AccessLog = slog.New(slog.NewJSONHandler(access, nil))
	e := startEdge(t, cfg)
	resp, _ := do(t, "GET", e.url+"/page", nil, RequestIDHeader, "edge-test-7")
	if got := resp.Header.Get(RequestIDHeader); got != "edge-test-7" {
		t.Errorf("answered id %q", got)
	}
	resp, _ = do(t, "GET", e.url+"/page", nil, RequestIDHeader, "bad id")
	fresh := resp.Header.Get(RequestIDHeader)
	reqs := o.requests()
	if len(reqs) != 2 || reqs[0].header.Get(RequestIDHeader) != "edge-test-7" || reqs[1].header.Get(RequestIDHeader) != fresh {
		t.Errorf("origin saw ids %v, want edge-test-7 and %s", reqs, fresh)
	}
	recs := accessRecords(t, access)
	if len(recs) != 2 || recs[1].ID != fresh || recs[1].Route != "proxy" || recs[1].Status != 201 {
		t.Errorf("access records %+v", recs)
	}
}

// A request fasthttp cannot read is logged too, as route rejected.
func TestAccessLogRejected(t *testing.T) {
	access := &testenv.SyncBuffer{}
	cfg := testConfig()
	cfg.AccessLog = slog.New(slog.NewJSONHandler(access, nil))
	e := startEdge(t, cfg)
	resp, _ := do(t, "GET", e.url+"/healthz", nil, "X-Padding", strings.Repeat("p", 9<<10))
	if resp.StatusCode != 431 || !generatedID.MatchString(resp.Header.Get(RequestIDHeader)) {
		t.Fatalf("= %d id %q", resp.StatusCode, resp.Header.Get(RequestIDHeader))
	}
	recs := accessRecords(t, access)
	if len(recs) != 1 || recs[0].Route != "rejected" || recs[0].Status != 431 || recs[0].ID != resp.Header.Get(RequestIDHeader) {
		t.Errorf("access records %+v", recs)
	}
}

// Whatever a client sends as its request id, the id the edge answers and
// logs is a sane one, and it is the client's exactly when that was sane.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"", "3f2a9c1e-7b44-4e0f-9d1a-2c5e8b7a6f10", "a b", "x\"y", "é", strings.Repeat("z", 65), "lb.example:42_a"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetBytesV(RequestIDHeader, in)
		sent := append([]byte(nil), ctx.Request.Header.Peek(RequestIDHeader)...)
		id := requestID(&ctx)
		if !saneRequestID(id) {
			t.Fatalf("id %q from %q is not sane", id, in)
		}
		if saneRequestID(sent) != bytes.Equal(id, sent) {
			t.Fatalf("sent %q (sane %v), answered %q", sent, saneRequestID(sent), id)
		}
		if got := ctx.Request.Header.Peek(RequestIDHeader); !bytes.Equal(got, id) {
			t.Fatalf("the request carries %q onward, not %q", got, id)
		}
	})
}
