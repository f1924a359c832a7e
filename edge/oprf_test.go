package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/release"
)

type oprfFixture struct {
	pub      *publisher
	entries  []release.ListEntry
	obl      *release.Release // the checker's accepted copy
	open     *release.Release
	oblSnap  *Snapshot
	openSnap *Snapshot
}

// newOPRFFixture builds one list twice, open and oblivious, and verifies
// both as an edge does.
func newOPRFFixture(t testing.TB, n int) *oprfFixture {
	t.Helper()
	fx := &oprfFixture{pub: newPublisher(t)}
	r := rand.New(rand.NewPCG(uint64(n), 3))
	for i := range n {
		var h fingerprint.PDQHash
		for j := range h {
			h[j] = byte(r.Uint32())
		}
		fx.entries = append(fx.entries, pdqEntry(h, "label-"+strconv.Itoa(i%3)))
	}
	sk, err := oblivious.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	build := func(v uint64, l bloom.Layout) (*Release, *Snapshot) {
		b, err := release.Build(fx.entries, release.BuildOptions{
			Version: v, Created: fx.pub.created, TTL: time.Hour, Signer: fx.pub.signer, Layout: l, OPRFKey: sk,
			Recipients: []release.PublicKey{fx.pub.edgeKey.Public()},
		})
		if err != nil {
			t.Fatal(err)
		}
		rel, err := release.Accept(b, release.AcceptOptions{Trust: fx.pub.signer.Trust()})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := NewReleaseVerifier(fx.pub.signer.Trust(), fx.pub.edgeKey, match.DefaultOptions()).Verify(context.Background(), b, 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return rel, snap
	}
	fx.open, fx.openSnap = build(1, bloom.DefaultLayout)
	fx.obl, fx.oblSnap = build(2, release.DefaultObliviousLayout)
	if fx.oblSnap.OPRF == nil || fx.openSnap.OPRF != nil {
		t.Fatal("the edge's snapshot has no evaluator for the oblivious release, or one for the open release")
	}
	return fx
}

// Release is release.Release, short for the fixture.
type Release = release.Release

// photo is what a checker sends for one photo: its PDQ and 7 other
// dihedral PDQs (stand-ins), pHash, SHA-256 and MD5: 67 inputs.
func photo(pdq []byte, r *rand.Rand) []Value {
	vs := []Value{{fingerprint.KindPDQ, pdq}}
	for range 7 {
		vs = append(vs, Value{fingerprint.KindPDQ, randomBytes(r, 32)})
	}
	return append(vs, Value{fingerprint.KindPHash, randomBytes(r, 8)}, Value{fingerprint.KindSHA256, randomBytes(r, 32)}, Value{fingerprint.KindMD5, randomBytes(r, 16)})
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func flipped(v []byte, d int, r *rand.Rand) []byte {
	c := bytes.Clone(v)
	for _, i := range r.Perm(8 * len(c))[:d] {
		c[i/8] ^= 1 << (i % 8)
	}
	return c
}

func openHit(rel *Release, vs []Value) bool {
	for _, v := range vs {
		if len(rel.Lookup(v.Kind, v.Value, nil)) > 0 {
			return true
		}
	}
	return false
}

// TestOPRFSameVerdicts: the Go checker path against a real edge on
// loopback (blind, POST /v1/oprf, verify the proof, finalise, look up)
// gives the open release's verdict on listed hashes, copies 1 to 7 bits
// off and clean photos.
func TestOPRFSameVerdicts(t *testing.T) {
	fx := newOPRFFixture(t, 300)
	cfg := testConfig()
	cfg.OPRF.PerSecond = 0 // this test counts verdicts, not budgets
	e := startEdge(t, cfg)
	e.Load(fx.oblSnap)
	c, err := NewObliviousChecker(fx.obl, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		var pdq []byte
		want := true
		switch i % 3 {
		case 0:
			pdq = fx.entries[i].Value
		case 1:
			pdq = flipped(fx.entries[i].Value, 1+i%7, r)
		default:
			pdq, want = randomBytes(r, 32), false
		}
		vs := photo(pdq, r)
		kinds, err := c.Check(context.Background(), vs)
		if err != nil {
			t.Fatal(err)
		}
		// A local hit is a candidate; the verdict is the edge's /v1/verify
		// of it, as the browser asks. Open mode's 2083 look-ups per photo
		// make a clean photo a candidate about 3 % of the time (the filter
		// is keyed afresh per build), oblivious mode's 67 rarely.
		obl, open := len(kinds) > 0, openHit(fx.open, vs)
		if obl && !want {
			obl = confirmed(t, e.url, vs)
		}
		if open && !want {
			open = confirmed(t, e.url, vs)
		}
		if obl != want || open != want {
			t.Errorf("photo %d: oblivious %v, open %v, want %v", i, obl, open, want)
		}
	}
	if m := metricsText(t, e); !strings.Contains(m, "hashgate_edge_oprf_checks_total 60") ||
		!strings.Contains(m, "hashgate_edge_oprf_evaluations_total "+strconv.Itoa(60*67)) {
		t.Errorf("metrics lack the checks and evaluations:\n%s", grepLines(m, "oprf"))
	}
}

// confirmed asks the edge whether any PDQ of a candidate photo is listed.
func confirmed(t *testing.T, url string, vs []Value) bool {
	for _, v := range vs {
		if v.Kind == fingerprint.KindPDQ && verifyHit(t, url, fingerprint.PDQHash(v.Value)) {
			return true
		}
	}
	return false
}

// TestOPRFFilterAloneFlagsNothing: without the edge, the checker's own
// release cannot flag a listed hash (release.Lookup has no keys), and an
// edge holding another key is caught by the proof, not trusted.
func TestOPRFFilterAloneFlagsNothing(t *testing.T) {
	fx := newOPRFFixture(t, 50)
	for _, en := range fx.entries {
		if len(fx.obl.Lookup(en.Kind, en.Value, nil)) != 0 {
			t.Fatal("an oblivious release flagged a listed hash without the edge")
		}
	}
	c, err := NewObliviousChecker(fx.obl, "http://127.0.0.1:1", nil) // nothing listens
	if err != nil {
		t.Fatal(err)
	}
	if kinds, err := c.Check(context.Background(), photo(fx.entries[0].Value, rand.New(rand.NewPCG(1, 1)))); err == nil {
		t.Fatalf("no edge, yet an answer: %v", kinds)
	}
}

// TestOPRFTamperedRejected: a response altered between edge and checker
// is an error, never a clear.
func TestOPRFTamperedRejected(t *testing.T) {
	fx := newOPRFFixture(t, 50)
	cfg := testConfig()
	cfg.OPRF.PerSecond = 0
	e := startEdge(t, cfg)
	e.Load(fx.oblSnap)
	other, err := oblivious.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	otherEval := oblivious.NewEvaluator(other)
	var tamper func(req, resp []byte) []byte
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := io.ReadAll(r.Body)
		resp, err := http.Post(e.url+"/v1/oprf", "application/octet-stream", bytes.NewReader(req))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		w.Write(tamper(req, body))
	}))
	t.Cleanup(proxy.Close)
	c, err := NewObliviousChecker(fx.obl, proxy.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	const hdr = 15
	cases := []struct {
		name   string
		tamper func(req, resp []byte) []byte
		want   error
	}{
		{"evaluation bit flipped", func(_, b []byte) []byte { b[hdr+40] ^= 4; return b }, nil},
		{"proof bit flipped", func(_, b []byte) []byte { b[len(b)-1] ^= 1; return b }, oblivious.ErrProof},
		{"evaluations reordered", func(_, b []byte) []byte {
			x := bytes.Clone(b[hdr : hdr+32])
			copy(b[hdr:], b[hdr+32:hdr+64])
			copy(b[hdr+32:], x)
			return b
		}, oblivious.ErrProof},
		{"another key's evaluation", func(req, b []byte) []byte {
			r := bytes.Clone(req)
			id := otherEval.KeyID()
			copy(r[5:13], id[:])
			out, err := otherEval.Evaluate(r)
			if err != nil {
				return b
			}
			copy(out[5:13], b[5:13])
			return out
		}, oblivious.ErrProof},
		{"truncated", func(_, b []byte) []byte { return b[:len(b)-10] }, oblivious.ErrFormat},
	}
	r := rand.New(rand.NewPCG(2, 2))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tamper = tc.tamper
			kinds, err := c.Check(context.Background(), photo(fx.entries[0].Value, r))
			if err == nil {
				t.Fatalf("accepted a tampered answer: %v", kinds)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if tc.want == nil && !errors.Is(err, oblivious.ErrProof) && !errors.Is(err, oblivious.ErrFormat) {
				t.Fatalf("error %v", err)
			}
		})
	}
	tamper = func(_, b []byte) []byte { return b }
	if kinds, err := c.Check(context.Background(), photo(fx.entries[0].Value, r)); err != nil || len(kinds) != 1 {
		t.Fatalf("the untampered answer: %v, %v", kinds, err)
	}
}

