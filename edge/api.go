package edge

import "github.com/valyala/fasthttp"

func (s *Server) verify(ctx *fasthttp.RequestCtx) {
	if !s.allow(ctx) {
		return
	}
	writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "not yet")
}

func (s *Server) scan(ctx *fasthttp.RequestCtx) {
	if !s.allow(ctx) {
		return
	}
	writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "not yet")
}

func (s *Server) screenUpload(ctx *fasthttp.RequestCtx) bool {
	writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "not yet")
	return false
}
