package edge

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// The admin API: the operator's own listener (hashgate serve --admin-addr,
// loopback by default), never the public one, for the allowlist, the
// match look-up (appeals: why was this blocked?), the withdrawals in force
// and /metrics. Every request needs the bearer token, unless the listener
// is TLS requiring client certificates (mTLS), which then authenticate.

// AdminAuth is how the admin API authenticates. At least one is required.
type AdminAuth struct {
	// Token is the bearer token every request must carry
	// ("Authorization: Bearer TOKEN").
	Token []byte
	// ClientCerts says the listener is TLS and requires verified client
	// certificates: a request that reaches the handler is authenticated.
	ClientCerts bool
}

// ErrAdminAuth is returned by AdminHandler and ServeAdmin without a way to
// authenticate.
var ErrAdminAuth = errors.New("edge: the admin API needs a token or client certificates")

// initOps builds the allowlist, the policy and the event sinks from the
// configuration.
func (s *Server) initOps() error {
	var err error
	if s.cfg.Allowlist.Enabled || s.cfg.Allowlist.Path != "" {
		if s.allowlist, err = newAllowlist(s.cfg.Allowlist); err != nil {
			return err
		}
	}
	if s.policy, err = newPolicy(s.cfg.Policies, s.cfg.RolloutKey); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if s.events, err = newEvents(s.cfg.Events, s.log, s.metrics); err != nil {
		return err
	}
	s.metrics.gauges = func() opsGauges {
		g := opsGauges{queue: s.events.queued(), rules: s.policy.rules}
		if s.allowlist != nil {
			g.allowlist = s.allowlist.len()
		}
		if snap := s.snap.Load(); snap != nil {
			g.withdrawn = len(snap.Withdrawn)
		}
		return g
	}
	return nil
}

// startOps runs the allowlist's reloads until ctx is done, and the
// webhook's sender until the stop it returns is called: after the last
// request, since requests in flight during a graceful shutdown still make
// events.
func (s *Server) startOps(ctx context.Context) (stop func()) {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.events.runWebhook(wctx)
	}()
	go s.runAllowlist(ctx)
	return func() {
		cancel()
		<-done
		s.events.abandon()
	}
}

// adminEndpoint is one admin route; the table is the list the OpenAPI test
// holds the document to.
type adminEndpoint struct {
	path    string // exact, or a prefix when it ends in "/{...}"
	method  string
	handler func(s *Server, ctx *fasthttp.RequestCtx, param string)
}

var adminEndpoints = []adminEndpoint{
	{"/metrics", "GET", func(s *Server, ctx *fasthttp.RequestCtx, _ string) { s.writeMetrics(ctx) }},
	{"/admin/v1/matches/{match_id}", "GET", (*Server).adminMatch},
	{"/admin/v1/allowlist", "GET", (*Server).adminAllowlist},
	{"/admin/v1/allowlist", "POST", (*Server).adminAllow},
	{"/admin/v1/allowlist/{id}", "DELETE", (*Server).adminDisallow},
	{"/admin/v1/withdrawals", "GET", (*Server).adminWithdrawals},
}

// AdminHandler answers the admin API.
func (s *Server) AdminHandler(auth AdminAuth) (fasthttp.RequestHandler, error) {
	if len(auth.Token) == 0 && !auth.ClientCerts {
		return nil, ErrAdminAuth
	}
	return func(ctx *fasthttp.RequestCtx) {
		if len(auth.Token) > 0 && !s.adminAuthorized(ctx, auth.Token) {
			return
		}
		p := string(ctx.Path())
		allowed := ""
		for _, ep := range adminEndpoints {
			param, ok := matchAdminPath(ep.path, p)
			if !ok {
				continue
			}
			if string(ctx.Method()) == ep.method || (ep.method == "GET" && ctx.IsHead()) {
				ep.handler(s, ctx, param)
				return
			}
			allowed = strings.TrimPrefix(allowed+", "+ep.method, ", ")
		}
		if allowed != "" {
			ctx.Response.Header.Set("Allow", allowed)
			writeError(ctx, fasthttp.StatusMethodNotAllowed, CodeMethodNotAllowed, "method not allowed; use "+allowed)
			return
		}
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "no such route")
	}, nil
}

func matchAdminPath(pattern, p string) (string, bool) {
	if i := strings.Index(pattern, "{"); i >= 0 {
		if len(p) > i && p[:i] == pattern[:i] && !strings.Contains(p[i:], "/") {
			return p[i:], true
		}
		return "", false
	}
	return "", p == pattern
}