// frozenClock stands still until advanced, so a budget's refill does not
// depend on how fast the test runs.
type frozenClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *frozenClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *frozenClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestOPRFBudget: the per-client budget runs out with 429 and Retry-After,
// recovers after it, and an API key has a bucket of its own.
func TestOPRFBudget(t *testing.T) {
	fx := newOPRFFixture(t, 20)
	clock := &frozenClock{t: time.Now()}
	cfg := testConfig()
	cfg.Now = clock.Now
	cfg.OPRF = OPRFConfig{PerSecond: 10, Burst: 512,
		APIKeys: map[string]OPRFBudget{"platform-key-0123456789": {PerSecond: 1, Burst: 1000}}}
	e := startEdge(t, cfg)
	e.Load(fx.oblSnap)
	c, err := NewObliviousChecker(fx.obl, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 3))
	ok := 0
	var budget *ErrBudget
	for range 20 {
		_, err := c.Check(context.Background(), photo(fx.entries[0].Value, r))
		if errors.As(err, &budget) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ok++
	}
	// 512 tokens pay 7 checks of 67 and leave 43: the 8th needs 24 more,
	// 2.4 s at 10 a second.
	if budget == nil || ok != 7 || budget.RetryAfter != 3*time.Second {
		t.Fatalf("%d checks before the budget ran out (refusal %v)", ok, budget)
	}
	// The platform's key is not charged to the exhausted address.
	_, req, err := oblivious.NewClient(mustPub(t, fx.obl)).Blind(make([][]byte, 67))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, "POST", e.url+"/v1/oprf", req, "Content-Type", "application/octet-stream", "Authorization", "Bearer platform-key-0123456789")
	if resp.StatusCode != 200 {
		t.Errorf("API key while the address is exhausted: %d %s", resp.StatusCode, body)
	}
	clock.Advance(2 * time.Second)
	if _, err := c.Check(context.Background(), photo(fx.entries[0].Value, r)); !errors.As(err, &budget) {
		t.Fatalf("2 s later, before Retry-After: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := c.Check(context.Background(), photo(fx.entries[0].Value, r)); err != nil {
		t.Fatalf("after Retry-After: %v", err)
	}
	if m := metricsText(t, e); !strings.Contains(m, "hashgate_edge_oprf_budget_refusals_total 2") ||
		!strings.Contains(m, `hashgate_edge_requests_total{route="oprf",code="429"} 2`) {
		t.Errorf("metrics:\n%s", grepLines(m, "oprf"))
	}
}

