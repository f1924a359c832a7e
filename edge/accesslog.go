package edge

import (
	"context"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// RequestIDHeader carries a request's id: the edge answers every request
// with one, takes a client's or load balancer's when it is sane (see
// saneRequestID), and forwards it to the origin in proxy mode, so one id
// follows a request through the access log, the origin's logs and the
// client's report.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an incoming id: long enough for a UUID or a
// load balancer's trace id, short enough not to bloat every log line.
const maxRequestIDLen = 64

// requestID returns the request's id, taking a sane incoming one and
// otherwise making a new one (16 hex digits). It sets the request header
// to it, so a proxied request carries the same id to the origin.
func requestID(ctx *fasthttp.RequestCtx) []byte {
	if v := ctx.Request.Header.Peek(RequestIDHeader); saneRequestID(v) {
		return v
	}
	var raw [8]byte
	u := rand.Uint64() // ids need to be distinct, not secret
	for i := range raw {
		raw[i] = byte(u >> (8 * i))
	}
	var id [16]byte
	hex.Encode(id[:], raw[:])
	ctx.Request.Header.SetBytesV(RequestIDHeader, id[:])
	return ctx.Request.Header.Peek(RequestIDHeader)
}

// saneRequestID accepts 1 to 64 characters of letters, digits and
// "-_.:": a UUID, a hex trace id, an AWS ALB or Cloudflare ray id. Anything
// else (spaces, quotes, control bytes: log injection) is replaced.
func saneRequestID(v []byte) bool {
	if len(v) == 0 || len(v) > maxRequestIDLen {
		return false
	}
	for _, c := range v {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// logAccess writes one access log line for an answered request, if the
// access log is on. It names the request, never its body: no fingerprint
// of an upload or of a /v1/verify query reaches the log, matched or not
// (matches are logged apart, with their labels, by logMatch).
func (s *Server) logAccess(ctx *fasthttp.RequestCtx, r route, id []byte, d time.Duration) {
	if s.access == nil {
		return
	}
	s.access.LogAttrs(context.Background(), slog.LevelInfo, "request",
		slog.String("id", string(id)),
		slog.String("client", s.clientAddr(ctx)),
		slog.String("method", string(ctx.Method())),
		// The path without its query: a query may carry an origin's tokens.
		slog.String("path", string(ctx.Request.URI().PathOriginal())),
		slog.String("route", routeNames[r]),
		slog.Int("status", ctx.Response.StatusCode()),
		slog.Int("bytes_in", max(ctx.Request.Header.ContentLength(), 0)),
		slog.Int("bytes_out", len(ctx.Response.Body())),
		slog.Duration("duration", d),
	)
}

// clientAddr is the client's address as the rate limiter sees it: the
// TCP peer, or the ClientIPHeader entry it trusts.
func (s *Server) clientAddr(ctx *fasthttp.RequestCtx) string {
	ip := ctx.RemoteIP()
	if s.cfg.ClientIPHeader != "" {
		if v := ctx.Request.Header.Peek(s.cfg.ClientIPHeader); len(v) > 0 {
			if p := nthFromRight(v, max(s.cfg.TrustedHops, 1)); p != nil {
				ip = p
			}
		}
	}
	if ip == nil {
		ip = net.IPv4zero
	}
	return ip.String()
}
