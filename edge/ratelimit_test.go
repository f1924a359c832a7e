package edge

import (
	"strconv"
	"testing"
	"time"
)

func TestRateLimiterBucket(t *testing.T) {
	l := newRateLimiter(2, 3, 1000) // 2/s, bursts of 3
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	key := []byte("client-a")
	for i := range 3 {
		if ok, _ := l.allow(key); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.allow(key)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request: ok=%v wait=%v, want refused and 500ms", ok, wait)
	}
	if ok, _ := l.allow([]byte("client-b")); !ok {
		t.Error("another client shares the first one's bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow(key); !ok {
		t.Error("token not back after 1/rate")
	}
	if ok, _ := l.allow(key); ok {
		t.Error("two tokens back after 1/rate")
	}
}

// However many clients come, the limiter tracks at most its cap; clients
// beyond it share the overflow bucket and are still rationed.
func TestRateLimiterBoundedMemory(t *testing.T) {
	const maxClients = 64
	l := newRateLimiter(1, 1, maxClients)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	refused := 0
	for i := range 10_000 {
		if ok, _ := l.allow([]byte("c" + strconv.Itoa(i))); !ok {
			refused++
		}
	}
	if n := l.tracked(); n > maxClients {
		t.Errorf("tracking %d clients, cap %d", n, maxClients)
	}
	if refused < 9000 {
		t.Errorf("only %d of 10000 fresh clients refused: the overflow is not rationed", refused)
	}
	// Once buckets have refilled, a sweep frees the slots for newcomers.
	// Without the sweep all 200 would share the 32 shards' overflow buckets
	// (at most 32 allowed); with it, every shard's 2 slots are free again.
	now = now.Add(10 * time.Second)
	allowed := 0
	for i := range 200 {
		if ok, _ := l.allow([]byte("d" + strconv.Itoa(i))); ok {
			allowed++
		}
	}
	if allowed < maxClients {
		t.Errorf("%d of 200 newcomers allowed after the buckets refilled, want >= %d", allowed, maxClients)
	}
}

func TestRateLimit429(t *testing.T) {
	cfg := testConfig()
	cfg.RatePerSecond = 0.5
	cfg.RateBurst = 2
	e := startEdge(t, cfg)
	for range 2 {
		if resp, _ := do(t, "POST", e.url+"/v1/verify", []byte("{}")); resp.StatusCode == 429 {
			t.Fatal("refused within the burst")
		}
	}
	resp, body := do(t, "POST", e.url+"/v1/verify", []byte("{}"))
	wantError(t, resp, body, 429, CodeRateLimited)
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
		t.Errorf("Retry-After = %q, want 1..2 seconds", resp.Header.Get("Retry-After"))
	}
	// The limit is on the oracle routes only.
	if resp, _ := do(t, "GET", e.url+"/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("healthz rate limited: %d", resp.StatusCode)
	}
}
