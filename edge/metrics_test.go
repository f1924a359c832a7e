package edge

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

// panicIndex panics on every call, standing in for a bug in a handler.
type panicIndex struct{}

func (panicIndex) Len() int                         { panic("index bug") }
func (panicIndex) Match(match.Query) []match.Result { panic("index bug") }

func TestPanicRecovered(t *testing.T) {
	e := startEdge(t, testConfig())
	e.Load(&Snapshot{Version: 1, Manifest: []byte("{}"), Index: panicIndex{}})
	resp, body := do(t, "POST", e.url+"/v1/verify", []byte(`{"md5":"d41d8cd98f00b204e9800998ecf8427e"}`))
	wantError(t, resp, body, 500, CodeInternal)
	if resp, _ := do(t, "GET", e.url+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatal("server not serving after a panic")
	}
	if n := e.metrics.panics.Get(); n != 1 {
		t.Errorf("panics counted %d, want 1", n)
	}
	if !strings.Contains(e.logs.String(), "panic recovered") {
		t.Error("panic not logged")
	}
}

// sampleLine matches one sample of the text exposition format.
var sampleLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(, ?)?)*\})? -?[0-9.e+Inf-]+$`)

func TestMetrics(t *testing.T) {
	e := startEdge(t, testConfig())
	r := rand.New(rand.NewPCG(9, 9))
	h := randomPDQ(r)
	e.Load(indexSnapshot(t, 12, []match.Entry{{Kind: fingerprint.KindPDQ, PDQ: h, Labels: []string{"tve:logo", `we"ird`}, Source: "list-a"}}))
	for range 3 {
		do(t, "POST", e.url+"/v1/verify", []byte(`{"pdq":"`+h.String()+`","pdq_quality":99}`))
	}
	do(t, "GET", e.url+"/nope", nil)
	resp, body := do(t, "GET", e.url+"/metrics", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text := string(body)
	for _, want := range []string{
		`hashgate_edge_requests_total{route="verify",code="200"} 3`,
		`hashgate_edge_requests_total{route="not_found",code="404"} 1`,
		`hashgate_edge_request_duration_seconds_count{route="verify"} 3`,
		`hashgate_edge_request_duration_seconds_bucket{route="verify",le="+Inf"} 3`,
		`hashgate_edge_matches_total{list="list-a",label="tve:logo"} 3`,
		`hashgate_edge_matches_total{list="list-a",label="we\"ird"} 3`,
		`hashgate_edge_release_version 12`,
		`hashgate_edge_index_entries 1`,
		`hashgate_edge_reload_failures_total 0`,
		`# TYPE hashgate_edge_request_duration_seconds histogram`,
		`# HELP hashgate_edge_matches_total Matched queries and uploads, by source list and label.`,
		`# TYPE hashgate_edge_reload_failures_total counter`,
		`# TYPE hashgate_edge_release_version gauge`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	// The library's runtime and process series.
	for _, re := range []string{`(?m)^go_goroutines [0-9]+$`, `(?m)^go_memstats_heap_inuse_bytes [0-9]+$`,
		`(?m)^process_resident_memory_bytes [0-9]+$`, `(?m)^process_cpu_seconds_total [0-9.e+-]+$`, `(?m)^process_open_fds [0-9]+$`} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("metrics lack %s", re)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !sampleLine.MatchString(line) {
			t.Errorf("not a valid sample line: %q", line)
		}
	}
	if strings.Contains(text, h.String()) {
		t.Error("metrics contain a fingerprint")
	}
}
