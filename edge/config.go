package edge

import (
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"runtime"
	"strings"
	"time"
)

// Config is the edge's configuration. Its zero value is not usable; start
// from DefaultConfig, whose limits are all finite (fasthttp's own defaults
// leave timeouts and body sizes unlimited).
type Config struct {
	// MaxBodyBytes caps a request body (413 body_too_large above it).
	MaxBodyBytes int
	// MaxPixels caps width×height of an image before it is decoded
	// (413 image_too_large above it).
	MaxPixels int
	// DecodeBudget caps, in bytes, the memory all decodes running at once
	// may take, each charged its cost estimated from the file's header
	// (media.EstimateCost: progressive JPEG, 16-bit PNG, WebP and GIF cost
	// far more than 4 bytes a pixel) plus a copy of the file. A file whose
	// cost alone is over it gets 413 image_too_large; one that does not fit
	// beside the decodes running waits up to ScanWait, then gets 503 busy.
	DecodeBudget int64
	// MaxImages caps the images decoded for one request (413
	// too_many_images above it); other parts are checked by digest only.
	MaxImages int
	// ScanTimeout bounds one request's whole scan (503 scan_timeout).
	ScanTimeout time.Duration
	// Regions also hashes six sub-regions of every scanned image
	// (media.QueryRegions) and searches each as an extra PDQ query, so
	// that off-centre crops and pictures in a blurred letterbox or
	// pillarbox match; it costs six PDQ hashes of a quarter-size image per
	// scan (docs/variants.md measures both). On in DefaultConfig. Verify
	// calls carry no regions: the browser does not compute them.
	Regions bool
	// ReadTimeout bounds reading a whole request, headers and body; a slow
	// client is dropped when it runs out. WriteTimeout bounds writing the
	// answer; IdleTimeout bounds a keep-alive connection between requests.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Concurrency caps connections served at once; MaxConnsPerIP caps them
	// per client address.
	Concurrency, MaxConnsPerIP int
	// ScanConcurrency caps images decoded at once (CPU; DecodeBudget
	// bounds their memory); a scan waits up to ScanWait for a slot, then
	// gets 503 busy.
	ScanConcurrency int
	ScanWait        time.Duration
	// MaxParts caps the parts of one multipart upload.
	MaxParts int

	// RatePerSecond and RateBurst set the per-client token bucket on
	// /v1/verify and /v1/scan; RatePerSecond 0 turns the limit off.
	// RateClients caps the clients tracked at once (memory stays bounded;
	// clients beyond it share one bucket).
	RatePerSecond float64
	RateBurst     int
	RateClients   int
	// ClientIPHeader names a header (e.g. X-Forwarded-For) that identifies
	// the client, for an edge behind trusted load balancers. Empty: the
	// TCP peer address. The client writes the left of the list, so the
	// address taken is the TrustedHops-th from the right (0 and 1: the
	// right-most, appended by the one balancer in front of the edge).
	ClientIPHeader string
	TrustedHops    int

	// OPRF budgets POST /v1/oprf (oprf.go); it applies whatever
	// RatePerSecond says, since each evaluation is the edge's CPU and one
	// step of an evader's search.
	OPRF OPRFConfig

	// PrivateMetrics keeps /metrics off the serving port (in proxy mode
	// the path then goes to the origin like any other): serve
	// Server.MetricsHandler on a port of its own, e.g. on loopback.
	PrivateMetrics bool

	// CORSOrigins are the browser origins allowed to call /v1/*
	// ("*" allows any).
	CORSOrigins []string

	// Origin, when set, turns on proxy mode: requests the edge does not
	// serve itself are forwarded to this http:// URL. Requests whose path
	// matches UploadPaths (path.Match globs; a trailing "/**" matches any
	// depth) and that carry a body are scanned first.
	Origin      string
	UploadPaths []string
	// ScanAllBodies, the safer proxy mode, scans every request body
	// except those sent to ExemptPaths (same pattern syntax); UploadPaths
	// is then unused. Paths are matched in a canonical form (see
	// canonicalPath): percent-decoded, backslashes as slashes, ";"
	// parameters dropped, dot segments resolved and, unless
	// UploadPathsCaseSensitive, lowercased (patterns too).
	ScanAllBodies            bool
	ExemptPaths              []string
	UploadPathsCaseSensitive bool
	// Authz turns on authorization-service mode (authz.go): the edge
	// answers Envoy ext_authz and nginx auth_request subrequests, applying
	// UploadPaths, ExemptPaths and ScanAllBodies to the original path (all
	// bodies are scanned when none is given). Not with Origin.
	// AuthzBodyDir is the one directory from which an nginx subrequest's
	// X-Hashgate-Body-File is read (nginx's client_body_temp_path); empty:
	// such subrequests are refused.
	Authz        bool
	AuthzBodyDir string
	// FailOpen forwards uploads that cannot be fingerprinted (and uploads
	// that arrive before a release is loaded) instead of refusing them.
	FailOpen bool
	// OriginTimeout bounds one round trip to the origin;
	// MaxOriginResponseBytes caps the origin's answer.
	OriginTimeout          time.Duration
	MaxOriginResponseBytes int

	// Video limits video uploads (video.go).
	Video VideoConfig

	// The operator's side of false positives, shadow mode and match
	// events: Allowlist (allowlist.go), Policies and the RolloutKey their
	// percentages hash with (policy.go), Events (events.go).
	Allowlist  AllowlistConfig
	Policies   []PolicyRule
	RolloutKey []byte
	Events     EventsConfig

	// Logger receives the JSON logs; nil means slog.Default().
	Logger *slog.Logger
	// AccessLog, when set, gets one record per answered request: its
	// X-Request-Id, client address, method, path (no query), route,
	// status, bytes and duration; never a body, so never a fingerprint.
	// nil (the default) logs no requests.
	AccessLog *slog.Logger
	// Now is the clock (nil: time.Now); tests move it to expire releases.
	Now func() time.Time
}

