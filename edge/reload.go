package edge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/hashgate/hashgate/release"
)

// Source is where the edge polls for releases.
type Source interface {
	// Fetch returns the release if it differs from the one the last Fetch
	// returned, or nil when nothing changed.
	Fetch(ctx context.Context) (*release.Bundle, error)
	// Forget makes the next Fetch return the current release again even if
	// unchanged: the reloader calls it when a release looked torn (a file
	// missing or short), which a publisher mid-copy can cause.
	Forget()
	String() string
}

// Rejecter is a Source that must be told when a release it fetched was
// refused on its artifacts, instead of being made to Forget it: fetching
// it again costs a full download (HTTPSource).
type Rejecter interface {
	Reject()
}

// Verifier turns a fetched release into a snapshot the edge can serve, or
// refuses it. lastVersion is the highest version accepted so far; the
// snapshot's version must be greater.
type Verifier interface {
	Verify(ctx context.Context, b *release.Bundle, lastVersion uint64, now time.Time) (*Snapshot, error)
}

// Reloader polls a Source, verifies what changed and swaps it into a Server.
// A release that fails is logged and counted and the one in use stays.
type Reloader struct {
	Server   *Server
	Source   Source
	Verifier Verifier
	// StatePath, when set, is a small JSON file that persists the last
	// accepted version and the publisher keys in effect across restarts,
	// so a restarted edge can be neither rolled back to an older release
	// nor made to trust a retired key again (see state.go). A release is
	// only loaded once the file records it.
	StatePath string
	Interval  time.Duration

	mu     sync.Mutex
	last   uint64 // highest version accepted (or read from StatePath)
	loaded bool   // a release has been loaded by this process
	inited bool
}

// Poll fetches once and loads the release if it changed and verifies. It
// reports whether a new release was swapped in.
func (r *Reloader) Poll(ctx context.Context) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.Server
	if !r.inited {
		if err := r.initState(); err != nil {
			s.metrics.reloadFails.Add(1)
			s.log.Error("edge: no release loaded", "err", err.Error())
			return false, err
		}
	}
	b, err := r.Source.Fetch(ctx)
	if err != nil {
		s.metrics.reloadFails.Add(1)
		s.log.Error("edge: release fetch failed", "source", r.Source.String(), "err", err.Error())
		return false, err
	}
	if b == nil {
		return false, nil
	}
	last := r.last
	if !r.loaded && last > 0 {
		// After a restart the persisted version itself may be loaded again
		// (it was verified before); anything older stays refused.
		last--
	}
	snap, err := r.Verifier.Verify(ctx, b, last, s.now())
	if err != nil {
		s.metrics.reloadFails.Add(1)
		rule := ""
		var re *release.RuleError
		if errors.As(err, &re) {
			rule = re.Rule
		}
		if errors.Is(err, release.ErrMissing) || errors.Is(err, release.ErrLength) || errors.Is(err, release.ErrDigest) {
			if rj, ok := r.Source.(Rejecter); ok {
				rj.Reject()
			} else {
				r.Source.Forget() // maybe caught mid-copy: look again next time
			}
		}
		s.log.Error("edge: release rejected; keeping the one in use", "source", r.Source.String(), "rule", rule, "err", err.Error())
		return false, err
	}
	if snap.Version <= last {
		// A Verifier must enforce this; check anyway, it is cheap.
		s.metrics.reloadFails.Add(1)
		return false, fmt.Errorf("edge: release %d is not newer than %d", snap.Version, last)
	}
	if err := r.writeState(snap.Version); err != nil {
		// A release the state file does not record would leave the
		// rollback floor (and rotated keys) behind on disk: refuse it and
		// look again next poll. The verifier keeps the keys that accepted
		// it, so the retry verifies.
		s.metrics.reloadFails.Add(1)
		r.Source.Forget()
		s.log.Error("edge: release not loaded: the state file cannot be written", "version", snap.Version, "err", err.Error())
		return false, err
	}
	r.last, r.loaded = snap.Version, true
	s.Load(snap)
	// The ciphertext, the decrypted list and the old index are garbage
	// now: give their pages back so RSS reflects what the edge holds, not
	// the peak of the last reload.
	debug.FreeOSMemory()
	s.metrics.reloads.Add(1)
	entries := 0
	if snap.Index != nil {
		entries = snap.Index.Len()
	}
	s.log.Info("edge: release loaded", "version", snap.Version, "expires", snap.Expires, "entries", entries)
	return true, nil
}

