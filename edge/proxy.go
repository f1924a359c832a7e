package edge

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"

	"github.com/valyala/fasthttp"
)

func newOriginClient(cfg Config) (*fasthttp.HostClient, error) {
	u, err := url.Parse(cfg.Origin)
	if err != nil {
		return nil, fmt.Errorf("%w: origin: %w", ErrConfig, err)
	}
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	return &fasthttp.HostClient{
		Addr:                          addr,
		IsTLS:                         u.Scheme == "https",
		Name:                          "",
		NoDefaultUserAgentHeader:      true,
		DisablePathNormalizing:        true,
		DisableHeaderNamesNormalizing: true,
		ReadTimeout:                   cfg.OriginTimeout,
		WriteTimeout:                  cfg.OriginTimeout,
		MaxResponseBodySize:           cfg.MaxOriginResponseBytes,
		MaxConns:                      cfg.Concurrency,
		MaxIdleConnDuration:           cfg.IdleTimeout,
		// Retrying a non-idempotent upload could deliver it twice.
		RetryIfErr: func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}, nil
}

// hopHeaders are meaningful for one connection only (RFC 9110 §7.6.1) and
// are not forwarded either way.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// connectionHeaders are the header names a Connection header lists: they
// are hop-by-hop too (RFC 9110 §7.6.1), whatever they are named.
func connectionHeaders(v []byte) []string {
	var out []string
	for _, f := range strings.Split(string(v), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// proxy forwards a request the edge does not serve itself, scanning it first
// when it is an upload. Uploads are rationed like /v1/scan.
func (s *Server) proxy(ctx *fasthttp.RequestCtx) route {
	ctx.Request.Header.Del(MonitorHeader) // only the edge sets it (policy.go)
	r := routeProxy
	if hasBody(ctx) && s.isUpload(ctx) {
		r = routeProxyUpload
		if !s.allow(ctx) {
			return r
		}
		body, ok := s.readUpload(ctx) // video_spool.go
		if !ok {
			return r
		}
		defer body.close()
		if (body.raw != nil || len(ctx.Request.Body()) > 0) && !s.screenUpload(ctx, body) {
			return r
		}
		s.forward(ctx, body.raw)
		return r
	} else if !s.readBody(ctx, s.cfg.MaxBodyBytes) {
		return r
	}
	s.forward(ctx, nil)
	return r
}

// hasBody: a Content-Length over zero, or a chunked body.
func hasBody(ctx *fasthttp.RequestCtx) bool {
	n := ctx.Request.Header.ContentLength()
	return n > 0 || n == -1
}

// isUpload decides whether a proxied request's body is scanned, on the
// canonical form of the path as the client sent it: origins differ in how
// they read a path, so the edge matches the most inclusive reading.
func (s *Server) isUpload(ctx *fasthttp.RequestCtx) bool {
	p := canonicalPath(ctx.Request.URI().PathOriginal(), !s.cfg.UploadPathsCaseSensitive)
	if s.cfg.ScanAllBodies {
		return !matchUploadPath(s.exemptPaths, p)
	}
	return matchUploadPath(s.uploadPaths, p)
}

// canonicalPath reads a request path the way a lenient origin might:
// percent-decoded (until stable, so %252F is a slash too), backslashes as
// slashes, ";parameters" dropped from each segment, dot segments and
// repeated slashes resolved, and lowercased when fold is set.
func canonicalPath(raw []byte, fold bool) string {
	p := string(raw)
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	for range 4 {
		d, err := url.PathUnescape(p)
		if err != nil || d == p {
			break
		}
		p = d
	}
	p = strings.ReplaceAll(p, "\\", "/")
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if j := strings.IndexByte(seg, ';'); j >= 0 {
			segs[i] = seg[:j]
		}
	}
	p = path.Clean("/" + strings.Join(segs, "/"))
	if fold {
		p = strings.ToLower(p)
	}
	return p
}

// forward sends the request to the origin as it came (method, URI, headers
// and body byte for byte, less hop-by-hop headers, plus X-Forwarded-For;
// X-Request-Id is the request's id, set by handle) and
// answers with the origin's answer. The origin's answer is read whole
// before anything is written, so a failing origin yields a clean 502.
//
// A body spooled to disk (raw) is streamed to the origin from its file.
func (s *Server) forward(ctx *fasthttp.RequestCtx, raw *spool) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)

	ctx.Request.Header.CopyTo(&req.Header)
	if raw != nil {
		req.SetBodyStream(raw.reader(), int(raw.size))
	} else {
		req.SetBodyRaw(ctx.Request.Body()) // ctx outlives this call: no copy needed
	}
	for _, h := range connectionHeaders(ctx.Request.Header.Peek("Connection")) {
		req.Header.Del(h)
	}
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	req.UseHostHeader = true
	if s.origin.IsTLS {
		req.URI().SetScheme("https")
	}
	if len(req.Header.Host()) == 0 {
		req.Header.SetHost(s.origin.Addr)
	}
	ip := ctx.RemoteIP().String()
	if prior := req.Header.Peek("X-Forwarded-For"); len(prior) > 0 {
		ip = string(prior) + ", " + ip
	}
	req.Header.Set("X-Forwarded-For", ip)

	if err := s.origin.DoTimeout(req, resp, s.cfg.OriginTimeout); err != nil {
		s.metrics.originErrors.Add(1)
		s.log.Warn("edge: origin request failed", "err", err.Error())
		writeError(ctx, fasthttp.StatusBadGateway, CodeOriginUnavailable, "the origin did not answer")
		return
	}
	for _, h := range connectionHeaders(resp.Header.Peek("Connection")) {
		resp.Header.Del(h)
	}
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	ctx.Response.Header.SetStatusCode(resp.StatusCode())
	resp.Header.CopyTo(&ctx.Response.Header)
	ctx.Response.SetBody(resp.Body())
}
