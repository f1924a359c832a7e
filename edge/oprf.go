package edge

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/release"
)

// POST /v1/oprf: an oblivious release's checker sends every blinded element
// of one check (package oblivious has the format) and gets the evaluations
// and one batched DLEQ proof back. The edge sees uniformly random group
// elements: it cannot tell which file, or whether two requests are about
// the same file. What it can ration is how many evaluations a client gets,
// since each one is a step of an evader's offline-turned-online search.

// OPRFConfig sets the evaluation budgets of /v1/oprf.
type OPRFConfig struct {
	// PerSecond and Burst are each client's token bucket, in evaluations
	// (a photo with its dihedral variants costs 67), keyed like the rate
	// limit: the client address (ClientIPHeader, TrustedHops), IPv6 by /64.
	// PerSecond 0 turns the budget off.
	PerSecond float64
	Burst     int
	// APIKeys give platforms that send "Authorization: Bearer KEY" a bucket
	// of their own instead of their address's, by key.
	APIKeys map[string]OPRFBudget
	// SearchChecks and SearchWindow are the edit-search detector: an
	// address-keyed client making more than SearchChecks checks within
	// SearchWindow is logged (once per window) and counted. The edge cannot
	// see that the checks are near-identical (they are blinded); a person
	// checking their own uploads does not make that many. SearchChecks 0
	// turns it off.
	SearchChecks int
	SearchWindow time.Duration
}

// OPRFBudget is one API key's bucket.
type OPRFBudget struct {
	PerSecond float64
	Burst     int
}

// DefaultOPRFConfig: 1000 evaluations at once (about 15 photos), then 5 a
// second (a photo every 13 s, 270 an hour); the detector at 60 checks in
// 10 minutes.
func DefaultOPRFConfig() OPRFConfig {
	return OPRFConfig{PerSecond: 5, Burst: 1000, SearchChecks: 60, SearchWindow: 10 * time.Minute}
}

func (c *OPRFConfig) validate() error {
	bad := func(msg string) error { return fmt.Errorf("%w: oprf: %s", ErrConfig, msg) }
	if c.PerSecond < 0 || (c.PerSecond > 0 && c.Burst < oblivious.MaxElements) {
		return bad("PerSecond must be >= 0 and Burst at least " + strconv.Itoa(oblivious.MaxElements) + " (one full request)")
	}
	for k, b := range c.APIKeys {
		if len(k) < 16 {
			return bad("API keys must be at least 16 characters")
		}
		if b.PerSecond <= 0 || b.Burst < oblivious.MaxElements {
			return bad("an API key's budget needs PerSecond > 0 and Burst at least " + strconv.Itoa(oblivious.MaxElements))
		}
	}
	if c.SearchChecks < 0 || (c.SearchChecks > 0 && c.SearchWindow <= 0) {
		return bad("SearchChecks must be >= 0 and SearchWindow positive")
	}
	return nil
}

// oprfLimits are the buckets: evaluations per address, per API key, and
// the detector's checks per address with its once-per-window log gate.
type oprfLimits struct {
	evals  *rateLimiter // nil: no budget
	keys   map[string]*rateLimiter
	keyIDs [][]byte // the API keys, for a constant-time match
	search *rateLimiter
	logged *rateLimiter
}

// newOPRFLimits makes the buckets, reading time from now (the Server's
// clock, which tests move).
func newOPRFLimits(c OPRFConfig, clients int, now func() time.Time) *oprfLimits {
	l := &oprfLimits{keys: map[string]*rateLimiter{}}
	mk := func(rate float64, burst, clients int) *rateLimiter {
		r := newRateLimiter(rate, burst, clients)
		r.now = now
		return r
	}
	if c.PerSecond > 0 {
		l.evals = mk(c.PerSecond, c.Burst, clients)
	}
	for k, b := range c.APIKeys {
		l.keys[k] = mk(b.PerSecond, b.Burst, 1)
		l.keyIDs = append(l.keyIDs, []byte(k))
	}
	if c.SearchChecks > 0 {
		w := c.SearchWindow.Seconds()
		l.search = mk(float64(c.SearchChecks)/w, c.SearchChecks, clients)
		l.logged = mk(1/w, 1, clients)
	}
	return l
}

