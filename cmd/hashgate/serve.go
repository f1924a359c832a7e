package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/hashgate/hashgate/edge"
	"github.com/hashgate/hashgate/match"
)

const serveSummary = "run the edge verifier (verify, scan, reverse proxy, release distribution)"

// serveOptions are the flags of `hashgate serve`.
type serveOptions struct {
	addr, release, trust, edgeKey, state  string
	metricsAddr, accessLog                string
	filterDir                             string
	filtersInMemory                       bool
	poll, grace                           time.Duration
	logLevel                              string
	cfg                                   edge.Config
	uploadPaths, corsOrigins, exemptPaths []string
	match                                 match.Options
	channel                               string
	ops                                   serveOps // serve_ops.go
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runServeEnv(ctx, args, stdout, stderr, os.LookupEnv)
}

// envName is the environment variable that stands for a flag:
// --max-body is HASHGATE_MAX_BODY.
func envName(flagName string) string {
	return "HASHGATE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newServeFlags is serve's flag set (newFlags: the same help and parsing as
// every command), writing its errors to out.
func newServeFlags(o *serveOptions, out io.Writer) *flag.FlagSet {
	fs := newFlags("serve", "[flags]", serveAbout, out, out)
	o.cfg = edge.DefaultConfig()
	c := &o.cfg
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `address` (host:port)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "127.0.0.1:9464", "`address` serving /metrics, kept off --addr (empty: no metrics)")
	fs.StringVar(&o.release, "release", "", "release `source`: a release directory, or an http(s) URL serving one")
	fs.StringVar(&o.trust, "trust", "", "publisher public key `file` or hashgate keygen folder (its publisher.pub); pins whose signatures are accepted")
	fs.StringVar(&o.edgeKey, "edge-key", "", "this edge's private HPKE key `file` or keygen --edge folder (its edge.key), which decrypts the full list")
	fs.StringVar(&o.state, "state", "", "state `file` persisting the last accepted release version and the publisher keys a rotation moved to (rollback protection across restarts; its keys win over --trust; must be writable)")
	fs.DurationVar(&o.poll, "poll", 30*time.Second, "how often to poll the release source")
	fs.StringVar(&o.filterDir, "filter-dir", "", "`directory` (owned by this edge) where verified filters are kept and served from (default: a temporary directory removed at exit)")
	fs.BoolVar(&o.filtersInMemory, "filters-in-memory", false, "keep filters in memory instead of --filter-dir (small lists, read-only file systems)")
	fs.StringVar(&c.Origin, "origin", "", "proxy mode: forward requests the edge does not serve to this http(s) `URL`")
	fs.Var(listVar(&o.uploadPaths, true), "upload-path", "proxy mode: path `pattern` whose request bodies are scanned (path.Match glob, a trailing /** matches any depth); repeatable")
	fs.BoolVar(&c.ScanAllBodies, "scan-all-bodies", false, "proxy mode: scan every request body except those sent to --exempt-path (safer than listing --upload-path)")
	fs.Var(listVar(&o.exemptPaths, true), "exempt-path", "proxy mode with --scan-all-bodies: path `pattern` whose bodies are not scanned; repeatable")
	fs.BoolVar(&c.UploadPathsCaseSensitive, "upload-path-case-sensitive", false, "proxy mode: match --upload-path and --exempt-path case-sensitively (default: case-folded, as a case-insensitive origin reads paths)")
	fs.BoolVar(&c.Authz, "authz", false, "authorization-service mode for a proxy in front of the origin: answer Envoy ext_authz at "+edge.AuthzEnvoyPrefix+"/... and nginx auth_request at "+edge.AuthzNginxPath+" (docs/integrations.md); not with --origin")
	fs.StringVar(&c.AuthzBodyDir, "authz-body-dir", "", "with --authz: the `directory` (nginx's client_body_temp_path) from which nginx subrequests' X-Hashgate-Body-File is read")
	fs.BoolVar(&c.FailOpen, "fail-open", false, "proxy mode: forward uploads that cannot be fingerprinted (default: refuse them)")
	fs.Var(listVar(&o.corsOrigins, true), "cors-origin", "browser `origin` allowed to call /v1/* (\"*\" for any); repeatable")
	fs.IntVar(&c.MaxBodyBytes, "max-body", c.MaxBodyBytes, "largest request body in `bytes`")
	fs.IntVar(&c.MaxPixels, "max-pixels", c.MaxPixels, "largest image in `pixels` (width x height) decoded")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "time to read a whole request; slower clients are dropped")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "time to write an answer")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection is kept")
	fs.DurationVar(&o.grace, "shutdown-grace", 10*time.Second, "on SIGTERM, how long requests in flight may finish")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "connections served at once")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", c.MaxConnsPerIP, "connections per client address (0: unlimited)")
	fs.IntVar(&c.ScanConcurrency, "scan-concurrency", c.ScanConcurrency, "images decoded at once")
	fs.Int64Var(&c.DecodeBudget, "decode-budget", c.DecodeBudget, "`bytes` of memory all decodes running at once may take, each charged its cost estimated from the file's header")
	fs.IntVar(&c.MaxImages, "max-images", c.MaxImages, "images decoded for one request (413 too_many_images above it)")
	fs.DurationVar(&c.ScanTimeout, "scan-timeout", c.ScanTimeout, "time for one request's whole scan (503 scan_timeout)")
	fs.BoolVar(&c.Regions, "regions", c.Regions, "also search the PDQ of six sub-regions of each scanned image (off-centre crops, blurred letterboxes; docs/variants.md)")
	fs.Float64Var(&c.RatePerSecond, "rate", c.RatePerSecond, "verify/scan requests per second per client (0: no limit)")
	fs.IntVar(&c.RateBurst, "burst", c.RateBurst, "verify/scan burst per client")
	fs.IntVar(&c.RateClients, "rate-clients", c.RateClients, "clients the rate limiter tracks at once (memory bound)")
	fs.Float64Var(&c.OPRF.PerSecond, "oprf-rate", c.OPRF.PerSecond, "oblivious releases: /v1/oprf evaluations per second per client (a photo costs 67; 0: no budget)")
	fs.IntVar(&c.OPRF.Burst, "oprf-burst", c.OPRF.Burst, "oblivious releases: evaluations a client may spend at once (at least 512)")
	fs.IntVar(&c.OPRF.SearchChecks, "oprf-search-checks", c.OPRF.SearchChecks, "log a client making more /v1/oprf checks than this within --oprf-search-window as a possible edit search (0: off)")
	fs.DurationVar(&c.OPRF.SearchWindow, "oprf-search-window", c.OPRF.SearchWindow, "the edit-search detector's window")
	fs.StringVar(&c.ClientIPHeader, "client-ip-header", "", "`header` naming the client address (e.g. X-Forwarded-For) behind a trusted load balancer; the right-most entry is used (see --trusted-hops)")
	fs.IntVar(&c.TrustedHops, "trusted-hops", 1, "with --client-ip-header: the client is the N-th entry from the right (N trusted proxies append to it)")
	fs.DurationVar(&c.OriginTimeout, "origin-timeout", c.OriginTimeout, "proxy mode: time for one round trip to the origin")
	fs.StringVar(&o.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&o.accessLog, "access-log", "", "append one JSON line per request (X-Request-Id, client, method, path without query, route, status, bytes, duration; never a body or a fingerprint) to this `file`, or - for stderr (default: no access log)")
	fs.StringVar(&o.channel, "channel", "", "accept only releases of this `channel` (default: any)")
	o.match = match.DefaultOptions()
	fs.IntVar(&o.match.PDQThreshold, "pdq-threshold", o.match.PDQThreshold, "largest PDQ Hamming distance that matches (0..255)")
	fs.IntVar(&o.match.PDQMinQuality, "pdq-min-quality", o.match.PDQMinQuality, "lowest PDQ quality searched (0..100)")
	fs.IntVar(&o.match.PHashThreshold, "phash-threshold", o.match.PHashThreshold, "largest pHash Hamming distance that matches (0..63)")
	fs.BoolVar(&o.match.Dihedral, "dihedral", true, "also match rotated and mirrored copies (PDQ, up to 8x the search cost); --dihedral=false turns it off")
	addVideoFlags(fs, &c.Video, &o.match) // serve_video.go
	addOpsFlags(fs, &o.ops)               // serve_ops.go
	return fs
}

