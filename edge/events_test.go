package edge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// waitFor polls cond until it holds. The deadline is a backstop so a
// broken edge fails the test instead of hanging it, not a timing guess.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// metricValue is the value of one series in exposition text, or -1 when
// the series is absent.
func metricValue(text, series string) float64 {
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return -1
			}
			return f
		}
	}
	return -1
}

// hookReceiver is a real HTTP server taking the edge's webhook POSTs. It
// answers 503 to the first fail attempts, and with hold set keeps every
// attempt waiting until hold is closed.
type hookReceiver struct {
	*httptest.Server
	fail     int
	hold     chan struct{}
	holdOnce sync.Once
	arrived  chan struct{} // a value per attempt arriving, before any hold

	mu       sync.Mutex
	attempts []hookAttempt
}

type hookAttempt struct {
	at        time.Time
	body      []byte
	signature string
	ctype     string
	accepted  bool
}

func startHookReceiver(t *testing.T, fail int, hold chan struct{}) *hookReceiver {
	t.Helper()
	h := &hookReceiver{fail: fail, hold: hold, arrived: make(chan struct{}, 4096)}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.arrived <- struct{}{}
		if h.hold != nil {
			select {
			case <-h.hold:
			case <-r.Context().Done():
				return
			}
		}
		h.mu.Lock()
		ok := len(h.attempts) >= h.fail
		h.attempts = append(h.attempts, hookAttempt{time.Now(), body, r.Header.Get("X-Hashgate-Signature"), r.Header.Get("Content-Type"), ok})
		h.mu.Unlock()
		if !ok {
			http.Error(w, "not now", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	if hold != nil {
		// Before h.Close (cleanups run last first), which waits for the
		// handlers.
		t.Cleanup(h.letGo)
	}
	return h
}

// letGo ends the hold.
func (h *hookReceiver) letGo() { h.holdOnce.Do(func() { close(h.hold) }) }

func (h *hookReceiver) all() []hookAttempt {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.attempts)
}

// delivered is the events the receiver accepted, in order.
func (h *hookReceiver) delivered(t *testing.T) []Event {
	t.Helper()
	var out []Event
	for _, a := range h.all() {
		if !a.accepted {
			continue
		}
		var ev Event
		if err := json.Unmarshal(a.body, &ev); err != nil {
			t.Fatalf("webhook body is not an event: %v: %s", err, a.body)
		}
		out = append(out, ev)
	}
	return out
}

// checkSignature verifies X-Hashgate-Signature as a receiver would, from
// the documented format rather than with WebhookSignature: "t=UNIX,v1=HEX",
// HEX the HMAC-SHA256 of "UNIX.BODY", UNIX near the receiver's clock.
func checkSignature(secret []byte, a hookAttempt) error {
	ts, v1, ok := strings.Cut(a.signature, ",")
	ts, ok1 := strings.CutPrefix(ts, "t=")
	v1, ok2 := strings.CutPrefix(v1, "v1=")
	if !ok || !ok1 || !ok2 {
		return fmt.Errorf("signature %q is not t=UNIX,v1=HEX", a.signature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("signature time %q: %w", ts, err)
	}
	if d := a.at.Sub(time.Unix(sec, 0)); d < -time.Minute || d > time.Minute {
		return fmt.Errorf("signature time is %v off the receiver's clock", d)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(a.body)
	got, err := hex.DecodeString(v1)
	if err != nil || !hmac.Equal(got, m.Sum(nil)) {
		return errors.New("the HMAC does not verify")
	}
	return nil
}

// readAudit reads the audit file's events.
func readAudit(t *testing.T, path string) []Event {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit line is not an event: %v: %s", err, sc.Bytes())
		}
		out = append(out, ev)
	}
	return out
}

// A list in monitor mode lets a listed upload through to the origin (told
// the match id), answers a scan "no match" with the match marked monitor,
// and still records the event in the audit file, the webhook and
// /metrics; a list without a rule stays enforced.
func TestMonitorMode(t *testing.T) {
	shadow := encodeJPEG(t, makeImage(31, 640, 480), 90)
	live := encodeJPEG(t, makeImage(32, 640, 480), 90)
	shadowEntry := listedEntry(t, shadow, "tve:shadow")
	liveEntry := listedEntry(t, live, "tve:live")
	liveEntry.Source = "live-list"
	rule, err := ParsePolicy("list:test-list=monitor")
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("webhook secret 1")
	hook := startHookReceiver(t, 0, nil)
	o := startOrigin(t)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	cfg := testConfig()
	cfg.Origin = o.URL
	cfg.UploadPaths = []string{"/upload/**"}
	cfg.Policies = []PolicyRule{rule}
	cfg.Events = EventsConfig{AuditPath: audit, WebhookURL: hook.URL, WebhookSecret: secret}
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 5, []match.Entry{shadowEntry, liveEntry}))

	// Proxied: forwarded, with the match id in X-Hashgate-Monitor (the
	// client's own value of it dropped).
	resp, body := do(t, "POST", e.url+"/upload/a.jpg", shadow, "Content-Type", "image/jpeg",
		RequestIDHeader, "req-monitor-1", MonitorHeader, "forged")
	if resp.StatusCode != 201 || string(body) != "origin says hi" {
		t.Fatalf("monitored upload = %d %s, want the origin's 201", resp.StatusCode, body)
	}
	reqs := o.requests()
	if len(reqs) != 1 || !bytes.Equal(reqs[0].body, shadow) {
		t.Fatalf("origin got %d requests, want the upload", len(reqs))
	}
	proxyID := reqs[0].header.Get(MonitorHeader)
	if !validMatchID(proxyID) {
		t.Errorf("origin told %s %q, want the match id", MonitorHeader, proxyID)
	}

	// Scanned: allowed, and the verdict says why it still lists a match.
	resp, body = do(t, "POST", e.url+"/v1/scan", shadow, "Content-Type", "application/octet-stream", RequestIDHeader, "req-monitor-2")
	v := decodeVerdict(t, body)
	if resp.StatusCode != 200 || v.Match || len(v.Matches) != 1 || v.Matches[0].Action != ActionMonitor ||
		!validMatchID(v.Matches[0].MatchID) || v.Matches[0].MatchID == proxyID {
		t.Fatalf("scan of a monitored file = %d %s", resp.StatusCode, body)
	}
	scanID := v.Matches[0].MatchID

	// A list no rule names is enforced; a clean upload carries no
	// forged header to the origin.
	if resp, body := do(t, "POST", e.url+"/upload/b.jpg", live, "Content-Type", "image/jpeg"); resp.StatusCode != 451 {
		t.Errorf("enforced upload = %d %s, want 451", resp.StatusCode, body)
	}
	clean := encodeJPEG(t, makeImage(33, 640, 480), 90)
	if resp, _ := do(t, "POST", e.url+"/upload/c.jpg", clean, "Content-Type", "image/jpeg", MonitorHeader, "forged"); resp.StatusCode != 201 {
		t.Errorf("clean upload = %d", resp.StatusCode)
	}
	reqs = o.requests()
	if len(reqs) != 2 || reqs[1].header.Get(MonitorHeader) != "" {
		t.Errorf("origin got %d requests (want 2), the clean one with %s %q", len(reqs), MonitorHeader, reqs[len(reqs)-1].header.Get(MonitorHeader))
	}

	shadowID := release.EntryID(fingerprint.KindPDQ, shadowEntry.PDQ[:])
	want := []Event{
		{MatchID: proxyID, RequestID: "req-monitor-1", Route: "proxy_upload", Action: ActionMonitor, Rule: "list:test-list=monitor",
			Release: 5, Kind: "pdq", Entry: shadowID, List: "test-list", Labels: []string{"tve:shadow"}},
		{MatchID: scanID, RequestID: "req-monitor-2", Route: "scan", Action: ActionMonitor, Rule: "list:test-list=monitor",
			Release: 5, Kind: "pdq", Entry: shadowID, List: "test-list", Labels: []string{"tve:shadow"}},
		{Route: "proxy_upload", Action: ActionBlock, Release: 5, Kind: "pdq",
			Entry: release.EntryID(fingerprint.KindPDQ, liveEntry.PDQ[:]), List: "live-list", Labels: []string{"tve:live"}},
	}
	checkEvents := func(where string, got []Event) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d events, want %d: %+v", where, len(got), len(want), got)
		}
		for i, g := range got {
			w := want[i]
			if w.MatchID == "" {
				w.MatchID = g.MatchID // the blocked upload's id is not shown to the test
			}
			if w.RequestID == "" {
				w.RequestID = g.RequestID
			}
			w.Time = g.Time
			if !validMatchID(g.MatchID) || g.Time.IsZero() || time.Since(g.Time) > time.Minute || g.RequestID == "" ||
				fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("%s: event %d\n got %+v\nwant %+v", where, i, g, w)
			}
		}
	}
	// The audit line is written before the answer.
	checkEvents("audit file", readAudit(t, audit))
	waitFor(t, "the webhook to receive three events", func() bool { return len(hook.delivered(t)) == 3 })
	checkEvents("webhook", hook.delivered(t))
	for _, a := range hook.all() {
		if err := checkSignature(secret, a); err != nil || a.ctype != "application/json" {
			t.Errorf("webhook POST (%s): %v", a.ctype, err)
		}
	}

	waitFor(t, "the deliveries to be counted", func() bool {
		return metricValue(metricsText(t, e), "hashgate_edge_webhook_deliveries_total") == 3
	})
	m := metricsText(t, e)
	for series, want := range map[string]float64{
		`hashgate_edge_monitored_matches_total{list="test-list",label="tve:shadow"}`:         2,
		`hashgate_edge_matches_total{list="test-list",label="tve:shadow"}`:                   2,
		`hashgate_edge_monitored_matches_total{list="live-list",label="tve:live"}`:           -1,
		`hashgate_edge_matches_total{list="live-list",label="tve:live"}`:                     1,
		`hashgate_edge_policy_rollout_percent{scope="list",name="test-list",mode="monitor"}`: 0,
		"hashgate_edge_match_events_total":                                                   3,
		"hashgate_edge_webhook_failures_total":                                               0,
		"hashgate_edge_webhook_dropped_total":                                                0,
	} {
		if got := metricValue(m, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

// A receiver that fails the first attempts gets the event in the end,
// signed, with every field a moderation queue needs; the retries wait
// longer each time.
func TestWebhookRetriesThroughFailures(t *testing.T) {
	const fails = 3
	secret := []byte("webhook secret 2")
	hook := startHookReceiver(t, fails, nil)
	cfg := testConfig()
	backoff := 40 * time.Millisecond
	cfg.Events = EventsConfig{WebhookURL: hook.URL, WebhookSecret: secret, WebhookBackoff: backoff, WebhookAttempts: fails + 1}
	e := startEdge(t, cfg)
	var listed fingerprint.PDQHash
	for i := range listed {
		listed[i] = byte(i*37 + 11)
	}
	e.Load(indexSnapshot(t, 9, []match.Entry{{Kind: fingerprint.KindPDQ, PDQ: listed, Labels: []string{"tve:a", "gifct:b"}, Source: "list-x"}}))

	// Five bits off the listed hash: the event carries the distance.
	query := listed
	query[0] ^= 0x1f
	resp, body := do(t, "POST", e.url+"/v1/verify", []byte(`{"pdq":"`+query.String()+`","pdq_quality":90}`), RequestIDHeader, "appeal-77")
	v := decodeVerdict(t, body)
	if resp.StatusCode != 200 || !v.Match || len(v.Matches) != 1 {
		t.Fatalf("verify = %d %s", resp.StatusCode, body)
	}
	waitFor(t, "the event through the failing receiver", func() bool { return len(hook.delivered(t)) == 1 })
	ev := hook.delivered(t)[0]
	if ev.MatchID != v.Matches[0].MatchID || ev.List != "list-x" || strings.Join(ev.Labels, ",") != "tve:a,gifct:b" ||
		ev.Entry != release.EntryID(fingerprint.KindPDQ, listed[:]) || ev.Distance != 5 || ev.Release != 9 ||
		ev.RequestID != "appeal-77" || ev.Action != ActionBlock || ev.Route != "verify" {
		t.Errorf("delivered event %+v", ev)
	}
	as := hook.all()
	if len(as) != fails+1 {
		t.Fatalf("%d attempts, want %d", len(as), fails+1)
	}
	for i, a := range as {
		if err := checkSignature(secret, a); err != nil {
			t.Errorf("attempt %d: %v", i, err)
		}
		if !bytes.Equal(a.body, as[0].body) {
			t.Errorf("attempt %d sent another body", i)
		}
		if err := checkSignature([]byte("another secret"), a); err == nil {
			t.Errorf("attempt %d verifies under a wrong secret", i)
		}
		// Retry k waits at least half of backoff·2^(k-1) (jitter on the
		// upper half): lower bounds only, which a slow machine cannot break.
		if i > 0 {
			if gap, least := a.at.Sub(as[i-1].at), backoff<<(i-1)/2; gap < least {
				t.Errorf("retry %d came %v after the attempt before, want at least %v", i, gap, least)
			}
		}
	}
	waitFor(t, "the delivery to be counted", func() bool {
		return metricValue(metricsText(t, e), "hashgate_edge_webhook_deliveries_total") == 1
	})
	m := metricsText(t, e)
	if f, d := metricValue(m, "hashgate_edge_webhook_failures_total"), metricValue(m, "hashgate_edge_webhook_dropped_total"); f != fails || d != 0 {
		t.Errorf("failures %v dropped %v, want %d and 0", f, d, fails)
	}
}

// An event whose every attempt fails is dropped and counted.
func TestWebhookGivesUp(t *testing.T) {
	hook := startHookReceiver(t, 1000, nil)
	cfg := testConfig()
	cfg.Events = EventsConfig{WebhookURL: hook.URL, WebhookSecret: []byte("s"), WebhookBackoff: time.Millisecond, WebhookAttempts: 3}
	e := startEdge(t, cfg)
	digest := fingerprint.SHA256Digest(sha256.Sum256([]byte("a listed file")))
	e.Load(indexSnapshot(t, 1, []match.Entry{{Kind: fingerprint.KindSHA256, SHA256: digest, Source: "l"}}))
	if resp, body := do(t, "POST", e.url+"/v1/scan", []byte("a listed file")); !decodeVerdict(t, body).Match {
		t.Fatalf("scan = %d %s", resp.StatusCode, body)
	}
	waitFor(t, "the event to be dropped", func() bool {
		return metricValue(metricsText(t, e), "hashgate_edge_webhook_dropped_total") == 1
	})
	if n := len(hook.all()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if f := metricValue(metricsText(t, e), "hashgate_edge_webhook_failures_total"); f != 3 {
		t.Errorf("failures = %v, want 3", f)
	}
}

// A receiver that hangs delays no upload: scans and proxied uploads are
// answered while it holds the first event; the bounded queue fills and
// further events are dropped and counted; once the receiver answers, what
// was queued arrives.
func TestWebhookNeverDelaysUploads(t *testing.T) {
	const queue, uploads = 2, 10
	hold := make(chan struct{})
	hook := startHookReceiver(t, 0, hold)
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin = o.URL
	cfg.UploadPaths = []string{"/upload/**"}
	rule, _ := ParsePolicy("*=monitor")
	cfg.Policies = []PolicyRule{rule}
	cfg.Events = EventsConfig{WebhookURL: hook.URL, WebhookSecret: []byte("s"), WebhookQueue: queue, WebhookTimeout: time.Hour}
	e := startEdge(t, cfg)
	var entries []match.Entry
	var files [][]byte
	for i := range uploads {
		f := []byte("listed file " + strconv.Itoa(i))
		files = append(files, f)
		entries = append(entries, match.Entry{Kind: fingerprint.KindSHA256, SHA256: sha256.Sum256(f), Labels: []string{"x"}, Source: "l"})
	}
	e.Load(indexSnapshot(t, 1, entries))

	// The first event goes out at once and the receiver holds it.
	if resp, body := do(t, "POST", e.url+"/v1/scan", files[0]); len(decodeVerdict(t, body).Matches) != 1 {
		t.Fatalf("scan = %d %s", resp.StatusCode, body)
	}
	select {
	case <-hook.arrived:
	case <-time.After(20 * time.Second):
		t.Fatal("the webhook never received the first event")
	}
	for i := 1; i < uploads; i++ {
		var resp *http.Response
		var body []byte
		if i%2 == 0 {
			resp, body = do(t, "POST", e.url+"/v1/scan", files[i])
		} else {
			resp, body = do(t, "POST", e.url+"/upload/f", files[i])
		}
		if resp.StatusCode/100 != 2 {
			t.Fatalf("upload %d = %d %s while the receiver hangs", i, resp.StatusCode, body)
		}
	}
	if n := len(o.requests()); n != uploads/2 {
		t.Errorf("origin got %d uploads, want %d", n, uploads/2)
	}
	// One in flight, queue waiting, the rest dropped.
	m := metricsText(t, e)
	if d, q := metricValue(m, "hashgate_edge_webhook_dropped_total"), metricValue(m, "hashgate_edge_webhook_queue_length"); d != uploads-1-queue || q != queue {
		t.Errorf("dropped %v queued %v, want %d and %d", d, q, uploads-1-queue, queue)
	}
	if n := len(hook.all()); n != 0 {
		t.Errorf("the receiver answered %d events while held", n)
	}
	hook.letGo()
	waitFor(t, "the queued events", func() bool { return len(hook.delivered(t)) == 1+queue })
	waitFor(t, "the deliveries to be counted", func() bool {
		return metricValue(metricsText(t, e), "hashgate_edge_webhook_deliveries_total") == 1+queue
	})
}

func TestEventsConfigRefused(t *testing.T) {
	for _, ec := range []EventsConfig{
		{WebhookURL: "http://127.0.0.1:1/hook"}, // no secret
		{WebhookQueue: -1},
		{AuditPath: filepath.Join(t.TempDir(), "no", "such", "dir", "audit.jsonl")},
	} {
		cfg := testConfig()
		cfg.Events = ec
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err %v, want ErrConfig", ec, err)
		}
	}
}

// Stopping the edge does not wait on a receiver that hangs: the event in
// flight and those still queued are counted as dropped, and the queued
// ones logged.
func TestWebhookAtShutdown(t *testing.T) {
	hook := startHookReceiver(t, 0, make(chan struct{}))
	logs := &testenv.SyncBuffer{}
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	cfg.Events = EventsConfig{WebhookURL: hook.URL, WebhookSecret: []byte("s"), WebhookQueue: 8, WebhookTimeout: time.Hour}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var entries []match.Entry
	var files [][]byte
	for i := range 3 {
		f := []byte("file listed before shutdown " + strconv.Itoa(i))
		files = append(files, f)
		entries = append(entries, match.Entry{Kind: fingerprint.KindSHA256, SHA256: sha256.Sum256(f), Source: "l"})
	}
	s.Load(indexSnapshot(t, 1, entries))
	addr, stop := testenv.StartServer(t, func(ctx context.Context, ln net.Listener) error { return s.Serve(ctx, ln, 5*time.Second) })
	for i, f := range files {
		if _, body := do(t, "POST", "http://"+addr+"/v1/scan", f); !decodeVerdict(t, body).Match {
			t.Fatalf("file %d does not match", i)
		}
		if i == 0 {
			<-hook.arrived // held by the receiver from now on
		}
	}
	done := make(chan error, 1)
	go func() { done <- stop() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the edge did not stop while the webhook receiver hangs")
	}
	if d := s.metrics.webhookDropped.Get(); d != 3 {
		t.Errorf("dropped %d events, want 3 (one in flight, two queued)", d)
	}
	if !strings.Contains(logs.String(), `"msg":"edge: webhook events not delivered at shutdown","events":2`) {
		t.Errorf("the undelivered events are not logged:\n%s", logs.String())
	}
}
