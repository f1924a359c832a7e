package testenv

import (
	"context"
	"net"
	"sync"
	"testing"
)

// StartServer runs serve on a listener at a free 127.0.0.1 port and
// returns its address and a stop function, which cancels serve's context,
// waits for it and returns its error (the same error on every call). A
// server not stopped by the test is stopped when it ends, and a failed
// stop then fails the test.
func StartServer(t testing.TB, serve func(ctx context.Context, ln net.Listener) error) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			serr = <-done
		})
		return serr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return ln.Addr().String(), stop
}
