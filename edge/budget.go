package edge

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// decodeBudget is a weighted semaphore over bytes of decode memory: a scan
// takes its file's estimated cost (media.EstimateCost) before decoding and
// gives it back after, so the decodes running at once never hold more than
// the total, whatever the mix of files. Waiters are served in order, so a
// large file is not starved by a stream of small ones.
type decodeBudget struct {
	mu      sync.Mutex
	total   int64
	used    int64
	waiters list.List // of *budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

// errOverBudget: the cost alone is over the whole budget; waiting is
// pointless.
var errOverBudget = errors.New("edge: decode would exceed the whole decode-memory budget")

func newDecodeBudget(total int64) *decodeBudget { return &decodeBudget{total: total} }

// acquire takes n bytes, waiting until they are free or ctx is done.
func (b *decodeBudget) acquire(ctx context.Context, n int64) error {
	if n > b.total {
		return errOverBudget
	}
	b.mu.Lock()
	if b.used+n <= b.total && b.waiters.Len() == 0 {
		b.used += n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	e := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready:
			// Granted as ctx ended: hand it back.
			b.used -= n
			b.notifyLocked()
		default:
			b.waiters.Remove(e)
			b.notifyLocked() // the head may have changed
		}
		b.mu.Unlock()
		return ctx.Err()
	}
}

func (b *decodeBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.notifyLocked()
	b.mu.Unlock()
}

func (b *decodeBudget) notifyLocked() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*budgetWaiter)
		if b.used+w.n > b.total {
			return
		}
		b.used += w.n
		b.waiters.Remove(e)
		close(w.ready)
	}
}

// inUse is the bytes held now (for /metrics).
func (b *decodeBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