func mustPub(t *testing.T, rel *Release) *oblivious.PublicKey {
	t.Helper()
	p, err := oblivious.ParsePublicKey(rel.Manifest.Oblivious.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOPRFEditSearchDetector: a client making more checks than the
// detector's window allows is logged once and counted.
func TestOPRFEditSearchDetector(t *testing.T) {
	fx := newOPRFFixture(t, 20)
	cfg := testConfig()
	cfg.OPRF.PerSecond = 0
	cfg.OPRF.SearchChecks, cfg.OPRF.SearchWindow = 5, time.Hour
	e := startEdge(t, cfg)
	e.Load(fx.oblSnap)
	c, err := NewObliviousChecker(fx.obl, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(4, 4))
	base := fx.entries[0].Value
	for i := range 12 { // an evader's edits of one listed image
		if _, err := c.Check(context.Background(), photo(flipped(base, i%8, r), r)); err != nil {
			t.Fatal(err)
		}
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "possible edit search"); n != 1 || !strings.Contains(logs, `"client":"127.0.0.1"`) {
		t.Errorf("detector logged %d times:\n%s", n, logs)
	}
	if m := metricsText(t, e); !strings.Contains(m, "hashgate_edge_oprf_edit_search_total 1") {
		t.Errorf("metrics:\n%s", grepLines(m, "oprf"))
	}
}

func TestOPRFRefusals(t *testing.T) {
	fx := newOPRFFixture(t, 20)
	e := startEdge(t, testConfig())
	_, req, err := oblivious.NewClient(mustPub(t, fx.obl)).Blind([][]byte{[]byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body []byte, ctype string) (int, string) {
		resp, b := do(t, "POST", e.url+"/v1/oprf", body, "Content-Type", ctype)
		var a apiErr
		_ = json.Unmarshal(b, &a)
		return resp.StatusCode, a.Code
	}
	type want struct {
		status int
		code   string
	}
	check := func(name string, got want, w want) {
		if got != w {
			t.Errorf("%s: %d %s, want %d %s", name, got.status, got.code, w.status, w.code)
		}
	}
	s, c := post(req, "application/octet-stream")
	check("no release", want{s, c}, want{503, CodeNotReady})
	e.Load(fx.openSnap)
	s, c = post(req, "application/octet-stream")
	check("open release", want{s, c}, want{409, CodeNotOblivious})
	e.Load(fx.oblSnap)
	s, c = post(req, "application/json")
	check("json", want{s, c}, want{415, CodeUnsupportedMedia})
	s, c = post(req[:len(req)-1], "application/octet-stream")
	check("truncated", want{s, c}, want{400, CodeBadRequest})
	other := bytes.Clone(req)
	other[6] ^= 1
	s, c = post(other, "application/octet-stream")
	check("other key", want{s, c}, want{409, CodeOPRFKey})
	s, c = post(append(bytes.Clone(req), make([]byte, maxOPRFBody)...), "application/octet-stream")
	check("over the limit", want{s, c}, want{413, CodeBodyTooLarge})
	s, _ = post(req, "application/octet-stream")
	check("the real one", want{s, ""}, want{200, ""})
}

// BenchmarkOPRFCheck is the edge's CPU for one oblivious check of a photo
// with its dihedral variants (67 elements under 8x32/oblivious), through
// the whole handler: routing, budget, evaluation, one batched proof.
// evals/s is per core.
func BenchmarkOPRFCheck(b *testing.B) {
	fx := newOPRFFixture(b, 20)
	cfg := testConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.OPRF.PerSecond, cfg.OPRF.SearchChecks = 0, 0
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	s.Load(fx.oblSnap)
	pub, _ := oblivious.ParsePublicKey(fx.obl.Manifest.Oblivious.PublicKey)
	for _, n := range []int{1, 67} {
		inputs := make([][]byte, n)
		for i := range inputs {
			inputs[i] = []byte{byte(i), byte(i >> 8)}
		}
		_, req, err := oblivious.NewClient(pub).Blind(inputs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("elements="+strconv.Itoa(n), func(b *testing.B) {
			var ctx fasthttp.RequestCtx
			for b.Loop() {
				ctx.Request.Reset()
				ctx.Response.Reset()
				ctx.Request.Header.SetMethod("POST")
				ctx.Request.SetRequestURI("/v1/oprf")
				ctx.Request.Header.SetContentType("application/octet-stream")
				ctx.Request.SetBody(req)
				s.handle(&ctx)
				if ctx.Response.StatusCode() != 200 {
					b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "evals/s")
		})
	}
}
