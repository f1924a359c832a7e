package edge

import (
	"context"
	"errors"
	"net"
	"reflect"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// errClientGone is the cause of a scan's context once its client has
// closed the connection.
var errClientGone = errors.New("edge: the client closed the connection")

// clientPoll is how often a running scan checks that its client is still
// connected.
const clientPoll = 100 * time.Millisecond

// watchClient returns a context that is cancelled when the client of the
// request ctx closes its connection, so that a video decode (an FFmpeg
// process) stops when nobody waits for its answer. fasthttp has no such
// signal: the connection is peeked at (MSG_PEEK, so no byte of a pipelined
// request is taken) every clientPoll. For a context that is not a
// fasthttp request on a socket it is plain context.WithCancel.
func watchClient(ctx context.Context) (context.Context, context.CancelFunc) {
	rc, ok := ctx.(*fasthttp.RequestCtx)
	if !ok {
		return context.WithCancel(ctx)
	}
	sc, ok := socketOf(rc.Conn())
	if !ok {
		return context.WithCancel(ctx)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return context.WithCancel(ctx)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(clientPoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-cctx.Done():
				return
			case <-t.C:
			}
			if peerClosed(raw) {
				cancel(errClientGone)
				return
			}
		}
	}()
	// stop waits for the watcher: once the handler returns, fasthttp
	// reuses the request ctx, which cancel reads (Value) on its way out.
	return cctx, func() { close(done); cancel(nil); <-exited }
}

// socketOf finds the socket under c. fasthttp wraps connections it counts
// per client address (MaxConnsPerIP) in a type that embeds the net.Conn
// but does not expose it; the embedded field is read by reflection.
func socketOf(c net.Conn) (syscall.Conn, bool) {
	for range 4 {
		if sc, ok := c.(syscall.Conn); ok {
			return sc, true
		}
		v := reflect.ValueOf(c)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return nil, false
		}
		f := v.Elem().FieldByName("Conn")
		if !f.IsValid() || !f.CanInterface() {
			return nil, false
		}
		inner, ok := f.Interface().(net.Conn)
		if !ok || inner == nil {
			return nil, false
		}
		c = inner
	}
	return nil, false
}
