package edge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Match events: every match the edge answers (blocked or monitored, never
// a miss) gets a match id and one event, which goes to
//
//   - memory (the last EventsConfig.Keep events), for the admin look-up;
//   - the audit file (EventsConfig.AuditPath), one JSON line each, written
//     before the answer: the record a moderation team or an appeal goes
//     back to; the look-up searches it for ids no longer in memory;
//   - the webhook (EventsConfig.WebhookURL), from a bounded queue by a
//     goroutine of its own, signed with HMAC-SHA256 and retried with
//     backoff. A full queue drops the event (counted) rather than make an
//     upload wait. The sender runs until the last request has been
//     answered; what it has not delivered by then is counted as dropped.

// EventsConfig configures match events. The zero value keeps events in
// memory only.
type EventsConfig struct {
	// Keep is how many recent events the admin look-up finds in memory
	// (default 10000).
	Keep int
	// AuditPath, when set, is a file events are appended to as JSON lines.
	AuditPath string
	// WebhookURL, when set, receives each event as a POST of its JSON,
	// signed with WebhookSecret (required with it): header
	// X-Hashgate-Signature is "t=UNIX,v1=HEX", HEX the HMAC-SHA256 under
	// the secret of "UNIX.BODY".
	WebhookURL    string
	WebhookSecret []byte
	// WebhookQueue bounds the events waiting for the webhook (default
	// 1024); WebhookAttempts bounds the tries of one event (default 8),
	// WebhookBackoff is the wait before the first retry (default 500 ms;
	// drawn from its upper half, for jitter), doubled each time up to 1
	// minute; WebhookTimeout bounds
	// one POST (default 10 s).
	WebhookQueue    int
	WebhookAttempts int
	WebhookBackoff  time.Duration
	WebhookTimeout  time.Duration
}

func (c *EventsConfig) defaults() {
	if c.Keep == 0 {
		c.Keep = 10000
	}
	if c.WebhookQueue == 0 {
		c.WebhookQueue = 1024
	}
	if c.WebhookAttempts == 0 {
		c.WebhookAttempts = 8
	}
	if c.WebhookBackoff == 0 {
		c.WebhookBackoff = 500 * time.Millisecond
	}
	if c.WebhookTimeout == 0 {
		c.WebhookTimeout = 10 * time.Second
	}
}

func (c *EventsConfig) validate() error {
	switch {
	case c.Keep < 0 || c.WebhookQueue < 0 || c.WebhookAttempts < 0 || c.WebhookBackoff < 0 || c.WebhookTimeout < 0:
		return fmt.Errorf("%w: event limits must not be negative", ErrConfig)
	case c.WebhookURL != "" && len(c.WebhookSecret) == 0:
		return fmt.Errorf("%w: a webhook needs a secret to sign its events", ErrConfig)
	}
	return nil
}

// Event is one match as the audit file, the webhook and the admin look-up
// carry it. Unlike a verdict it names the entry and the distance: it goes
// to the platform's moderators, never to the uploader.
type Event struct {
	MatchID   string    `json:"match_id"`
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id"`
	Route     string    `json:"route"`
	Action    string    `json:"action"`
	Rule      string    `json:"rule,omitempty"` // the policy rule that decided, if any
	Release   uint64    `json:"release"`
	Kind      string    `json:"kind"`
	Entry     string    `json:"entry"`
	Distance  int       `json:"distance"`
	List      string    `json:"list"`
	Labels    []string  `json:"labels"`
	File      string    `json:"file,omitempty"`
	Video     string    `json:"video,omitempty"` // a listed video's id
}

// events holds recent events and feeds the sinks.
type events struct {
	cfg     EventsConfig
	log     *slog.Logger
	metrics *metrics

	mu     sync.Mutex
	recent map[string]*Event
	ring   []string // ids in arrival order, len <= cfg.Keep
	next   int
	audit  *os.File

	queue  chan []byte // webhook bodies
	client *http.Client
}

func newEvents(cfg EventsConfig, log *slog.Logger, m *metrics) (*events, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &events{cfg: cfg, log: log, metrics: m, recent: make(map[string]*Event)}
	if cfg.AuditPath != "" {
		f, err := os.OpenFile(cfg.AuditPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, fmt.Errorf("%w: audit log: %w", ErrConfig, err)
		}
		e.audit = f
	}
	if cfg.WebhookURL != "" {
		e.queue = make(chan []byte, cfg.WebhookQueue)
		e.client = &http.Client{Timeout: cfg.WebhookTimeout}
	}
	return e, nil
}

// newMatchID is 28 hex digits: 48 bits of Unix milliseconds (ids sort by
// time), then 64 random bits.
func newMatchID(now time.Time) string {
	var b [14]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	crand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// validMatchID reports whether s has newMatchID's form.
func validMatchID(s string) bool {
	if len(s) != 28 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// record stores ev and hands it to the sinks; it never waits on the
// webhook.
func (e *events) record(ev *Event) {
	line, err := json.Marshal(ev)
	if err != nil {
		return // only our own types get here
	}
	e.metrics.events.Inc()
	e.mu.Lock()
	if e.cfg.Keep > 0 {
		if len(e.ring) < e.cfg.Keep {
			e.ring = append(e.ring, ev.MatchID)
		} else {
			delete(e.recent, e.ring[e.next])
			e.ring[e.next] = ev.MatchID
			e.next = (e.next + 1) % e.cfg.Keep
		}
		e.recent[ev.MatchID] = ev
	}
	if e.audit != nil {
		if _, err := e.audit.Write(append(line, '\n')); err != nil {
			e.metrics.auditErrors.Inc()
			e.log.Error("edge: audit log", "err", err)
		}
	}
	e.mu.Unlock()
	if e.queue != nil {
		select {
		case e.queue <- line:
		default:
			e.metrics.webhookDropped.Inc()
			e.log.Warn("edge: webhook queue full, event dropped", "match_id", ev.MatchID)
		}
	}
}

// ErrNoMatchID is returned by lookup for an id it does not hold.
var ErrNoMatchID = errors.New("edge: no such match id")

// lookup finds an event by match id: in memory, else in the audit file.
func (e *events) lookup(id string) (*Event, error) {
	if !validMatchID(id) {
		return nil, ErrNoMatchID
	}
	e.mu.Lock()
	ev, ok := e.recent[id]
	e.mu.Unlock()
	if ok {
		return ev, nil
	}
	if e.cfg.AuditPath == "" {
		return nil, ErrNoMatchID
	}
	f, err := os.Open(e.cfg.AuditPath)
	if err != nil {
		return nil, fmt.Errorf("edge: audit log: %w", err)
	}
	defer f.Close()
	needle := []byte(`"match_id":"` + id + `"`)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), needle) {
			var ev Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				return nil, fmt.Errorf("edge: audit log: %w", err)
			}
			return &ev, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("edge: audit log: %w", err)
	}
	return nil, ErrNoMatchID
}