// applyEnv sets every flag not given on the command line from its
// HASHGATE_* variable, if set.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		if v, ok := lookup(envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", envName(f.Name), e)
			}
		}
	})
	return err
}

// serveAbout is the description `hashgate serve --help` prints.
const serveAbout = `
Runs the edge verifier. It polls a release source, verifies each release
(signatures, version, expiry, digests), decrypts the full list with the
edge key and answers:

  POST /v1/verify          fingerprints (JSON) -> matches
  POST /v1/scan            an upload (raw or multipart) -> matches
  GET  /v1/manifest[.sig]  the release for browser checkers
  GET  /v1/filter/{sha256} filters (immutable, cacheable)
  GET  /healthz /readyz /metrics /v1/openapi.json

With --origin it is a reverse proxy: bodies sent to --upload-path are
fingerprinted, matches are refused with 451, and the rest is forwarded.
With --authz it answers the authorization subrequests of an Envoy
(ext_authz) or nginx (auth_request) in front of the origin instead.

Operations (docs/integrations.md): --policy list:NAME=monitor records a
list's matches without blocking them, enforce@PERCENT rolls it out to that
share of files (the same file always decided alike); every match gets a
match id and an event in --audit-log and, signed, at --webhook-url. The
admin API (--admin-addr, loopback; on with --admin-token-file,
HASHGATE_ADMIN_TOKEN or --admin-client-ca) serves the --allowlist, match
look-ups by id, withdrawals and /metrics.

` + memoryHelp + `
GOMEMLIMIT near that peak makes the collector give garbage back sooner.

Every flag can also be set by an environment variable: HASHGATE_ and the
flag name in capitals with - as _ (--max-body is HASHGATE_MAX_BODY;
repeatable flags take a comma-separated list). A flag given on the command
line wins over the environment.`

