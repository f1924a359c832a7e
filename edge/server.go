package edge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint/media"
)

// Server is the edge. Create it with New, give it a release with Load (or a
// Reloader), and run it with Serve.
type Server struct {
	cfg     Config
	log     *slog.Logger
	access  *slog.Logger // nil: no access log
	metrics *metrics
	limiter *rateLimiter // nil when rate limiting is off
	oprf    *oprfLimits  // oprf.go
	http    *fasthttp.Server
	origin  *fasthttp.HostClient // nil unless in proxy mode
	scans   chan struct{}        // a slot per concurrent image decode
	budget  *decodeBudget        // bytes of decode memory
	video   *videoScanner        // video.go

	allowlist *allowlist // nil unless Config.Allowlist.Enabled
	policy    *policy
	events    *events

	uploadPaths, exemptPaths []string // Config's, case-folded unless sensitive
	snap                     atomic.Pointer[Snapshot]
	cors                     map[string]bool
	corsAny                  bool
	now                      func() time.Time
}

// New checks cfg and builds a Server. Nothing listens until Serve.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		access:  cfg.AccessLog,
		metrics: newMetrics(),
		scans:   make(chan struct{}, cfg.ScanConcurrency),
		budget:  newDecodeBudget(cfg.DecodeBudget),

		uploadPaths: foldPatterns(cfg.UploadPaths, cfg.UploadPathsCaseSensitive),
		exemptPaths: foldPatterns(cfg.ExemptPaths, cfg.UploadPathsCaseSensitive),
		cors:        make(map[string]bool),
		now:         time.Now,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.video = newVideoScanner(cfg.Video, s.log)
	if err := s.initOps(); err != nil { // admin.go
		return nil, err
	}
	if cfg.Now != nil {
		s.now = cfg.Now
	}
	s.oprf = newOPRFLimits(cfg.OPRF, cfg.RateClients, s.now)
	if cfg.RatePerSecond > 0 {
		s.limiter = newRateLimiter(cfg.RatePerSecond, cfg.RateBurst, cfg.RateClients)
	}
	for _, o := range cfg.CORSOrigins {
		if o == "*" {
			s.corsAny = true
		}
		s.cors[o] = true
	}
	if cfg.Origin != "" {
		hc, err := newOriginClient(cfg)
		if err != nil {
			return nil, err
		}
		s.origin = hc
	}
	s.http = &fasthttp.Server{
		Handler:            s.handle,
		ErrorHandler:       s.handleReadError,
		Name:               "hashgate-edge",
		Concurrency:        cfg.Concurrency,
		MaxConnsPerIP:      cfg.MaxConnsPerIP,
		ReadTimeout:        cfg.ReadTimeout,
		WriteTimeout:       cfg.WriteTimeout,
		IdleTimeout:        cfg.IdleTimeout,
		MaxRequestBodySize: cfg.MaxBodyBytes,
		// Multipart bodies are parsed by the scanner from memory, under
		// its own limits; fasthttp's pre-parse would spill files to disk.
		DisablePreParseMultipartForm: true,
		// Bodies are read by the handlers, each route under its own limit
		// and after the rate limit (readBody): a 4 KiB verify call must
		// not make the edge buffer 32 MiB first.
		StreamRequestBody:     true,
		ReadBufferSize:        8 << 10,
		CloseOnShutdown:       true,
		SecureErrorLogMessage: true,
		Logger:                fasthttpLogger{s.log},
	}
	return s, nil
}

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting, lets requests in flight finish for up to
// grace, and returns. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	stopOps := s.startOps(ctx) // admin.go: webhook and allowlist reloads
	s.log.Info("edge: listening", "addr", ln.Addr().String(), "proxy", s.origin != nil, "jpeg", media.JPEGDecoder(), "heif", media.HEIFDecoder())
	select {
	case err := <-errc:
		stopOps()
		return fmt.Errorf("edge: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := s.http.ShutdownWithContext(sctx)
	// If ctx ended before fasthttp registered ln, Shutdown had nothing to
	// close and Serve would run on: closing ln ends it either way.
	ln.Close()
	<-errc
	stopOps()        // after the last request: its event has been queued
	s.events.close() // and written to the audit file
	if err != nil {
		return fmt.Errorf("edge: shutdown: %w", err)
	}
	s.log.Info("edge: stopped")
	return nil
}

// MetricsHandler answers GET /metrics (and 404 to anything else), for a
// listener of its own when Config.PrivateMetrics keeps metrics off the
// serving port.
func (s *Server) MetricsHandler() fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) != "/metrics" {
			writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "no such route")
			return
		}
		if s.method(ctx, "GET") {
			s.writeMetrics(ctx)
		}
	}
}

