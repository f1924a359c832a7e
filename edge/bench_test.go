package edge

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

// BenchmarkVerifyHandler measures the /v1/verify handler in process (JSON
// parse, search, answer) without the network, over indexes of random PDQ
// entries; half the queries are near copies of listed hashes.
func BenchmarkVerifyHandler(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run("entries="+strconv.Itoa(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, uint64(n)))
			entries := make([]match.Entry, n)
			for i := range entries {
				entries[i] = match.Entry{Kind: fingerprint.KindPDQ, PDQ: randomPDQ(r), Labels: []string{"l"}, Source: "s"}
			}
			cfg := testConfig()
			cfg.Logger = slog.New(slog.DiscardHandler)
			s, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			s.Load(indexSnapshot(b, 1, entries))
			bodies := make([][]byte, 256)
			for i := range bodies {
				h := randomPDQ(r)
				if i%2 == 0 {
					h = flip(entries[r.IntN(n)].PDQ, 8, r)
				}
				bodies[i] = fmt.Appendf(nil, `{"pdq":"%s","pdq_quality":100}`, h)
			}
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				ctx.Request.Reset()
				ctx.Response.Reset()
				ctx.Request.Header.SetMethod("POST")
				ctx.Request.SetRequestURI("/v1/verify")
				ctx.Request.Header.SetContentType("application/json")
				ctx.Request.SetBody(bodies[i%len(bodies)])
				s.handle(&ctx)
				if ctx.Response.StatusCode() != 200 {
					b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
				}
			}
		})
	}
}
