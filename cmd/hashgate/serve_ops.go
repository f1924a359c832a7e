package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/hashgate/hashgate/edge"
)

// serveOps are serve's flags for false-positive overrides, shadow mode,
// match events and the admin API.
type serveOps struct {
	allowlist         string
	allowDistance     int
	policies          []string
	rolloutKeyFile    string
	auditLog          string
	webhookURL        string
	webhookSecretFile string
	webhookQueue      int
	eventsKeep        int
	adminAddr         string
	adminTokenFile    string
	adminCert         string
	adminKey          string
	adminClientCA     string
	oprfAPIKeys       string

	lookup func(string) (string, bool) // the environment
}

func addOpsFlags(fs *flag.FlagSet, o *serveOps) {
	fs.StringVar(&o.allowlist, "allowlist", "", "allowlist `file` (TYPE<TAB>HEX[<TAB>NOTE] lines, TYPE sha256, md5 or pdq): files let through whatever the list says; re-read when it changes, written by the admin API")
	fs.IntVar(&o.allowDistance, "allowlist-pdq-distance", edge.DefaultAllowPDQDistance, "largest PDQ distance at which an upload counts as an allowlisted image")
	fs.Var(listVar(&o.policies, true), "policy", "enforcement `rule` SELECTOR=MODE: list:NAME, label:NAME or * = enforce, monitor or enforce@PERCENT (gradual rollout); repeatable")
	fs.StringVar(&o.rolloutKeyFile, "rollout-key-file", "", "`file` whose bytes key the rollout hash (default: derived from the edge key, so edges sharing a key decide alike)")
	fs.StringVar(&o.auditLog, "audit-log", "", "append every match event (match id, list, label, entry id, distance, release, request id) as a JSON line to this `file`")
	fs.StringVar(&o.webhookURL, "webhook-url", "", "POST every match event to this `URL`, signed (X-Hashgate-Signature), retried with backoff from a bounded queue")
	fs.StringVar(&o.webhookSecretFile, "webhook-secret-file", "", "`file` holding the webhook's HMAC secret (or set HASHGATE_WEBHOOK_SECRET)")
	fs.IntVar(&o.webhookQueue, "webhook-queue", 1024, "match events waiting for the webhook at most; more are dropped and counted")
	fs.IntVar(&o.eventsKeep, "events-keep", 10000, "recent match events the admin look-up finds in memory (older ones: in --audit-log)")
	fs.StringVar(&o.adminAddr, "admin-addr", "127.0.0.1:9465", "`address` of the admin API (allowlist, match look-up, withdrawals, /metrics); on only with a token or client CA")
	fs.StringVar(&o.adminTokenFile, "admin-token-file", "", "`file` holding the admin API's bearer token (or set HASHGATE_ADMIN_TOKEN)")
	fs.StringVar(&o.adminCert, "admin-tls-cert", "", "admin API over TLS: certificate `file` (PEM)")
	fs.StringVar(&o.adminKey, "admin-tls-key", "", "admin API over TLS: private key `file` (PEM)")
	fs.StringVar(&o.oprfAPIKeys, "oprf-api-keys", "", "oblivious releases: `file` of per-platform /v1/oprf budgets, lines KEY PER_SECOND BURST; a request with \"Authorization: Bearer KEY\" spends its key's budget instead of its address's")
	fs.StringVar(&o.adminClientCA, "admin-client-ca", "", "admin API mTLS: CA `file` (PEM) whose client certificates are required and authenticate")
}

// secret reads a secret from file, else from the environment variable env.
func secret(file, env string, lookup func(string) (string, bool)) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			return nil, fmt.Errorf("%s is empty", file)
		}
		return b, nil
	}
	if v, ok := lookup(env); ok && v != "" {
		return []byte(v), nil
	}
	return nil, nil
}