func runServeEnv(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	var o serveOptions
	fs := newServeFlags(&o, stderr)
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hashgate serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if err := applyEnv(fs, lookup); err != nil {
		fmt.Fprintf(stderr, "hashgate serve: %v\n", err)
		return exitUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintf(stderr, "hashgate serve: --log-level: %v\n", err)
		return exitUsage
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	o.cfg.Logger = log
	if o.accessLog != "" {
		w := stderr
		if o.accessLog != "-" {
			f, err := os.OpenFile(o.accessLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
			if err != nil {
				fmt.Fprintf(stderr, "hashgate serve: --access-log: %v\n", err)
				return 1
			}
			defer f.Close()
			w = f
		}
		o.cfg.AccessLog = slog.New(slog.NewJSONHandler(w, nil))
	}
	o.cfg.UploadPaths = o.uploadPaths
	o.cfg.ExemptPaths = o.exemptPaths
	o.cfg.CORSOrigins = o.corsOrigins
	if err := o.ops.apply(&o.cfg, o.edgeKey, lookup); err != nil {
		fmt.Fprintf(stderr, "hashgate serve: %v\n", err)
		return exitUsage
	}
	if err := serveEdge(ctx, &o, log); err != nil {
		// Printed once, as every command prints its failure; the JSON log
		// carries what happened while serving.
		fmt.Fprintf(stderr, "hashgate serve: %v\n", err)
		return 1
	}
	return 0
}

func serveEdge(ctx context.Context, o *serveOptions, log *slog.Logger) error {
	o.cfg.PrivateMetrics = true
	srv, err := edge.New(o.cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	if !o.filtersInMemory && o.filterDir == "" {
		// Filters are large (about 90 MB at 1e7 entries, three releases'
		// worth during a reload): keep them out of memory by default.
		dir, err := os.MkdirTemp("", "hashgate-filters-")
		if err != nil {
			return fmt.Errorf("filter directory: %w", err)
		}
		defer os.RemoveAll(dir)
		o.filterDir = dir
	}
	if err := startReleases(ctx, o, srv, log); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if o.metricsAddr != "" {
		mln, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		go func() {
			if err := srv.ServeMetrics(ctx, mln); err != nil {
				log.Error("hashgate serve: " + err.Error())
			}
		}()
	}
	if err := o.ops.startAdmin(ctx, srv, log); err != nil {
		ln.Close()
		return err
	}
	return srv.Serve(ctx, ln, o.grace)
}

// startReleases reads the keys, then polls the release source in the
// background: the edge listens at once (healthz answers) and is ready once
// a release verifies.
func startReleases(ctx context.Context, o *serveOptions, srv *edge.Server, log *slog.Logger) error {
	if o.release == "" || o.trust == "" || o.edgeKey == "" {
		return errors.New("--release, --trust and --edge-key are required")
	}
	if !o.filtersInMemory {
		if st, err := os.Stat(o.filterDir); err != nil || !st.IsDir() {
			return fmt.Errorf("--filter-dir %s: not a directory", o.filterDir)
		}
	}
	// Key folders from hashgate keygen are taken as every publisher
	// command takes them.
	trust, err := loadTrust(o.trust)
	if err != nil {
		return fmt.Errorf("--trust %s: %w", o.trust, err)
	}
	key, err := loadEdgeKey(o.edgeKey)
	if err != nil {
		return fmt.Errorf("--edge-key %s: %w", o.edgeKey, err)
	}
	if _, err := match.NewBuilder(o.match); err != nil {
		return err
	}
	v := edge.NewReleaseVerifier(trust, key, o.match)
	v.Channel = o.channel
	if !o.filtersInMemory {
		v.FilterDir = o.filterDir
	}
	check := func(m, sig []byte) error { return v.CheckManifest(m, sig, time.Now()) }
	var src edge.Source = &edge.DirSource{Dir: o.release, Check: check}
	if strings.HasPrefix(o.release, "http://") || strings.HasPrefix(o.release, "https://") {
		src = &edge.HTTPSource{BaseURL: o.release, Check: check}
	}
	if o.state == "" {
		log.Warn("hashgate serve: no --state file: after a restart any unexpired release verifies again, including older ones")
	}
	r := &edge.Reloader{Server: srv, Source: src, Verifier: v, StatePath: o.state, Interval: o.poll}
	// A state file that cannot be read or written is a configuration
	// error: refuse to start rather than run without rollback protection.
	if err := r.CheckState(); err != nil {
		return fmt.Errorf("--state: %w", err)
	}
	go r.Run(ctx)
	return nil
}
