package edge

import (
	"log/slog"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkHandleHealthz measures what every request pays around its
// handler: routing, the request id, the request counter and histogram.
func BenchmarkHandleHealthz(b *testing.B) {
	cfg := testConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("GET")
		ctx.Request.SetRequestURI("/healthz")
		s.handle(&ctx)
	}
}
