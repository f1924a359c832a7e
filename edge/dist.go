package edge

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// Cache-Control for content-addressed filters: their name is their digest,
// so they never change and caches may keep them forever.
const cacheImmutable = "public, max-age=31536000, immutable"

// The manifest changes with every release: caches must revalidate (cheap,
// thanks to the ETag).
const cacheRevalidate = "no-cache"

// manifest serves the signed manifest (or its signature) of the release in use.
func (s *Server) manifest(ctx *fasthttp.RequestCtx, sig bool) {
	snap := s.snap.Load()
	if snap == nil {
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "no verified release loaded")
		return
	}
	body, etag, ctype := snap.Manifest, snap.manifestETag, "application/json"
	if sig {
		body, etag, ctype = snap.Signature, snap.signatureETag, "application/octet-stream"
	}
	s.serveStatic(ctx, body, etag, ctype, cacheRevalidate)
}

// filter serves a filter artifact by its SHA-256, from the release in use or
// the one before it (a checker may hold the previous manifest for a moment).
func (s *Server) filter(ctx *fasthttp.RequestCtx, name []byte) {
	if len(name) != 64 || !isLowerHex(name) {
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "filter name must be a SHA-256 in 64 lowercase hex digits")
		return
	}
	snap := s.snap.Load()
	if snap == nil {
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "no verified release loaded")
		return
	}
	a, ok := snap.Filters[string(name)]
	if !ok {
		a, ok = snap.previous[string(name)]
	}
	if !ok {
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "no such filter in the current release")
		return
	}
	etag := `"` + string(name) + `"`
	if a.Path == "" {
		s.serveStatic(ctx, a.Data, etag, "application/octet-stream", cacheImmutable)
		return
	}
	if notModified(ctx, etag, cacheImmutable) {
		return
	}
	f, err := os.Open(a.Path)
	if err != nil {
		// Pruned by a reload since this request read the snapshot: the
		// filter is no longer in the current or the previous release.
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "no such filter in the current release")
		return
	}
	if st, err := f.Stat(); err != nil || st.Size() != a.Size {
		f.Close()
		s.log.Error("edge: stored filter changed on disk", "path", a.Path)
		writeError(ctx, fasthttp.StatusInternalServerError, CodeInternal, "stored filter is damaged")
		return
	}
	setValidators(ctx, etag, cacheImmutable)
	ctx.SetContentType("application/octet-stream")
	// fasthttp closes f once the body is written (or skipped, for HEAD).
	ctx.Response.SetBodyStream(f, int(a.Size))
}

// serveStatic writes body with its validators, or 304 when the client's
// If-None-Match names the same ETag.
func (s *Server) serveStatic(ctx *fasthttp.RequestCtx, body []byte, etag, ctype, cache string) {
	if notModified(ctx, etag, cache) {
		return
	}
	setValidators(ctx, etag, cache)
	ctx.SetContentType(ctype)
	// The body slice belongs to the snapshot, which is never mutated:
	// fasthttp may write it without a copy.
	ctx.Response.SetBodyRaw(body)
}

func setValidators(ctx *fasthttp.RequestCtx, etag, cache string) {
	h := &ctx.Response.Header
	h.Set("ETag", etag)
	h.Set("Cache-Control", cache)
}

// notModified answers 304 with the validators, and reports true, when the
// request's If-None-Match names etag.
func notModified(ctx *fasthttp.RequestCtx, etag, cache string) bool {
	inm := ctx.Request.Header.Peek("If-None-Match")
	if len(inm) == 0 || !etagMatches(inm, etag) {
		return false
	}
	setValidators(ctx, etag, cache)
	ctx.SetStatusCode(fasthttp.StatusNotModified)
	return true
}

// etagMatches implements If-None-Match's weak comparison (RFC 9110 §13.1.2)
// over a comma-separated list, with "*".
func etagMatches(header []byte, etag string) bool {
	for part := range bytes.SplitSeq(header, []byte(",")) {
		part = bytes.TrimSpace(part)
		part = bytes.TrimPrefix(part, []byte("W/"))
		if string(part) == "*" || string(part) == etag {
			return true
		}
	}
	return false
}

func quotedSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// setCORS adds the CORS response headers for an allowed Origin.
func (s *Server) setCORS(ctx *fasthttp.RequestCtx) {
	origin := ctx.Request.Header.Peek("Origin")
	h := &ctx.Response.Header
	h.Add("Vary", "Origin")
	if len(origin) == 0 || !(s.corsAny || s.cors[string(origin)]) {
		return
	}
	h.SetBytesV("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "ETag, Retry-After")
}

// preflight answers a CORS preflight (OPTIONS) for an API route. An origin
// that is not allowed gets the same 204 without the Allow-* headers, which
// the browser treats as a refusal.
func (s *Server) preflight(ctx *fasthttp.RequestCtx, method string) {
	h := &ctx.Response.Header
	allow := method
	if method == "GET" {
		allow = "GET, HEAD"
	}
	h.Set("Allow", allow+", OPTIONS")
	if len(h.Peek("Access-Control-Allow-Origin")) > 0 {
		h.Set("Access-Control-Allow-Methods", allow)
		h.Set("Access-Control-Allow-Headers", "Content-Type, If-None-Match")
		h.Set("Access-Control-Max-Age", "600")
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// readyz is 200 while a verified, unexpired release is in use, else 503.
func (s *Server) readyz(ctx *fasthttp.RequestCtx) {
	snap := s.snap.Load()
	now := s.now()
	switch {
	case snap == nil:
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "no verified release loaded")
	case !snap.Expires.IsZero() && !now.Before(snap.Expires):
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady,
			"release "+strconv.FormatUint(snap.Version, 10)+" expired at "+snap.Expires.UTC().Format(time.RFC3339))
	default:
		b := []byte(`{"status":"ready","version":`)
		b = strconv.AppendUint(b, snap.Version, 10)
		if !snap.Expires.IsZero() {
			b = append(b, `,"expires":"`...)
			b = snap.Expires.UTC().AppendFormat(b, time.RFC3339)
			b = append(b, '"')
		}
		b = append(b, `,"entries":`...)
		n := 0
		if snap.Index != nil {
			n = snap.Index.Len()
		}
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, "}\n"...)
		ctx.SetContentType("application/json")
		ctx.SetBody(b)
	}
}
