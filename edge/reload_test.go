package edge

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// publisher makes real signed releases with an HPKE list for one edge key.
type publisher struct {
	t       testing.TB
	signer  *release.Signer
	edgeKey *release.EdgePrivateKey
	created time.Time
}

func newPublisher(t testing.TB) *publisher {
	t.Helper()
	s, err := release.GenerateSigner(nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := release.GenerateEdgeKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &publisher{t: t, signer: s, edgeKey: k, created: time.Now().Add(-time.Minute)}
}

// bundle builds release version v of entries, valid for ttl from p.created.
func (p *publisher) bundle(v uint64, ttl time.Duration, entries []release.ListEntry) *release.Bundle {
	p.t.Helper()
	b, err := release.Build(entries, release.BuildOptions{
		Version: v, Created: p.created, TTL: ttl, Signer: p.signer,
		Recipients: []release.PublicKey{p.edgeKey.Public()},
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

func (p *publisher) publish(dir string, b *release.Bundle) {
	p.t.Helper()
	if err := release.WriteDir(dir, b); err != nil {
		p.t.Fatal(err)
	}
}

func pdqEntry(h fingerprint.PDQHash, label string) release.ListEntry {
	return release.ListEntry{Kind: fingerprint.KindPDQ, Value: append([]byte(nil), h[:]...), Labels: []string{label}, Source: "test-list"}
}

// verifyHit asks the edge whether h is listed.
func verifyHit(t *testing.T, url string, h fingerprint.PDQHash) bool {
	t.Helper()
	resp, body := do(t, "POST", url+"/v1/verify", []byte(`{"pdq":"`+h.String()+`","pdq_quality":100}`))
	if resp.StatusCode != 200 {
		t.Fatalf("verify = %d %s", resp.StatusCode, body)
	}
	return strings.Contains(string(body), `"match":true`)
}

func TestReloadRules(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	h1, h2 := randomPDQ(r), randomPDQ(r)
	pub := newPublisher(t)
	dir := t.TempDir()
	state := filepath.Join(t.TempDir(), "state.json")

	cfg := testConfig()
	clock := &testClock{}
	cfg.Now = clock.Now
	e := startEdge(t, cfg)
	rl := &Reloader{
		Server: e.Server, Source: &DirSource{Dir: dir},
		Verifier:  NewReleaseVerifier(pub.signer.Trust(), pub.edgeKey, match.DefaultOptions()),
		StatePath: state,
	}
	ctx := context.Background()
	poll := func() (bool, error) { t.Helper(); return rl.Poll(ctx) }

	if _, err := poll(); err == nil {
		t.Fatal("poll of an empty directory succeeded")
	}
	v1 := pub.bundle(1, 24*time.Hour, []release.ListEntry{pdqEntry(h1, "one")})
	pub.publish(dir, v1)
	if ok, err := poll(); !ok || err != nil {
		t.Fatalf("v1 not loaded: %v", err)
	}
	if !verifyHit(t, e.url, h1) || verifyHit(t, e.url, h2) {
		t.Fatal("v1 does not answer as listed")
	}
	if ok, err := poll(); ok || err != nil {
		t.Fatalf("unchanged directory reloaded: %v %v", ok, err)
	}
	v2 := pub.bundle(2, 24*time.Hour, []release.ListEntry{pdqEntry(h1, "one"), pdqEntry(h2, "two")})
	pub.publish(dir, v2)
	if ok, err := poll(); !ok || err != nil {
		t.Fatalf("v2 not loaded: %v", err)
	}
	if !verifyHit(t, e.url, h2) {
		t.Fatal("v2's new entry not found")
	}

	fails := e.metrics.reloadFails.Get()
	rejected := []struct {
		name    string
		publish func()
		want    error
	}{
		{"tampered manifest", func() {
			b := pub.bundle(3, 24*time.Hour, []release.ListEntry{pdqEntry(h1, "one")})
			b.Manifest = []byte(strings.Replace(string(b.Manifest), `"version": 3`, `"version": 4`, 1))
			pub.publish(dir, b)
		}, release.ErrSignature},
		{"tampered list", func() {
			b := pub.bundle(3, 24*time.Hour, []release.ListEntry{pdqEntry(h1, "one")})
			for name, data := range b.Artifacts {
				if strings.HasPrefix(name, "list-") {
					data[len(data)-1] ^= 1
				}
			}
			pub.publish(dir, b)
		}, release.ErrDigest},
		{"rolled back", func() { pub.publish(dir, v1) }, release.ErrRollback},
		{"expired", func() {
			old := *pub
			old.created = time.Now().Add(-48 * time.Hour)
			pub.publish(dir, old.bundle(5, 24*time.Hour, nil))
		}, release.ErrExpired},
		{"signed by another publisher", func() {
			other := newPublisher(t)
			other.edgeKey = pub.edgeKey
			pub.publish(dir, other.bundle(6, 24*time.Hour, nil))
		}, release.ErrSignature},
	}
	for _, tt := range rejected {
		t.Run(tt.name, func(t *testing.T) {
			tt.publish()
			ok, err := poll()
			if ok || !errors.Is(err, tt.want) {
				t.Fatalf("poll = %v, %v; want %v", ok, err, tt.want)
			}
			if v := e.Current().Version; v != 2 {
				t.Fatalf("release in use is %d, want 2 kept", v)
			}
			if !verifyHit(t, e.url, h2) {
				t.Fatal("v2's index no longer answers")
			}
		})
	}
	if got := e.metrics.reloadFails.Get() - fails; got < uint64(len(rejected)) {
		t.Errorf("reload failures counted %d, want >= %d", got, len(rejected))
	}
	if !strings.Contains(e.logs.String(), "release rejected") {
		t.Error("rejections not logged")
	}

	// The release in use expires: readyz turns 503 while verify goes on
	// answering from the last good list.
	if resp, _ := do(t, "GET", e.url+"/readyz", nil); resp.StatusCode != 200 {
		t.Fatalf("readyz = %d before expiry", resp.StatusCode)
	}
	clock.Advance(25 * time.Hour)
	resp, body := do(t, "GET", e.url+"/readyz", nil)
	wantError(t, resp, body, 503, CodeNotReady)

	// A restarted edge (new reloader, same state file) reloads v2 but
	// still refuses v1.
	st, err := os.ReadFile(state)
	if err != nil || !strings.Contains(string(st), `"last_version":2`) {
		t.Fatalf("state file = %q, %v", st, err)
	}
	e2 := startEdge(t, testConfig())
	rl2 := &Reloader{Server: e2.Server, Source: &DirSource{Dir: dir},
		Verifier: NewReleaseVerifier(pub.signer.Trust(), pub.edgeKey, match.DefaultOptions()), StatePath: state}
	pub.publish(dir, v1)
	if _, err := rl2.Poll(ctx); !errors.Is(err, release.ErrRollback) {
		t.Fatalf("restarted edge took v1: %v", err)
	}
	pub.publish(dir, v2)
	if ok, err := rl2.Poll(ctx); !ok || err != nil {
		t.Fatalf("restarted edge refused v2: %v", err)
	}
}

func TestReloadCorruptState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	os.WriteFile(state, []byte("{not json"), 0o600)
	e := startEdge(t, testConfig())
	rl := &Reloader{Server: e.Server, Source: &DirSource{Dir: t.TempDir()}, StatePath: state}
	if _, err := rl.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt state accepted: %v", err)
	}
}

// The HTTP source fetches a release directory over HTTP and revalidates
// the manifest with its ETag.
func TestReloadHTTPSource(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	h := randomPDQ(r)
	pub := newPublisher(t)
	dir := t.TempDir()
	pub.publish(dir, pub.bundle(1, time.Hour, []release.ListEntry{pdqEntry(h, "x")}))
	var manifestGets, notModified int
	fsrv := http.FileServer(http.Dir(dir))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/rel/"+release.ManifestFile {
			manifestGets++
			b, _ := os.ReadFile(filepath.Join(dir, release.ManifestFile))
			etag := quotedSHA256(b)
			w.Header().Set("ETag", etag)
			if req.Header.Get("If-None-Match") == etag {
				notModified++
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		http.StripPrefix("/rel", fsrv).ServeHTTP(w, req)
	}))
	defer ts.Close()
	e := startEdge(t, testConfig())
	rl := &Reloader{Server: e.Server, Source: &HTTPSource{BaseURL: ts.URL + "/rel/"},
		Verifier: NewReleaseVerifier(pub.signer.Trust(), pub.edgeKey, match.DefaultOptions())}
	if ok, err := rl.Poll(context.Background()); !ok || err != nil {
		t.Fatalf("HTTP release not loaded: %v", err)
	}
	if !verifyHit(t, e.url, h) {
		t.Fatal("entry of the HTTP release not found")
	}
	if ok, err := rl.Poll(context.Background()); ok || err != nil || notModified != 1 {
		t.Fatalf("second poll: %v %v, 304s %d", ok, err, notModified)
	}
	// The edge serves the release's filter to checkers.
	m, err := release.ParseManifest(e.Current().Manifest)
	if err != nil {
		t.Fatal(err)
	}
	fa := m.ArtifactsByRole(release.RoleFilter)[0]
	resp, body := do(t, "GET", e.url+"/v1/filter/"+filterName(mustRead(t, filepath.Join(dir, fa.Name))), nil)
	if resp.StatusCode != 200 || uint64(len(body)) != fa.Length {
		t.Errorf("filter = %d, %d bytes, want 200 and %d", resp.StatusCode, len(body), fa.Length)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// With Check set, an HTTP source downloads nothing a forged manifest names.
func TestHTTPSourceChecksBeforeDownload(t *testing.T) {
	pub := newPublisher(t)
	dir := t.TempDir()
	b := pub.bundle(1, time.Hour, nil)
	b.Manifest = []byte(strings.Replace(string(b.Manifest), `"version": 1`, `"version": 9`, 1))
	pub.publish(dir, b)
	var artifactGets atomic.Int32
	fsrv := http.FileServer(http.Dir(dir))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !strings.HasSuffix(req.URL.Path, release.ManifestFile) && !strings.HasSuffix(req.URL.Path, release.SignatureFile) {
			artifactGets.Add(1)
		}
		fsrv.ServeHTTP(w, req)
	}))
	defer ts.Close()
	v := NewReleaseVerifier(pub.signer.Trust(), pub.edgeKey, match.DefaultOptions())
	src := &HTTPSource{BaseURL: ts.URL, Check: func(m, sig []byte) error { return v.CheckManifest(m, sig, time.Now()) }}
	if _, err := src.Fetch(context.Background()); !errors.Is(err, release.ErrSignature) {
		t.Fatalf("Fetch of a forged manifest: %v, want ErrSignature", err)
	}
	if n := artifactGets.Load(); n != 0 {
		t.Errorf("%d artifacts downloaded for a forged manifest", n)
	}
	// The genuine release passes the check and is fetched whole.
	pub.publish(dir, pub.bundle(2, time.Hour, nil))
	got, err := src.Fetch(context.Background())
	if err != nil || got == nil || len(got.Artifacts) == 0 {
		t.Fatalf("genuine release: %v, %v", got, err)
	}
}

