package edge

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
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
	numRoutes
)

var routeNames = [numRoutes]string{
	"verify", "scan", "manifest", "filter", "healthz", "readyz", "metrics",
	"openapi", "preflight", "proxy", "proxy_upload", "not_found", "rejected",
}

// latencyBuckets are the histogram's upper bounds in seconds.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics are the edge's counters, written in the Prometheus text exposition
// format (version 0.0.4) by hand: the handful of series here does not earn a
// client library and its registry.
type metrics struct {
	requests [numRoutes][600]atomic.Uint64 // by status code
	latency  [numRoutes]histogram

	panics        atomic.Uint64
	rateLimited   atomic.Uint64
	reloads       atomic.Uint64
	reloadFails   atomic.Uint64
	scanned       atomic.Uint64
	unscannable   atomic.Uint64
	scanTimeouts  atomic.Uint64
	originErrors  atomic.Uint64
	matchesMu     sync.Mutex
	matchesByList map[[2]string]uint64 // {source list, label}
}

type histogram struct {
	counts [15]atomic.Uint64 // len(latencyBuckets)+1 (the last is +Inf)
	sumNs  atomic.Uint64
}

func newMetrics() *metrics {
	return &metrics{matchesByList: make(map[[2]string]uint64)}
}

func (m *metrics) observe(r route, status int, d time.Duration) {
	if status < 0 || status >= 600 {
		status = 0
	}
	m.requests[r][status].Add(1)
	h := &m.latency[r]
	s := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets, s)
	h.counts[i].Add(1)
	h.sumNs.Add(uint64(d.Nanoseconds()))
}

// match counts one matched upload or query per (list, label) it carries; an
// entry with no label counts under label "".
func (m *metrics) match(source string, labels []string) {
	m.matchesMu.Lock()
	if len(labels) == 0 {
		m.matchesByList[[2]string{source, ""}]++
	}
	for _, l := range labels {
		m.matchesByList[[2]string{source, l}]++
	}
	m.matchesMu.Unlock()
}

// releaseInfo is what /metrics reports about the release in use.
type releaseInfo struct {
	loaded  bool
	version uint64
	created time.Time
	expires time.Time
	entries int
}

// write appends the exposition text.
func (m *metrics) write(b []byte, rel releaseInfo, now time.Time, tracked int) []byte {
	b = header(b, "hashgate_edge_requests_total", "counter", "HTTP requests answered, by route and status code.")
	for r := range numRoutes {
		for code := range 600 {
			if n := m.requests[r][code].Load(); n > 0 {
				b = append(b, `hashgate_edge_requests_total{route="`...)
				b = append(b, routeNames[r]...)
				b = append(b, `",code="`...)
				b = strconv.AppendInt(b, int64(code), 10)
				b = append(b, `"} `...)
				b = strconv.AppendUint(b, n, 10)
				b = append(b, '\n')
			}
		}
	}
	b = header(b, "hashgate_edge_request_duration_seconds", "histogram", "Time from request read to answer, by route.")
	for r := range numRoutes {
		h := &m.latency[r]
		var cum uint64
		for i := range h.counts {
			cum += h.counts[i].Load()
		}
		if cum == 0 {
			continue
		}
		cum = 0
		for i := range h.counts {
			cum += h.counts[i].Load()
			le := "+Inf"
			if i < len(latencyBuckets) {
				le = strconv.FormatFloat(latencyBuckets[i], 'g', -1, 64)
			}
			b = append(b, `hashgate_edge_request_duration_seconds_bucket{route="`...)
			b = append(b, routeNames[r]...)
			b = append(b, `",le="`...)
			b = append(b, le...)
			b = append(b, `"} `...)
			b = strconv.AppendUint(b, cum, 10)
			b = append(b, '\n')
		}
		b = sample(b, `hashgate_edge_request_duration_seconds_sum{route="`+routeNames[r]+`"}`, float64(h.sumNs.Load())/1e9)
		b = sample(b, `hashgate_edge_request_duration_seconds_count{route="`+routeNames[r]+`"}`, float64(cum))
	}

	b = header(b, "hashgate_edge_matches_total", "counter", "Matched queries and uploads, by source list and label.")
	m.matchesMu.Lock()
	keys := make([][2]string, 0, len(m.matchesByList))
	for k := range m.matchesByList {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := compareStrings(a[0], b[0]); c != 0 {
			return c
		}
		return compareStrings(a[1], b[1])
	})
	for _, k := range keys {
		b = append(b, `hashgate_edge_matches_total{list=`...)
		b = appendLabelValue(b, k[0])
		b = append(b, `,label=`...)
		b = appendLabelValue(b, k[1])
		b = append(b, "} "...)
		b = strconv.AppendUint(b, m.matchesByList[k], 10)
		b = append(b, '\n')
	}
	m.matchesMu.Unlock()

	counters := []struct {
		name, help string
		v          uint64
	}{
		{"hashgate_edge_panics_total", "Handler panics recovered at the HTTP boundary.", m.panics.Load()},
		{"hashgate_edge_rate_limited_total", "Requests refused with 429 by the per-client rate limit.", m.rateLimited.Load()},
		{"hashgate_edge_reloads_total", "Releases verified and swapped in.", m.reloads.Load()},
		{"hashgate_edge_reload_failures_total", "Release polls that failed or were rejected (the release in use was kept).", m.reloadFails.Load()},
		{"hashgate_edge_scanned_files_total", "Files fingerprinted from uploads.", m.scanned.Load()},
		{"hashgate_edge_unscannable_files_total", "Uploaded files that could not be fingerprinted.", m.unscannable.Load()},
		{"hashgate_edge_scan_timeouts_total", "Scans that ran out of ScanTimeout (answered 503 scan_timeout).", m.scanTimeouts.Load()},
		{"hashgate_edge_origin_errors_total", "Proxied requests the origin did not answer.", m.originErrors.Load()},
	}
	for _, c := range counters {
		b = header(b, c.name, "counter", c.help)
		b = sample(b, c.name, float64(c.v))
	}

	loaded := 0.0
	if rel.loaded {
		loaded = 1
	}
	gauges := []struct {
		name, help string
		v          float64
		show       bool
	}{
		{"hashgate_edge_release_loaded", "1 when a verified release is in use.", loaded, true},
		{"hashgate_edge_release_version", "Version of the release in use.", float64(rel.version), rel.loaded},
		{"hashgate_edge_release_age_seconds", "Seconds since the release in use was created.", now.Sub(rel.created).Seconds(), rel.loaded},
		{"hashgate_edge_release_expires_in_seconds", "Seconds until the release in use expires (negative once expired).", rel.expires.Sub(now).Seconds(), rel.loaded && !rel.expires.IsZero()},
		{"hashgate_edge_index_entries", "Entries in the match index.", float64(rel.entries), rel.loaded},
		{"hashgate_edge_rate_limit_clients", "Clients tracked by the rate limiter.", float64(tracked), true},
	}
	for _, g := range gauges {
		if g.show {
			b = header(b, g.name, "gauge", g.help)
			b = sample(b, g.name, g.v)
		}
	}
	return b
}

func header(b []byte, name, typ, help string) []byte {
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, help...)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	return append(b, '\n')
}

func sample(b []byte, series string, v float64) []byte {
	b = append(b, series...)
	b = append(b, ' ')
	switch {
	case math.IsInf(v, 1):
		b = append(b, "+Inf"...)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		b = strconv.AppendInt(b, int64(v), 10)
	default:
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return append(b, '\n')
}

// appendLabelValue quotes a label value with the exposition format's three
// escapes (backslash, double quote, newline).
func appendLabelValue(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