// Run polls every Interval until ctx is done.
func (r *Reloader) Run(ctx context.Context) {
	interval := r.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r.Poll(ctx) // errors are logged and counted by Poll
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DirSource polls a release directory (release.LoadDir's layout).
type DirSource struct {
	Dir string
	// Check, when set, vets manifest.json and manifest.sig before any
	// artifact is read (ReleaseVerifier.CheckManifest): an unsigned
	// manifest must not decide which files, and how much, the edge reads.
	Check func(manifest, sig []byte) error
	seen  [32]byte
}

// Fetch reads manifest.json and manifest.sig and, if either changed and
// they pass Check, the whole release.
func (d *DirSource) Fetch(ctx context.Context) (*release.Bundle, error) {
	man, err := os.ReadFile(filepath.Join(d.Dir, release.ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("edge: release source: %w", err)
	}
	sig, err := os.ReadFile(filepath.Join(d.Dir, release.SignatureFile))
	if err != nil {
		return nil, fmt.Errorf("edge: release source: %w", err)
	}
	id := sha256.Sum256(append(append(man, 0), sig...))
	if id == d.seen {
		return nil, nil
	}
	if d.Check != nil {
		if err := d.Check(man, sig); err != nil {
			d.seen = id // refused as it stands: do not read it again
			return nil, err
		}
	}
	b, err := release.LoadDir(d.Dir)
	if err != nil {
		return nil, fmt.Errorf("edge: release source: %w", err)
	}
	if d.Check != nil && (!bytes.Equal(b.Manifest, man) || !bytes.Equal(b.Signature, sig)) {
		// Replaced between the check and the read: look again next poll.
		return nil, fmt.Errorf("edge: release source: %s changed while it was read", d.Dir)
	}
	d.seen = sha256.Sum256(append(append(b.Manifest, 0), b.Signature...))
	return b, nil
}

// Forget implements Source.
func (d *DirSource) Forget()        { d.seen = [32]byte{} }
func (d *DirSource) String() string { return d.Dir }

// HTTPSource polls a release directory published over HTTP(S): BaseURL
// serves manifest.json, manifest.sig and the artifacts by name. It asks
// for manifest.json with If-None-Match, so an unchanged release costs one
// 304.
type HTTPSource struct {
	BaseURL string
	Client  *http.Client // nil: a client with a 60 s timeout
	// Check, when set, vets manifest.json and manifest.sig before any
	// artifact is downloaded (ReleaseVerifier.CheckManifest): the lengths
	// in an unsigned manifest would otherwise decide how much the edge
	// downloads.
	Check func(manifest, sig []byte) error
	// RetryRejected is how long a release whose artifacts failed
	// verification (Reject) is not downloaded again while its manifest
	// stays the same; zero means 15 minutes.
	RetryRejected time.Duration
	etag          string
	seen          [32]byte
	bad           [32]byte // the manifest last rejected, and until when
	badUntil      time.Time
}

// Reject implements Rejecter: the release last fetched was refused on its
// artifacts (a bad digest or length). Re-downloading it on every poll
// would cost its full size each time; it is fetched again only after
// RetryRejected (a publisher mid-upload) or once its manifest changes.
func (h *HTTPSource) Reject() {
	retry := h.RetryRejected
	if retry <= 0 {
		retry = 15 * time.Minute
	}
	h.bad, h.badUntil = h.seen, time.Now().Add(retry)
	h.etag, h.seen = "", [32]byte{}
}

// Fetch implements Source.
func (h *HTTPSource) Fetch(ctx context.Context) (*release.Bundle, error) {
	man, etag, notModified, err := h.get(ctx, release.ManifestFile, release.MaxManifestSize, h.etag)
	if err != nil {
		return nil, err
	}
	if notModified {
		return nil, nil
	}
	sig, _, _, err := h.get(ctx, release.SignatureFile, 256<<10, "")
	if err != nil {
		return nil, err
	}
	id := sha256.Sum256(append(append(man, 0), sig...))
	if id == h.seen || (id == h.bad && time.Now().Before(h.badUntil)) {
		h.etag = etag
		return nil, nil
	}
	b := &release.Bundle{Manifest: man, Signature: sig, Artifacts: map[string][]byte{}}
	if h.Check != nil {
		if err := h.Check(man, sig); err != nil {
			h.etag, h.seen = etag, id // refused as it stands: do not fetch it again
			return nil, err
		}
	}
	if m, err := release.ParseManifest(man); err == nil {
		for _, a := range m.Artifacts {
			limit := int64(a.Length) + 1 // one more byte shows a longer file
			if a.Length >= release.MaxArtifactSize {
				limit = release.MaxArtifactSize
			}
			data, _, _, err := h.get(ctx, a.Name, limit, "")
			if err != nil {
				return nil, err
			}
			b.Artifacts[a.Name] = data
		}
	} // else Accept reports the format error with its rule
	h.etag, h.seen = etag, id
	return b, nil
}

// Forget implements Source.
func (h *HTTPSource) Forget()        { h.etag, h.seen = "", [32]byte{} }
func (h *HTTPSource) String() string { return h.BaseURL }

func (h *HTTPSource) get(ctx context.Context, name string, limit int64, etag string) ([]byte, string, bool, error) {
	u, err := url.JoinPath(h.BaseURL, name)
	if err != nil {
		return nil, "", false, fmt.Errorf("edge: release source: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, "", false, fmt.Errorf("edge: release source: %w", err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", false, fmt.Errorf("edge: release source: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		return nil, etag, true, nil
	case resp.StatusCode != http.StatusOK:
		return nil, "", false, fmt.Errorf("edge: release source: GET %s: %s", name, resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, "", false, fmt.Errorf("edge: release source: %s is %d bytes, over %s", name, resp.ContentLength, strconv.FormatInt(limit, 10))
	}
	var buf bytes.Buffer
	if resp.ContentLength >= 0 {
		// Read into one allocation: growing by doubling would leave up to
		// twice a 370 MB list as garbage beside the index in use.
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, limit)); err != nil {
		return nil, "", false, fmt.Errorf("edge: release source: GET %s: %w", name, err)
	}
	return buf.Bytes(), resp.Header.Get("ETag"), false, nil
}