// ServeMetrics serves MetricsHandler on ln until ctx is done.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	srv := &fasthttp.Server{
		Handler: s.MetricsHandler(), Name: "hashgate-edge",
		ReadTimeout: s.cfg.ReadTimeout, WriteTimeout: s.cfg.WriteTimeout, IdleTimeout: s.cfg.IdleTimeout,
		MaxRequestBodySize: MaxVerifyBytes, Concurrency: 64, Logger: fasthttpLogger{s.log},
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("edge: metrics listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("edge: metrics: %w", err)
	case <-ctx.Done():
	}
	srv.Shutdown()
	ln.Close()
	<-errc
	return nil
}

// Handler is the request handler, for serving on a listener of your own.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handle }

// Load swaps snap in as the release in use. Requests already running keep
// the snapshot they started with.
func (s *Server) Load(snap *Snapshot) {
	if snap != nil {
		snap.prepare()
	}
	if old := s.snap.Load(); old != nil && snap != nil {
		snap.previous = old.Filters
	}
	s.snap.Store(snap)
	if snap != nil && snap.filterDir != "" {
		// The release before the previous one is served no more: drop its
		// files (and any left by an earlier run).
		if err := pruneFilters(snap.filterDir, snap.Filters, snap.previous); err != nil {
			s.log.Warn("edge: filter directory", "err", err)
		}
	}
}

// Current returns the snapshot in use, or nil before the first Load.
func (s *Server) Current() *Snapshot { return s.snap.Load() }

func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	start := s.now()
	r := routeNotFound
	id := requestID(ctx)
	defer func() {
		if v := recover(); v != nil {
			s.metrics.panics.Add(1)
			s.log.Error("edge: panic recovered", "route", routeNames[r], "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			ctx.Response.Reset()
			writeError(ctx, fasthttp.StatusInternalServerError, CodeInternal, "internal error")
			ctx.SetConnectionClose()
		}
		// After the handler: a proxied answer's headers replace ours.
		ctx.Response.Header.SetBytesV(RequestIDHeader, id)
		d := s.now().Sub(start)
		s.metrics.observe(r, ctx.Response.StatusCode(), d)
		s.logAccess(ctx, r, id, d)
	}()
	r = s.dispatch(ctx)
}

// endpoint is one route the edge serves itself. The table below is the
// single list of them: dispatch routes by it and the OpenAPI test holds the
// document to it.
type endpoint struct {
	path    string // exact, or a prefix when it ends in "/{...}"
	method  string // "GET" (HEAD too) or "POST"
	route   route
	cors    bool // an API route browsers call
	handler func(s *Server, ctx *fasthttp.RequestCtx, param []byte)
}

