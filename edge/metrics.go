package edge

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
)

// route names label the request metrics. They are fixed so the label set
// stays bounded whatever paths clients send.
type route uint8

const (
	routeVerify route = iota
	routeScan
	routeManifest
	routeFilter
	routeHealthz
	routeReadyz
	routeMetrics
	routeOpenAPI
	routePreflight
	routeProxy
	routeProxyUpload
	routeNotFound
	routeRejected // requests fasthttp could not read (too large, too slow, malformed)
	routeAuthz    // authz.go: a proxy's authorization subrequest
	routeOPRF     // oprf.go
	numRoutes
)

var routeNames = [numRoutes]string{
	"verify", "scan", "manifest", "filter", "healthz", "readyz", "metrics",
	"openapi", "preflight", "proxy", "proxy_upload", "not_found", "rejected",
	"authz", "oprf",
}

// latencyBuckets are the histogram's upper bounds in seconds.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics are the edge's series, kept in a VictoriaMetrics/metrics Set of
// their own (so two Servers in one process count apart) and written with
// the library's go_* and process_* series in the Prometheus text format.
type metrics struct {
	set *vm.Set
	// The per-route series are created on first use, so a route nobody
	// called shows no samples; the pointers spare a name lookup per request.
	requests [numRoutes][600]atomic.Pointer[vm.Counter] // by status code
	latency  [numRoutes]atomic.Pointer[vm.PrometheusHistogram]

	panics       *vm.Counter
	rateLimited  *vm.Counter
	reloads      *vm.Counter
	reloadFails  *vm.Counter
	scanned      *vm.Counter
	unscannable  *vm.Counter
	scanTimeouts *vm.Counter
	originErrors *vm.Counter

	oprfEvaluations *vm.Counter
	oprfChecks      *vm.Counter
	oprfRefused     *vm.Counter
	oprfSuspects    *vm.Counter

	opsMetrics // metrics_ops.go: overrides, policy, events
}

// metricHelp is the HELP text of each family the edge writes. The library
// writes metadata lines without text; write fills them in.
var metricHelp = map[string]string{
	"hashgate_edge_requests_total":             "HTTP requests answered, by route and status code.",
	"hashgate_edge_request_duration_seconds":   "Time from request read to answer, by route.",
	"hashgate_edge_matches_total":              "Matched queries and uploads, by source list and label.",
	"hashgate_edge_panics_total":               "Handler panics recovered at the HTTP boundary.",
	"hashgate_edge_rate_limited_total":         "Requests refused with 429 by the per-client rate limit.",
	"hashgate_edge_reloads_total":              "Releases verified and swapped in.",
	"hashgate_edge_reload_failures_total":      "Release polls that failed or were rejected (the release in use was kept).",
	"hashgate_edge_scanned_files_total":        "Files fingerprinted from uploads.",
	"hashgate_edge_unscannable_files_total":    "Uploaded files that could not be fingerprinted.",
	"hashgate_edge_scan_timeouts_total":        "Scans that ran out of ScanTimeout (answered 503 scan_timeout).",
	"hashgate_edge_origin_errors_total":        "Proxied requests the origin did not answer.",
	"hashgate_edge_release_loaded":             "1 when a verified release is in use.",
	"hashgate_edge_release_version":            "Version of the release in use.",
	"hashgate_edge_release_age_seconds":        "Seconds since the release in use was created.",
	"hashgate_edge_release_expires_in_seconds": "Seconds until the release in use expires (negative once expired).",
	"hashgate_edge_index_entries":              "Entries in the match index.",
	"hashgate_edge_rate_limit_clients":         "Clients tracked by the rate limiter.",
	"hashgate_edge_oprf_checks_total":          "POST /v1/oprf requests answered with evaluations.",
	"hashgate_edge_oprf_evaluations_total":     "Blinded elements evaluated for /v1/oprf.",
	"hashgate_edge_oprf_budget_refusals_total": "/v1/oprf requests refused with 429 by the evaluation budget.",
	"hashgate_edge_oprf_edit_search_total":     "Clients logged by the edit-search detector (more checks in its window than a person makes).",
}