// bundleNext is p.bundle for a release that rotates to next's keys.
func (p *publisher) bundleNext(v uint64, next *release.Signer, entries []release.ListEntry) *release.Bundle {
	p.t.Helper()
	b, err := release.Build(entries, release.BuildOptions{
		Version: v, Created: p.created, TTL: time.Hour, Signer: p.signer,
		Recipients: []release.PublicKey{p.edgeKey.Public()}, NextKeys: next.Public(),
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// Keys a rotation moved to survive a restart with the old --trust: the
// edge loads its current release (signed by the new key) and refuses one
// signed by the retired key.
func TestReloadRotatedKeysPersist(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	h := randomPDQ(r)
	old := newPublisher(t)
	next := &publisher{t: t, edgeKey: old.edgeKey, created: old.created}
	var err error
	if next.signer, err = release.GenerateSigner(nil); err != nil {
		t.Fatal(err)
	}
	entries := []release.ListEntry{pdqEntry(h, "x")}
	rotate := old.bundleNext(1, next.signer, entries) // signed by old, names next
	v2 := next.bundle(2, time.Hour, entries)          // signed by next
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.json")
	ctx := context.Background()
	// Every start pins the old key, as an unchanged --trust file would.
	start := func() (*testEdge, *Reloader) {
		e := startEdge(t, testConfig())
		return e, &Reloader{Server: e.Server, Source: &DirSource{Dir: dir},
			Verifier: NewReleaseVerifier(old.signer.Trust(), old.edgeKey, match.DefaultOptions()), StatePath: state}
	}

	_, rl := start()
	old.publish(dir, rotate)
	if ok, err := rl.Poll(ctx); !ok || err != nil {
		t.Fatalf("rotating release: %v", err)
	}
	// Restart right after the rotation: the rotating release itself (old
	// key) loads again, and then the next key's release.
	e, rl := start()
	if ok, err := rl.Poll(ctx); !ok || err != nil {
		t.Fatalf("restart on the rotating release: %v", err)
	}
	if !strings.Contains(e.logs.String(), "replace --trust") {
		t.Errorf("no log line says the state's keys replace --trust: %s", e.logs.String())
	}
	next.publish(dir, v2)
	if ok, err := rl.Poll(ctx); !ok || err != nil {
		t.Fatalf("release signed by the next key: %v", err)
	}

	// Restart on v2: v2 loads, a release by the retired key does not.
	e, rl = start()
	if ok, err := rl.Poll(ctx); !ok || err != nil {
		t.Fatalf("restarted edge refused its own release: %v", err)
	}
	if resp, _ := do(t, "GET", e.url+"/readyz", nil); resp.StatusCode != 200 {
		t.Fatalf("readyz = %d after restart", resp.StatusCode)
	}
	old.publish(dir, old.bundle(3, time.Hour, entries))
	if ok, err := rl.Poll(ctx); ok || !errors.Is(err, release.ErrSignature) {
		t.Fatalf("release by the retired key: %v, %v; want ErrSignature", ok, err)
	}
	st := mustRead(t, state)
	if !strings.Contains(string(st), `"last_version":2`) || !strings.Contains(string(st), `"next"`) {
		t.Errorf("state file = %s", st)
	}
}

// A state file that cannot be written keeps the edge unready: CheckState
// and Poll fail and no release is loaded.
func TestReloadUnwritableState(t *testing.T) {
	pub := newPublisher(t)
	dir := t.TempDir()
	pub.publish(dir, pub.bundle(1, time.Hour, nil))
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o644)
	for _, state := range []string{filepath.Join(notDir, "state.json"), t.TempDir()} {
		e := startEdge(t, testConfig())
		rl := &Reloader{Server: e.Server, Source: &DirSource{Dir: dir},
			Verifier: NewReleaseVerifier(pub.signer.Trust(), pub.edgeKey, match.DefaultOptions()), StatePath: state}
		if err := rl.CheckState(); !errors.Is(err, ErrState) {
			t.Errorf("CheckState(%s) = %v, want ErrState", state, err)
		}
		if ok, err := rl.Poll(context.Background()); ok || !errors.Is(err, ErrState) {
			t.Errorf("Poll with state %s = %v, %v; want ErrState", state, ok, err)
		}
		if resp, _ := do(t, "GET", e.url+"/readyz", nil); resp.StatusCode != 503 {
			t.Errorf("readyz = %d with an unwritable state file, want 503", resp.StatusCode)
		}
	}
}

// A release whose artifact fails its digest is not downloaded again on
// every poll from an HTTP source: only once its manifest changes (or
// RetryRejected passes).
func TestHTTPSourceRemembersRejected(t *testing.T) {
	pub := newPublisher(t)
	dir := t.TempDir()
	b := pub.bundle(1, time.Hour, []release.ListEntry{pdqEntry(randomPDQ(rand.New(rand.NewPCG(9, 9))), "x")})
	for name, data := range b.Artifacts {
		if strings.HasPrefix(name, "list-") {
			data[len(data)-1] ^= 1
		}
	}
	pub.publish(dir, b)
	var artifactGets atomic.Int32
	fsrv := http.FileServer(http.Dir(dir))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !strings.HasSuffix(req.URL.Path, release.ManifestFile) && !strings.HasSuffix(req.URL.Path, release.SignatureFile) {
			artifactGets.Add(1)
		}
		fsrv.ServeHTTP(w, req)
	}))
	defer ts.Close()
	e := startEdge(t, testConfig())
	rl := &Reloader{Server: e.Server, Source: &HTTPSource{BaseURL: ts.URL},
		Verifier: NewReleaseVerifier(pub.signer.Trust(), pub.edgeKey, match.DefaultOptions())}
	for range 3 {
		rl.Poll(context.Background())
	}
	perRelease := int32(len(b.Artifacts))
	if n := artifactGets.Load(); n != perRelease {
		t.Errorf("%d artifact downloads over 3 polls of one bad release, want %d (one)", n, perRelease)
	}
	// A new manifest is fetched at once.
	pub.publish(dir, pub.bundle(2, time.Hour, nil))
	if ok, err := rl.Poll(context.Background()); !ok || err != nil {
		t.Fatalf("fixed release: %v %v", ok, err)
	}
}

// With Check set, a directory source reads no artifact a forged manifest
// names.
func TestDirSourceChecksBeforeRead(t *testing.T) {
	pub := newPublisher(t)
	dir := t.TempDir()
	b := pub.bundle(1, time.Hour, nil)
	b.Manifest = []byte(strings.Replace(string(b.Manifest), `"version": 1`, `"version": 9`, 1))
	pub.publish(dir, b)
	for name := range b.Artifacts {
		os.Remove(filepath.Join(dir, name)) // reading any would fail with ENOENT
	}
	v := NewReleaseVerifier(pub.signer.Trust(), pub.edgeKey, match.DefaultOptions())
	src := &DirSource{Dir: dir, Check: func(m, sig []byte) error { return v.CheckManifest(m, sig, time.Now()) }}
	if _, err := src.Fetch(context.Background()); !errors.Is(err, release.ErrSignature) {
		t.Fatalf("Fetch of a forged manifest: %v, want ErrSignature before any artifact is read", err)
	}
	pub.publish(dir, pub.bundle(2, time.Hour, nil))
	if got, err := src.Fetch(context.Background()); err != nil || got == nil || len(got.Artifacts) == 0 {
		t.Fatalf("genuine release: %v, %v", got, err)
	}
}