// DefaultDecodeBudget is the default Config.DecodeBudget: with the
// collector's headroom it keeps an edge with a small list under 600 MB of
// RSS whatever is uploaded (bench/decode-rss.sh shows it).
const DefaultDecodeBudget = 192 << 20

// DefaultConfig returns limits that suit a small edge in front of an upload
// service: 32 MiB bodies, 64-megapixel images decoded within a 192 MiB
// decode-memory budget, at most 8 images and 10 s of scanning a request,
// 15 s to read or write a request, 10 verify/scan calls per second per
// client with bursts of 20.
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes:           32 << 20,
		MaxPixels:              64_000_000,
		DecodeBudget:           DefaultDecodeBudget,
		MaxImages:              8,
		ScanTimeout:            10 * time.Second,
		Regions:                true,
		ReadTimeout:            15 * time.Second,
		WriteTimeout:           15 * time.Second,
		IdleTimeout:            60 * time.Second,
		Concurrency:            4096,
		MaxConnsPerIP:          128,
		ScanConcurrency:        runtime.GOMAXPROCS(0),
		ScanWait:               5 * time.Second,
		MaxParts:               16,
		RatePerSecond:          10,
		RateBurst:              20,
		RateClients:            100_000,
		OPRF:                   DefaultOPRFConfig(),
		OriginTimeout:          30 * time.Second,
		MaxOriginResponseBytes: 64 << 20,
		Video:                  DefaultVideoConfig(),
	}
}

func (c *Config) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	switch {
	case c.MaxBodyBytes <= 0:
		return bad("MaxBodyBytes must be positive")
	case c.MaxPixels <= 0:
		return bad("MaxPixels must be positive")
	case c.ReadTimeout <= 0 || c.WriteTimeout <= 0 || c.IdleTimeout <= 0:
		return bad("timeouts must be positive (an unlimited timeout lets slow clients hold connections)")
	case c.Concurrency <= 0 || c.MaxConnsPerIP < 0:
		return bad("Concurrency must be positive and MaxConnsPerIP not negative")
	case c.ScanConcurrency <= 0 || c.ScanWait < 0 || c.MaxParts <= 0:
		return bad("ScanConcurrency and MaxParts must be positive")
	case c.DecodeBudget <= 0 || c.MaxImages <= 0 || c.ScanTimeout <= 0:
		return bad("DecodeBudget, MaxImages and ScanTimeout must be positive")
	case c.TrustedHops < 0:
		return bad("TrustedHops must not be negative")
	case c.RatePerSecond < 0 || (c.RatePerSecond > 0 && c.RateBurst < 1) || c.RateClients < 1:
		return bad("rate limit needs RatePerSecond >= 0, RateBurst >= 1, RateClients >= 1")
	}
	if err := c.Video.validate(); err != nil {
		return err
	}
	if err := c.OPRF.validate(); err != nil {
		return err
	}
	if c.Origin != "" {
		u, err := url.Parse(c.Origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("origin %q is not an http(s) URL", c.Origin)
		}
		if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
			return bad("origin %q must have no path or query (requests keep their own)", c.Origin)
		}
		if c.OriginTimeout <= 0 || c.MaxOriginResponseBytes <= 0 {
			return bad("OriginTimeout and MaxOriginResponseBytes must be positive")
		}
		if c.Authz {
			return bad("Authz and Origin exclude each other: the proxy in front forwards, or the edge does")
		}
	} else if (len(c.UploadPaths) > 0 || len(c.ExemptPaths) > 0 || c.ScanAllBodies) && !c.Authz {
		return bad("upload paths, exempt paths and scanning all bodies need an origin or Authz")
	}
	for _, p := range append(append([]string(nil), c.UploadPaths...), c.ExemptPaths...) {
		if !strings.HasPrefix(p, "/") {
			return bad("upload path %q must start with /", p)
		}
		if _, err := path.Match(strings.TrimSuffix(p, "/**"), "/"); err != nil {
			return bad("upload path %q: %v", p, err)
		}
	}
	return nil
}

// foldPatterns lowercases patterns unless matching is case-sensitive.
func foldPatterns(pats []string, caseSensitive bool) []string {
	if caseSensitive {
		return pats
	}
	out := make([]string, len(pats))
	for i, p := range pats {
		out[i] = strings.ToLower(p)
	}
	return out
}

// matchUploadPath reports whether p matches one of the patterns.
func matchUploadPath(patterns []string, p string) bool {
	for _, pat := range patterns {
		if prefix, ok := strings.CutSuffix(pat, "/**"); ok {
			if ok, _ := path.Match(prefix, p); ok {
				return true
			}
			// a/b/** matches a/b/anything/below: match the prefix against
			// as many leading segments as it has.
			n := strings.Count(prefix, "/")
			segs := strings.SplitAfterN(p, "/", n+2)
			if len(segs) > n+1 {
				head := strings.TrimSuffix(strings.Join(segs[:n+1], ""), "/")
				if ok, _ := path.Match(prefix, head); ok {
					return true
				}
			}
			continue
		}
		if ok, _ := path.Match(pat, p); ok {
			return true
		}
	}
	return false
}