var endpoints = []endpoint{
	{"/v1/verify", "POST", routeVerify, true, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) { s.verify(ctx) }},
	{"/v1/scan", "POST", routeScan, true, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) { s.scan(ctx) }},
	{"/v1/manifest", "GET", routeManifest, true, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) { s.manifest(ctx, false) }},
	{"/v1/manifest.sig", "GET", routeManifest, true, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) { s.manifest(ctx, true) }},
	{"/v1/oprf", "POST", routeOPRF, true, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) { s.handleOPRF(ctx) }},
	{"/v1/filter/{sha256}", "GET", routeFilter, true, func(s *Server, ctx *fasthttp.RequestCtx, p []byte) { s.filter(ctx, p) }},
	{"/v1/openapi.json", "GET", routeOpenAPI, true, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) {
		ctx.SetContentType("application/json")
		ctx.Response.SetBodyRaw(openAPIDocument)
	}},
	{"/healthz", "GET", routeHealthz, false, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) {
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"status":"ok"}` + "\n")
	}},
	{"/readyz", "GET", routeReadyz, false, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) { s.readyz(ctx) }},
	{"/metrics", "GET", routeMetrics, false, func(s *Server, ctx *fasthttp.RequestCtx, _ []byte) { s.writeMetrics(ctx) }},
}

// lookup finds the endpoint for path p and its path parameter, if any.
func lookup(p []byte) (*endpoint, []byte) {
	for i := range endpoints {
		ep := &endpoints[i]
		if j := strings.Index(ep.path, "{"); j >= 0 {
			if len(p) > j && string(p[:j]) == ep.path[:j] {
				return ep, p[j:]
			}
			continue
		}
		if string(p) == ep.path {
			return ep, nil
		}
	}
	return nil, nil
}

// dispatch routes a request and returns the route it took. The edge's own
// routes win over the origin's in proxy mode.
func (s *Server) dispatch(ctx *fasthttp.RequestCtx) route {
	if s.cfg.Authz {
		if r, ok := s.authz(ctx); ok { // authz.go
			return r
		}
	}
	ep, param := lookup(ctx.Path())
	if ep != nil && ep.route == routeMetrics && s.cfg.PrivateMetrics {
		ep = nil
	}
	if ep == nil {
		if s.origin != nil {
			return s.proxy(ctx)
		}
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "no such route")
		return routeNotFound
	}
	if ep.cors {
		s.setCORS(ctx)
		if ctx.IsOptions() {
			s.preflight(ctx, ep.method)
			return routePreflight
		}
	}
	if s.method(ctx, ep.method) {
		// POST handlers read their own bodies after the rate limit; a
		// body on any other route is read (it must be, to reach the next
		// request) under the verify limit.
		if ep.method == "POST" || s.readBody(ctx, MaxVerifyBytes) {
			ep.handler(s, ctx, param)
		}
	}
	return ep.route
}

// method accepts want (and HEAD for GET) or answers 405 with Allow.
func (s *Server) method(ctx *fasthttp.RequestCtx, want string) bool {
	if string(ctx.Method()) == want || (want == "GET" && ctx.IsHead()) {
		return true
	}
	allow := want
	if want == "GET" {
		allow = "GET, HEAD"
	}
	ctx.Response.Header.Set("Allow", allow)
	writeError(ctx, fasthttp.StatusMethodNotAllowed, CodeMethodNotAllowed, "method not allowed; use "+want)
	return false
}

// readBody reads the request body, refusing it (413 body_too_large, the
// connection closed) if it is over limit, before more than limit bytes are
// buffered. Handlers call it before anything reads ctx.PostBody(), which
// would read a streamed body whole.
func (s *Server) readBody(ctx *fasthttp.RequestCtx, limit int) bool {
	stream := ctx.RequestBodyStream()
	if stream == nil {
		limit = min(limit, s.cfg.MaxBodyBytes)
		if ctx.Request.Header.ContentLength() > limit || len(ctx.Request.Body()) > limit {
			return s.bodyTooLarge(ctx, limit)
		}
		return true
	}
	return s.readBodyAfter(ctx, nil, stream, limit)
}

// bodyTooLarge answers 413 body_too_large and closes the connection, since
// the rest of the body is not read.
func (s *Server) bodyTooLarge(ctx *fasthttp.RequestCtx, limit int) bool {
	ctx.SetConnectionClose()
	writeError(ctx, fasthttp.StatusRequestEntityTooLarge, CodeBodyTooLarge, "request body over "+strconv.Itoa(limit)+" bytes")
	return false
}

// A client refused before it has sent its whole body is usually still
// sending it. Closing with unread bytes resets the connection, and a reset
// makes the client's kernel drop the answer it has not read yet: the client
// sees "connection reset" instead of the 413 or 503. So when a body is
// refused part-way, the edge first reads and drops what is still coming,
// for at most lingerTime and lingerBytes and until the client pauses for
// lingerIdle (a larger rest still gets the reset). A body refused by its
// announced length is answered at once only when the client is waiting for
// that answer before it sends (Expect: 100-continue).
const (
	lingerTime  = 2 * time.Second
	lingerIdle  = 250 * time.Millisecond
	lingerBytes = 16 << 20
)

// lingerClose marks the connection to close after the answer, first
// dropping the rest of a streamed body as above. (A body fasthttp buffered
// has been read whole already.)
func lingerClose(ctx *fasthttp.RequestCtx) {
	ctx.SetConnectionClose()
	stream := ctx.RequestBodyStream()
	if stream == nil {
		return
	}
	end := time.Now().Add(lingerTime)
	buf := make([]byte, 32<<10)
	for n := 0; n < lingerBytes; {
		// A client that pauses for lingerIdle has stopped sending (or is
		// too slow to be worth waiting for).
		_ = ctx.Conn().SetReadDeadline(minTime(end, time.Now().Add(lingerIdle)))
		m, err := stream.Read(buf)
		n += m
		if err != nil {
			return
		}
	}
}

// readBodyAfter is readBody for a body whose first bytes, head, have been
// read from stream already.
func (s *Server) readBodyAfter(ctx *fasthttp.RequestCtx, head []byte, stream io.Reader, limit int) bool {
	limit = min(limit, s.cfg.MaxBodyBytes)
	if ctx.Request.Header.ContentLength() > limit {
		// Only a client waiting for 100 Continue has not started sending.
		if !bytes.EqualFold(ctx.Request.Header.Peek("Expect"), []byte("100-continue")) {
			lingerClose(ctx)
		}
		return s.bodyTooLarge(ctx, limit)
	}
	var buf bytes.Buffer
	if n := ctx.Request.Header.ContentLength(); n > 0 {
		buf.Grow(n + 1)
	}
	buf.Write(head)
	if _, err := buf.ReadFrom(io.LimitReader(stream, int64(limit)+1-int64(len(head)))); err != nil {
		ctx.SetConnectionClose()
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			writeError(ctx, fasthttp.StatusRequestTimeout, CodeRequestTimeout, "request not received in time")
		} else {
			writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "malformed request body")
		}
		return false
	}
	if buf.Len() > limit {
		lingerClose(ctx) // found part-way: the client is still sending
		return s.bodyTooLarge(ctx, limit)
	}
	ctx.Request.SetBodyRaw(buf.Bytes())
	return true
}

// handleReadError answers requests fasthttp could not read: too large, too
// slow, malformed. The connection is closed after it.
func (s *Server) handleReadError(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	id := requestID(ctx)
	defer func() {
		ctx.Response.Header.SetBytesV(RequestIDHeader, id)
		s.metrics.observe(routeRejected, ctx.Response.StatusCode(), 0)
		s.logAccess(ctx, routeRejected, id, 0)
	}()
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		writeError(ctx, fasthttp.StatusRequestEntityTooLarge, CodeBodyTooLarge,
			"request body over "+strconv.Itoa(s.cfg.MaxBodyBytes)+" bytes")
	case errors.As(err, &small):
		writeError(ctx, fasthttp.StatusRequestHeaderFieldsTooLarge, CodeHeaderTooLarge, "request header too large")
	case errors.As(err, &netErr) && netErr.Timeout():
		writeError(ctx, fasthttp.StatusRequestTimeout, CodeRequestTimeout, "request not received in time")
	default:
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "malformed HTTP request")
	}
}

// clientKey identifies the client for rate limiting: the TCP peer, or the
// address ClientIPHeader names when configured. In a list (X-Forwarded-For)
// the client writes the left-hand entries, so the key is the entry
// TrustedHops from the right (1: the right-most, written by the load
// balancer itself); a list shorter than that falls back to the TCP peer.
// IPv6 addresses are keyed on their /64, which one client usually holds
// whole.
func (s *Server) clientKey(ctx *fasthttp.RequestCtx, buf []byte) []byte {
	ip := ctx.RemoteIP()
	if s.cfg.ClientIPHeader != "" {
		if v := ctx.Request.Header.Peek(s.cfg.ClientIPHeader); len(v) > 0 {
			if p := nthFromRight(v, max(s.cfg.TrustedHops, 1)); p != nil {
				ip = p
			}
		}
	}
	if ip4 := ip.To4(); ip4 != nil {
		return append(buf, ip4...)
	}
	return append(buf, ip.To16()[:8]...)
}

// nthFromRight parses the n-th comma-separated address from the right of
// a forwarding header (nil if absent or not an address).
func nthFromRight(v []byte, n int) net.IP {
	for i := 0; i < n; i++ {
		j := bytes.LastIndexByte(v, ',')
		entry := v[j+1:]
		if i == n-1 {
			entry = bytes.TrimSpace(entry)
			if h, _, err := net.SplitHostPort(string(entry)); err == nil {
				entry = []byte(h)
			}
			return net.ParseIP(strings.Trim(string(entry), "[]"))
		}
		if j < 0 {
			return nil
		}
		v = v[:j]
	}
	return nil
}

// allow applies the per-client rate limit, answering 429 when it refuses.
func (s *Server) allow(ctx *fasthttp.RequestCtx) bool {
	if s.limiter == nil {
		return true
	}
	var buf [64]byte
	ok, wait := s.limiter.allow(s.clientKey(ctx, buf[:0]))
	if ok {
		return true
	}
	s.metrics.rateLimited.Add(1)
	secs := int((wait + time.Second - 1) / time.Second)
	ctx.Response.Header.Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeError(ctx, fasthttp.StatusTooManyRequests, CodeRateLimited, "rate limit exceeded; retry later")
	return false
}

func (s *Server) writeMetrics(ctx *fasthttp.RequestCtx) {
	var rel releaseInfo
	if snap := s.snap.Load(); snap != nil {
		rel = releaseInfo{loaded: true, version: snap.Version, created: snap.Created, expires: snap.Expires}
		if snap.Index != nil {
			rel.entries = snap.Index.Len()
		}
	}
	tracked := 0
	if s.limiter != nil {
		tracked = s.limiter.tracked()
	}
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	ctx.SetBody(s.metrics.write(make([]byte, 0, 8<<10), rel, s.now(), tracked))
}

// fasthttpLogger sends fasthttp's own messages to slog.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Warn("edge: http: " + fmt.Sprintf(format, args...))
}
