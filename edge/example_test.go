package edge_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/hashgate/hashgate/edge"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

// An edge over a one-entry list answers a verify request. A real edge gets
// its snapshots from a Reloader polling a signed release.
func ExampleServer() {
	digest := sha256.Sum256([]byte("a listed file"))
	ix, err := match.NewIndex([]match.Entry{{
		Kind: fingerprint.KindSHA256, SHA256: digest, Labels: []string{"example"}, Source: "demo",
	}}, match.DefaultOptions())
	if err != nil {
		panic(err)
	}
	cfg := edge.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	srv, err := edge.New(cfg)
	if err != nil {
		panic(err)
	}
	srv.Load(&edge.Snapshot{Version: 1, Expires: time.Now().Add(time.Hour), Manifest: []byte("{}"), Index: ix})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, ln, time.Second) }()

	body := `{"sha256":"` + fingerprint.SHA256Digest(digest).String() + `"}`
	resp, err := http.Post("http://"+ln.Addr().String()+"/v1/verify", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Each match has an id of its own (its event's, for an appeal).
	fmt.Print(regexp.MustCompile(`"match_id":"[0-9a-f]{28}"`).ReplaceAllString(string(answer), `"match_id":"…"`))

	stop()
	fmt.Println(<-done)
	// Output:
	// 200
	// {"match":true,"release":1,"matches":[{"kind":"sha256","labels":["example"],"list":"demo","match_id":"…","action":"block"}]}
	// <nil>
}

func ExampleDefaultConfig() {
	c := edge.DefaultConfig()
	fmt.Println(c.MaxBodyBytes>>20, "MiB,", c.MaxPixels/1_000_000, "MP,", c.ReadTimeout, c.RatePerSecond, "req/s")
	// Output: 32 MiB, 64 MP, 15s 10 req/s
}

// With PrivateMetrics, /metrics leaves the serving port and is served on
// a listener of its own, on loopback.
func ExampleServer_ServeMetrics() {
	cfg := edge.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.PrivateMetrics = true
	srv, err := edge.New(cfg)
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeMetrics(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cancel()
	<-done
	fmt.Println(resp.StatusCode, strings.Contains(string(body), "hashgate_edge_release_loaded 0"))
	// Output: 200 true
}