// runWebhook delivers queued events until ctx is done, one at a time in
// order; an event the receiver keeps refusing is retried with backoff up
// to WebhookAttempts, then dropped (counted).
func (e *events) runWebhook(ctx context.Context) {
	if e.queue == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case body := <-e.queue:
			if ctx.Err() != nil {
				// Stopping (select picks at random among ready cases):
				// back in the queue for abandon to count.
				select {
				case e.queue <- body:
				default:
					e.metrics.webhookDropped.Inc()
				}
				return
			}
			e.deliver(ctx, body)
		}
	}
}

func (e *events) deliver(ctx context.Context, body []byte) {
	wait := e.cfg.WebhookBackoff
	for attempt := 1; ; attempt++ {
		err := e.post(ctx, body)
		if err == nil {
			e.metrics.webhookDelivered.Inc()
			return
		}
		e.metrics.webhookFailures.Inc()
		if attempt >= e.cfg.WebhookAttempts || ctx.Err() != nil {
			e.metrics.webhookDropped.Inc()
			e.log.Warn("edge: webhook gave up on an event", "attempts", attempt, "err", err.Error())
			return
		}
		e.log.Info("edge: webhook delivery failed, retrying", "attempt", attempt, "in", wait.String(), "err", err.Error())
		// Full jitter on the upper half, so edges do not retry in step.
		d := wait/2 + time.Duration(rand.Int64N(int64(wait/2)+1))
		select {
		case <-ctx.Done():
			e.metrics.webhookDropped.Inc()
			return
		case <-time.After(d):
		}
		wait = min(2*wait, time.Minute)
	}
}

// WebhookSignature is the X-Hashgate-Signature value for body sent at t
// under secret: "t=UNIX,v1=HEX", HEX the HMAC-SHA256 of "UNIX.BODY". A
// receiver recomputes it and refuses a t too far from its clock.
func WebhookSignature(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

func (e *events) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hashgate-edge")
	req.Header.Set("X-Hashgate-Signature", WebhookSignature(e.cfg.WebhookSecret, body, time.Now()))
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	return nil
}

// abandon counts and logs the events still queued once the sender has
// stopped: the webhook never gets them (the audit file has them).
func (e *events) abandon() {
	if e.queue == nil {
		return
	}
	n := 0
	for drained := false; !drained; {
		select {
		case <-e.queue:
			n++
		default:
			drained = true
		}
	}
	if n > 0 {
		e.metrics.webhookDropped.Add(n)
		e.log.Warn("edge: webhook events not delivered at shutdown", "events", n)
	}
}

func (e *events) queued() int {
	if e.queue == nil {
		return 0
	}
	return len(e.queue)
}

func (e *events) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.audit != nil {
		e.audit.Close()
		e.audit = nil
	}
}

// recordMatches gives each match of an answer its id and event, logs the
// answer's match, and reports whether any match is enforced (the answer
// blocks).
func (s *Server) recordMatches(ctx *fasthttp.RequestCtx, r route, snap *Snapshot, ms []matchJSON) bool {
	now := s.now()
	rid := string(ctx.Request.Header.Peek(RequestIDHeader))
	block := false
	for i := range ms {
		m := &ms[i]
		m.MatchID = newMatchID(now)
		block = block || m.Action == ActionBlock
		ev := &Event{
			MatchID: m.MatchID, Time: now.UTC(), RequestID: rid, Route: routeNames[r], Action: m.Action,
			Release: snap.Version, Kind: m.Kind, Entry: m.entry, Distance: m.distance,
			List: m.List, Labels: m.Labels, File: m.File,
		}
		if m.rule != nil {
			ev.Rule = m.rule.String()
		}
		if m.Video != nil {
			ev.Video = m.Video.ID
		}
		s.events.record(ev)
	}
	s.logMatch(routeNames[r], snap, ms)
	return block
}
