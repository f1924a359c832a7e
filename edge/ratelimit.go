package edge

import (
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// rateLimiter is a token bucket per client key. Memory is bounded: each of
// its shards tracks at most max/len(shards) clients. When a shard is full it
// first forgets clients whose buckets have refilled (forgetting them loses
// nothing), and if none has, the newcomer shares one overflow bucket with
// every other untracked client, so a flood of addresses rations itself
// rather than evicting the clients already being rationed.
type rateLimiter struct {
	rate   float64 // tokens per second
	burst  float64
	seed   maphash.Seed
	shards [32]rateShard
	now    func() time.Time
}

type rateShard struct {
	mu        sync.Mutex
	max       int
	lastSweep time.Time
	buckets   map[string]*bucket
	overflow  bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond float64, burst, maxClients int) *rateLimiter {
	l := &rateLimiter{rate: perSecond, burst: float64(burst), seed: maphash.MakeSeed(), now: time.Now}
	per := max(maxClients/len(l.shards), 1)
	for i := range l.shards {
		l.shards[i].max = per
		l.shards[i].buckets = make(map[string]*bucket)
		l.shards[i].overflow = bucket{tokens: l.burst}
	}
	return l
}

// allow takes a token for key. When the bucket is empty it returns false and
// how long until a token is back.
func (l *rateLimiter) allow(key []byte) (bool, time.Duration) { return l.allowN(key, 1) }

// allowN takes n tokens for key at once, or none: when the bucket holds
// fewer it returns false and how long until n are back (n over the burst
// can never be taken; the caller bounds n).
func (l *rateLimiter) allowN(key []byte, n int) (bool, time.Duration) {
	s := &l.shards[maphash.Bytes(l.seed, key)%uint64(len(l.shards))]
	now := l.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[string(key)] // no allocation for the lookup
	if !ok {
		// A sweep costs a pass over the shard: at most one a second.
		if len(s.buckets) >= s.max && now.Sub(s.lastSweep) >= time.Second {
			l.sweep(s, now)
			s.lastSweep = now
		}
		if len(s.buckets) >= s.max {
			b = &s.overflow
		} else {
			b = &bucket{tokens: l.burst, last: now}
			s.buckets[string(key)] = b
		}
	}
	l.refill(b, now)
	need := float64(n)
	if b.tokens >= need {
		b.tokens -= need
		return true, 0
	}
	wait := time.Duration(math.Ceil((need - b.tokens) / l.rate * float64(time.Second)))
	return false, wait
}

func (l *rateLimiter) refill(b *bucket, now time.Time) {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
	}
	b.last = now
}

// sweep forgets the clients whose buckets are full again.
func (l *rateLimiter) sweep(s *rateShard, now time.Time) {
	for k, b := range s.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(s.buckets, k)
		}
	}
}

// tracked is the number of clients with a bucket of their own.
func (l *rateLimiter) tracked() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].buckets)
		l.shards[i].mu.Unlock()
	}
	return n
}