// apiKey returns the configured API key the request presents, if any.
func (l *oprfLimits) apiKey(ctx *fasthttp.RequestCtx) (string, bool) {
	got, ok := bytes.CutPrefix(ctx.Request.Header.Peek("Authorization"), []byte("Bearer "))
	if !ok || len(l.keyIDs) == 0 {
		return "", false
	}
	for _, k := range l.keyIDs {
		if subtle.ConstantTimeCompare(got, k) == 1 {
			return string(k), true
		}
	}
	return "", false
}

// maxOPRFBody is the largest request: the header and MaxElements elements.
const maxOPRFBody = 15 + oblivious.MaxElements*oblivious.ElementSize

func (s *Server) handleOPRF(ctx *fasthttp.RequestCtx) {
	if ct := ctx.Request.Header.ContentType(); len(ct) > 0 && string(ct) != "application/octet-stream" {
		if mt, _, err := mime.ParseMediaType(string(ct)); err != nil || mt != "application/octet-stream" {
			writeError(ctx, fasthttp.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send application/octet-stream")
			return
		}
	}
	if !s.readBody(ctx, maxOPRFBody) {
		return
	}
	body := ctx.PostBody()
	id, n, err := oblivious.RequestCount(body)
	if err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, err.Error())
		return
	}
	snap := s.ready(ctx)
	if snap == nil {
		return
	}
	if snap.OPRF == nil {
		writeError(ctx, fasthttp.StatusConflict, CodeNotOblivious, "the release in use is open-mode: derive keys from its manifest")
		return
	}
	if id != snap.OPRF.KeyID() {
		writeError(ctx, fasthttp.StatusConflict, CodeOPRFKey, "the request is for another release's key: fetch /v1/manifest again")
		return
	}
	var buf [64]byte
	client := s.clientKey(ctx, buf[:0])
	if !s.oprfBudget(ctx, client, n) {
		return
	}
	resp, err := snap.OPRF.Evaluate(body)
	if err != nil {
		code := CodeBadRequest
		if !errors.Is(err, oblivious.ErrFormat) {
			code = CodeInternal
		}
		writeError(ctx, fasthttp.StatusBadRequest, code, err.Error())
		return
	}
	s.metrics.oprfChecks.Add(1)
	s.metrics.oprfEvaluations.Add(n)
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetContentType("application/octet-stream")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(resp)
}

// oprfBudget charges n evaluations to the request's API key or client
// address, answering 429 with Retry-After when the bucket cannot pay, and
// feeds the edit-search detector.
func (s *Server) oprfBudget(ctx *fasthttp.RequestCtx, client []byte, n int) bool {
	l := s.oprf
	lim, key := l.evals, client
	if k, ok := l.apiKey(ctx); ok {
		lim, key = l.keys[k], nil
	}
	if lim != nil {
		if ok, wait := lim.allowN(key, n); !ok {
			s.metrics.oprfRefused.Add(1)
			secs := int((wait + time.Second - 1) / time.Second)
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(max(secs, 1)))
			writeError(ctx, fasthttp.StatusTooManyRequests, CodeRateLimited, "oprf evaluation budget exhausted; retry later")
			return false
		}
	}
	if key != nil && l.search != nil {
		if ok, _ := l.search.allow(client); !ok {
			if first, _ := l.logged.allow(client); first {
				s.metrics.oprfSuspects.Add(1)
				s.log.Warn("edge: oprf: possible edit search: more checks than the detector's window allows",
					"client", clientLabel(client), "checks", s.cfg.OPRF.SearchChecks, "window", s.cfg.OPRF.SearchWindow.String(),
					"elements", n)
			}
		}
	}
	return true
}

// clientLabel is a client key as an operator reads it: an IPv4 address, or
// an IPv6 /64 prefix.
func clientLabel(k []byte) string {
	if len(k) == 4 {
		return net.IP(k).String()
	}
	ip := make(net.IP, net.IPv6len)
	copy(ip, k)
	return ip.String() + "/64"
}

// openOPRF opens an oblivious release's VOPRF key with the edge's key (nil
// for an open-mode release).
func openOPRF(rel *release.Release, edgeKey *release.EdgePrivateKey) (*oblivious.Evaluator, error) {
	if rel.Manifest.Oblivious == nil {
		return nil, nil
	}
	raw, err := rel.OpenOPRFKey(edgeKey)
	if err != nil {
		return nil, err
	}
	sk, err := oblivious.ParsePrivateKeyFor(raw, rel.Manifest.Oblivious.PublicKey)
	clear(raw)
	if err != nil {
		return nil, err
	}
	return oblivious.NewEvaluator(sk), nil
}