func newMetrics() *metrics {
	// TYPE lines let Prometheus tell counters from gauges; the switch is
	// the library's, process-wide.
	vm.ExposeMetadata(true)
	s := vm.NewSet()
	return &metrics{
		set:         s,
		panics:      s.NewCounter("hashgate_edge_panics_total"),
		rateLimited: s.NewCounter("hashgate_edge_rate_limited_total"),

		oprfEvaluations: s.NewCounter("hashgate_edge_oprf_evaluations_total"),
		oprfChecks:      s.NewCounter("hashgate_edge_oprf_checks_total"),
		oprfRefused:     s.NewCounter("hashgate_edge_oprf_budget_refusals_total"),
		oprfSuspects:    s.NewCounter("hashgate_edge_oprf_edit_search_total"),
		reloads:         s.NewCounter("hashgate_edge_reloads_total"),
		reloadFails:     s.NewCounter("hashgate_edge_reload_failures_total"),
		scanned:         s.NewCounter("hashgate_edge_scanned_files_total"),
		unscannable:     s.NewCounter("hashgate_edge_unscannable_files_total"),
		scanTimeouts:    s.NewCounter("hashgate_edge_scan_timeouts_total"),
		originErrors:    s.NewCounter("hashgate_edge_origin_errors_total"),
		opsMetrics:      newOpsMetrics(s),
	}
}

func (m *metrics) observe(r route, status int, d time.Duration) {
	if status < 0 || status >= 600 {
		status = 0
	}
	c := m.requests[r][status].Load()
	if c == nil {
		c = m.set.GetOrCreateCounter(`hashgate_edge_requests_total{route="` + routeNames[r] + `",code="` + strconv.Itoa(status) + `"}`)
		m.requests[r][status].Store(c)
	}
	c.Inc()
	h := m.latency[r].Load()
	if h == nil {
		h = m.set.GetOrCreatePrometheusHistogramExt(`hashgate_edge_request_duration_seconds{route="`+routeNames[r]+`"}`, latencyBuckets)
		m.latency[r].Store(h)
	}
	h.Update(d.Seconds())
}

// match counts one matched upload or query per (list, label) it carries; an
// entry with no label counts under label "".
func (m *metrics) match(source string, labels []string) {
	if len(labels) == 0 {
		m.matchCounter(source, "").Inc()
	}
	for _, l := range labels {
		m.matchCounter(source, l).Inc()
	}
}

func (m *metrics) matchCounter(list, label string) *vm.Counter {
	var b strings.Builder
	b.WriteString("hashgate_edge_matches_total{list=")
	writeLabelValue(&b, list)
	b.WriteString(",label=")
	writeLabelValue(&b, label)
	b.WriteByte('}')
	return m.set.GetOrCreateCounter(b.String())
}

// releaseInfo is what /metrics reports about the release in use.
type releaseInfo struct {
	loaded  bool
	version uint64
	created time.Time
	expires time.Time
	entries int
}

// write appends the exposition text: the edge's series, the release gauges
// (read at scrape time), then the Go runtime's and the process's.
func (m *metrics) write(b []byte, rel releaseInfo, now time.Time, tracked int) []byte {
	var buf bytes.Buffer
	m.set.WritePrometheus(&buf)
	loaded := uint64(0)
	if rel.loaded {
		loaded = 1
	}
	vm.WriteGaugeUint64(&buf, "hashgate_edge_release_loaded", loaded)
	if rel.loaded {
		vm.WriteGaugeUint64(&buf, "hashgate_edge_release_version", rel.version)
		vm.WriteGaugeFloat64(&buf, "hashgate_edge_release_age_seconds", now.Sub(rel.created).Seconds())
		if !rel.expires.IsZero() {
			vm.WriteGaugeFloat64(&buf, "hashgate_edge_release_expires_in_seconds", rel.expires.Sub(now).Seconds())
		}
		vm.WriteGaugeUint64(&buf, "hashgate_edge_index_entries", uint64(rel.entries))
	}
	vm.WriteGaugeUint64(&buf, "hashgate_edge_rate_limit_clients", uint64(tracked))
	m.writeOps(&buf)
	vm.WriteProcessMetrics(&buf)
	vm.WriteFDMetrics(&buf)
	return appendWithHelp(b, buf.Bytes())
}

// appendWithHelp copies the exposition text, giving the edge's families
// their HELP text.
func appendWithHelp(b, text []byte) []byte {
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i+1], text[i+1:]
		} else {
			text = nil
		}
		if name, ok := bytes.CutPrefix(line, []byte("# HELP ")); ok {
			name = bytes.TrimRight(name, "\n")
			if help, ok := metricHelp[string(name)]; ok {
				b = append(b, "# HELP "...)
				b = append(b, name...)
				b = append(b, ' ')
				b = append(b, help...)
				b = append(b, '\n')
				continue
			}
		}
		b = append(b, line...)
	}
	return b
}

// writeLabelValue quotes a label value with the exposition format's three
// escapes (backslash, double quote, newline).
func writeLabelValue(w io.ByteWriter, s string) {
	w.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			w.WriteByte('\\')
			w.WriteByte(c)
		case '\n':
			w.WriteByte('\\')
			w.WriteByte('n')
		default:
			w.WriteByte(c)
		}
	}
	w.WriteByte('"')
}