// apply fills the edge configuration from the flags.
func (o *serveOps) apply(cfg *edge.Config, edgeKey string, lookup func(string) (string, bool)) error {
	o.lookup = lookup
	if o.allowlist != "" {
		cfg.Allowlist = edge.AllowlistConfig{Path: o.allowlist, Enabled: true, PDQDistance: o.allowDistance}
	}
	for _, p := range o.policies {
		r, err := edge.ParsePolicy(p)
		if err != nil {
			return fmt.Errorf("--policy: %w", err)
		}
		cfg.Policies = append(cfg.Policies, r)
	}
	if o.rolloutKeyFile != "" {
		b, err := secret(o.rolloutKeyFile, "", lookup)
		if err != nil {
			return fmt.Errorf("--rollout-key-file: %w", err)
		}
		cfg.RolloutKey = b
	} else if edgeKey != "" && partialRollout(cfg.Policies) {
		// The edge key's bytes never leave this process: the rollout key
		// is a one-way derivation of them.
		k, err := loadEdgeKey(edgeKey)
		if err != nil {
			return fmt.Errorf("--edge-key %s: %w", edgeKey, err)
		}
		m := hmac.New(sha256.New, k.MarshalPrivate())
		m.Write([]byte("hashgate rollout key v1"))
		cfg.RolloutKey = m.Sum(nil)
	}
	if o.oprfAPIKeys != "" {
		f, err := os.Open(o.oprfAPIKeys)
		if err != nil {
			return fmt.Errorf("--oprf-api-keys: %w", err)
		}
		keys, err := edge.ParseOPRFAPIKeys(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--oprf-api-keys %s: %w", o.oprfAPIKeys, err)
		}
		if len(keys) == 0 {
			return fmt.Errorf("--oprf-api-keys %s: no key in the file", o.oprfAPIKeys)
		}
		cfg.OPRF.APIKeys = keys
	}
	cfg.Events = edge.EventsConfig{Keep: o.eventsKeep, AuditPath: o.auditLog, WebhookURL: o.webhookURL, WebhookQueue: o.webhookQueue}
	if o.webhookURL != "" {
		s, err := secret(o.webhookSecretFile, "HASHGATE_WEBHOOK_SECRET", lookup)
		if err != nil {
			return fmt.Errorf("--webhook-secret-file: %w", err)
		}
		if s == nil {
			return errors.New("--webhook-url needs --webhook-secret-file or HASHGATE_WEBHOOK_SECRET")
		}
		cfg.Events.WebhookSecret = s
	}
	return nil
}

func partialRollout(rules []edge.PolicyRule) bool {
	for _, r := range rules {
		if r.Enforce > 0 && r.Enforce < 100 {
			return true
		}
	}
	return false
}

// startAdmin listens on --admin-addr when the admin API can authenticate.
func (o *serveOps) startAdmin(ctx context.Context, srv *edge.Server, log *slog.Logger) error {
	if o.adminAddr == "" {
		return nil
	}
	token, err := secret(o.adminTokenFile, "HASHGATE_ADMIN_TOKEN", o.lookup)
	if err != nil {
		return fmt.Errorf("--admin-token-file: %w", err)
	}
	auth := edge.AdminAuth{Token: token, ClientCerts: o.adminClientCA != ""}
	if len(auth.Token) == 0 && !auth.ClientCerts {
		log.Info("hashgate serve: admin API off: give --admin-token-file, HASHGATE_ADMIN_TOKEN or --admin-client-ca")
		return nil
	}
	ln, err := net.Listen("tcp", o.adminAddr)
	if err != nil {
		return fmt.Errorf("--admin-addr: %w", err)
	}
	if o.adminCert != "" || o.adminKey != "" || o.adminClientCA != "" {
		tc, err := o.adminTLS()
		if err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, tc)
	}
	go func() {
		if err := srv.ServeAdmin(ctx, ln, auth); err != nil {
			log.Error("hashgate serve: " + err.Error())
		}
	}()
	return nil
}

func (o *serveOps) adminTLS() (*tls.Config, error) {
	if o.adminCert == "" || o.adminKey == "" {
		return nil, errors.New("the admin API over TLS needs --admin-tls-cert and --admin-tls-key")
	}
	cert, err := tls.LoadX509KeyPair(o.adminCert, o.adminKey)
	if err != nil {
		return nil, fmt.Errorf("--admin-tls-cert: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if o.adminClientCA != "" {
		pem, err := os.ReadFile(o.adminClientCA)
		if err != nil {
			return nil, fmt.Errorf("--admin-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--admin-client-ca %s: no PEM certificate", o.adminClientCA)
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return tc, nil
}
