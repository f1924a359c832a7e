package edge

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
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

// BenchmarkScanRegions is the CPU of scanning one 1600×1004 photo (the PDQ
// vectors' bridge): decode under the budget, fingerprints and the search of
// 100,000 random PDQ entries (fingerprintImage, then Match, as /v1/scan
// does them), with Config.Regions off and on. Compare cpu-ns/op of the two
// sub-benchmarks of one run.
func BenchmarkScanRegions(b *testing.B) {
	photo, err := os.ReadFile(filepath.Join(testenv.PDQDir(b), "images", "bridge-mods", "aaa-orig.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	entries := make([]match.Entry, 100_000)
	for i := range entries {
		entries[i] = match.Entry{Kind: fingerprint.KindPDQ, PDQ: randomPDQ(r), Labels: []string{"l"}, Source: "s"}
	}
	ix := indexSnapshot(b, 1, entries).Index
	for _, on := range []bool{false, true} {
		b.Run("regions="+strconv.FormatBool(on), func(b *testing.B) {
			cfg := testConfig()
			cfg.Logger = slog.New(slog.DiscardHandler)
			cfg.Regions = on
			s, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			testenv.ReportCPU(b, func() {
				q, err := s.fingerprintImage(ctx, photo)
				if err != nil {
					b.Fatal(err)
				}
				ix.Match(q)
			})
		})
	}
}