// adminAuthorized checks the bearer token in constant time, or answers 401.
func (s *Server) adminAuthorized(ctx *fasthttp.RequestCtx, token []byte) bool {
	got, ok := bytes.CutPrefix(ctx.Request.Header.Peek("Authorization"), []byte("Bearer "))
	if ok && subtle.ConstantTimeCompare(bytes.TrimSpace(got), token) == 1 {
		return true
	}
	s.metrics.adminAuthFailures.Inc()
	ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="hashgate-admin"`)
	writeError(ctx, fasthttp.StatusUnauthorized, CodeUnauthorized, "missing or wrong bearer token")
	return false
}

// CodeUnauthorized is the admin API's 401.
const CodeUnauthorized = "unauthorized"

// ServeAdmin serves AdminHandler on ln until ctx is done. For mTLS, ln is
// a tls.Listener whose config requires and verifies client certificates.
func (s *Server) ServeAdmin(ctx context.Context, ln net.Listener, auth AdminAuth) error {
	h, err := s.AdminHandler(auth)
	if err != nil {
		return err
	}
	srv := &fasthttp.Server{
		Handler: h, Name: "hashgate-edge",
		ReadTimeout: s.cfg.ReadTimeout, WriteTimeout: s.cfg.WriteTimeout, IdleTimeout: s.cfg.IdleTimeout,
		MaxRequestBodySize: MaxVerifyBytes, Concurrency: 64, Logger: fasthttpLogger{s.log},
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("edge: admin API listening", "addr", ln.Addr().String(), "token", len(auth.Token) > 0, "client_certs", auth.ClientCerts)
	select {
	case err := <-errc:
		return fmt.Errorf("edge: admin: %w", err)
	case <-ctx.Done():
	}
	srv.Shutdown()
	ln.Close()
	<-errc
	return nil
}

func (s *Server) adminMatch(ctx *fasthttp.RequestCtx, id string) {
	ev, err := s.events.lookup(id)
	switch {
	case errors.Is(err, ErrNoMatchID):
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "no match with this id (ids older than the audit file, or never issued)")
	case err != nil:
		s.log.Error("edge: match look-up", "err", err.Error())
		writeError(ctx, fasthttp.StatusInternalServerError, CodeInternal, "the audit file could not be read")
	default:
		writeJSON(ctx, fasthttp.StatusOK, ev)
	}
}

func (s *Server) adminAllowlist(ctx *fasthttp.RequestCtx, _ string) {
	if s.allowlist == nil {
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "this edge has no allowlist (serve --allowlist)")
		return
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{
		"pdq_distance": s.allowlist.cfg.PDQDistance, "entries": s.allowlist.list(),
	})
}

// allowRequest is the body of POST /admin/v1/allowlist.
type allowRequest struct {
	Kind string `json:"kind"`
	Hash string `json:"hash"`
	Note string `json:"note"`
}

func (s *Server) adminAllow(ctx *fasthttp.RequestCtx, _ string) {
	if s.allowlist == nil {
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "this edge has no allowlist (serve --allowlist)")
		return
	}
	var r allowRequest
	dec := json.NewDecoder(bytes.NewReader(ctx.PostBody()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, jsonMessage(err))
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "trailing data after the JSON object")
		return
	}
	e, err := ParseAllowEntry(r.Kind, r.Hash, r.Note)
	if err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, err.Error())
		return
	}
	if err := s.allowlist.add(e); err != nil {
		s.log.Error("edge: allowlist", "err", err.Error())
		writeError(ctx, fasthttp.StatusInternalServerError, CodeInternal, "the allowlist could not be written")
		return
	}
	s.log.Info("edge: allowlist entry added", "id", e.ID(), "note", e.Note)
	writeJSON(ctx, fasthttp.StatusCreated, allowEntryJSON{ID: e.ID(), Kind: e.Kind.String(), Hash: e.ID()[len(e.Kind.String())+1:], Note: e.Note})
}

func (s *Server) adminDisallow(ctx *fasthttp.RequestCtx, id string) {
	if s.allowlist == nil {
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "this edge has no allowlist (serve --allowlist)")
		return
	}
	err := s.allowlist.remove(strings.ToLower(id))
	switch {
	case errors.Is(err, ErrNotAllowlisted):
		writeError(ctx, fasthttp.StatusNotFound, CodeNotFound, "not on the allowlist")
	case err != nil:
		s.log.Error("edge: allowlist", "err", err.Error())
		writeError(ctx, fasthttp.StatusInternalServerError, CodeInternal, "the allowlist could not be written")
	default:
		s.log.Info("edge: allowlist entry removed", "id", id)
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	}
}

// withdrawalJSON is a withdrawal as the admin API shows it.
type withdrawalJSON struct {
	Entry  string     `json:"entry"`
	Until  *time.Time `json:"until"` // null: for good
	Reason string     `json:"reason"`
	Active bool       `json:"active"`
}

func (s *Server) adminWithdrawals(ctx *fasthttp.RequestCtx, _ string) {
	snap := s.ready(ctx)
	if snap == nil {
		return
	}
	out := make([]withdrawalJSON, 0, len(snap.Withdrawn))
	now := s.now()
	for _, w := range snap.Withdrawn {
		j := withdrawalJSON{Entry: w.Entry, Reason: w.Reason, Active: w.Active(now)}
		if !w.Until.IsZero() {
			u := w.Until
			j.Until = &u
		}
		out = append(out, j)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Entry < out[k].Entry })
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"release": snap.Version, "withdrawals": out})
}
