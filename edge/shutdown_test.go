package edge

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashgate/hashgate/internal/testenv"
)

// A request in flight when shutdown starts is answered in full; the
// listener stops accepting new connections.
func TestGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		io.WriteString(w, "slow answer")
	}))
	defer origin.Close()
	cfg := testConfig()
	cfg.Origin = origin.URL
	cfg.Logger = slog.New(slog.DiscardHandler)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, stop := testenv.StartServer(t, func(ctx context.Context, ln net.Listener) error { return s.Serve(ctx, ln, 10*time.Second) })
	stopped := make(chan error, 1)

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{resp.StatusCode, string(b), nil}
	}()
	<-arrived
	go func() { stopped <- stop() }() // shutdown begins with the request in flight
	// New connections are refused once the listener is closed.
	refused := false
	for range 100 {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			refused = true
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "slow answer" {
		t.Errorf("in-flight request: %+v", r)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if !refused {
		t.Error("the listener kept accepting during shutdown")
	}
}
