package release

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// testEntries returns n distinct entries of mixed kinds from a fixed seed.
func testEntries(n int, seed uint64) []ListEntry {
	r := rand.New(rand.NewPCG(seed, 7))
	kinds := []fingerprint.Kind{fingerprint.KindPDQ, fingerprint.KindPDQ, fingerprint.KindMD5, fingerprint.KindSHA256, fingerprint.KindPHash}
	labels := []string{"gifct:attacker-manifesto", "gifct:graphic-violence", "gifct:violent-propaganda", "publisher:reviewed"}
	out := make([]ListEntry, n)
	for i := range out {
		k := kinds[i%len(kinds)]
		v := make([]byte, k.ValueLen())
		for j := range v {
			v[j] = byte(r.Uint32())
		}
		out[i] = ListEntry{Kind: k, Value: v, Labels: []string{labels[i%len(labels)]}, Source: "test-list",
			Added: time.Date(2026, 1, 1+i%28, 0, 0, 0, 0, time.UTC)}
	}
	return out
}

type fixture struct {
	signer *Signer
	edge   *EdgePrivateKey
	v1, v2 *Bundle
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	s := testSigner(t, 1)
	edge, err := newEdgeKey([32]byte{9})
	if err != nil {
		t.Fatal(err)
	}
	build := func(version uint64) *Bundle {
		b, err := Build(testEntries(500, version), BuildOptions{
			Version: version, Created: testNow.Add(-time.Hour), TTL: 24 * time.Hour,
			Signer: s, Recipients: []PublicKey{edge.Public()},
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return &fixture{signer: s, edge: edge, v1: build(1), v2: build(2)}
}

func cloneBundle(b *Bundle) *Bundle {
	c := &Bundle{Manifest: bytes.Clone(b.Manifest), Signature: bytes.Clone(b.Signature), Artifacts: map[string][]byte{}}
	for k, v := range b.Artifacts {
		c.Artifacts[k] = bytes.Clone(v)
	}
	return c
}

func artifactOf(t testing.TB, b *Bundle, role string) string {
	m, err := ParseManifest(b.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	return m.ArtifactsByRole(role)[0].Name
}

// resign replaces the manifest with m and signs it properly, so only the
// rule under test is broken.
func resign(t testing.TB, s *Signer, b *Bundle, m *Manifest) {
	t.Helper()
	var err error
	if b.Manifest, err = m.Marshal(); err != nil {
		t.Fatal(err)
	}
	if b.Signature, err = s.Sign(b.Manifest); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptRefusals(t *testing.T) {
	fx := newFixture(t)
	s := fx.signer
	opts := AcceptOptions{Trust: s.Trust(), Now: testNow, RequireList: true}
	sigs, err := ParseSignatures(fx.v2.Signature)
	if err != nil {
		t.Fatal(err)
	}
	badSig := func(i int) []Signature {
		c := append([]Signature(nil), sigs...)
		c[i].Sig = bytes.Clone(c[i].Sig)
		c[i].Sig[10] ^= 0x80
		return c
	}

	tests := []struct {
		name   string
		mutate func(t *testing.T, b *Bundle)
		opts   func(o *AcceptOptions)
		rule   string
		want   error
	}{
		{"flipped byte in manifest", func(t *testing.T, b *Bundle) {
			i := bytes.Index(b.Manifest, []byte(`"stable"`)) + 2
			b.Manifest[i] ^= 0x01 // "stable" -> "suable": still parses, signature fails
		}, nil, RuleSignature, ErrSignature},
		{"flipped byte in filter", func(t *testing.T, b *Bundle) {
			b.Artifacts[artifactOf(t, b, RoleFilter)][100] ^= 0x01
		}, nil, RuleDigest, ErrDigest},
		{"flipped byte in list", func(t *testing.T, b *Bundle) {
			b.Artifacts[artifactOf(t, b, RoleList)][200] ^= 0x01
		}, nil, RuleDigest, ErrDigest},
		{"ML-DSA signature missing, Ed25519 good", func(t *testing.T, b *Bundle) {
			b.Signature = MarshalSignatures(sigs[:1])
		}, nil, RuleSignature, ErrSignature},
		{"ML-DSA signature wrong, Ed25519 good", func(t *testing.T, b *Bundle) {
			b.Signature = MarshalSignatures(badSig(1))
		}, nil, RuleSignature, ErrSignature},
		{"Ed25519 signature missing, ML-DSA good", func(t *testing.T, b *Bundle) {
			b.Signature = MarshalSignatures(sigs[1:])
		}, nil, RuleSignature, ErrSignature},
		{"Ed25519 signature wrong, ML-DSA good", func(t *testing.T, b *Bundle) {
			b.Signature = MarshalSignatures(badSig(0))
		}, nil, RuleSignature, ErrSignature},
		{"signature file garbage", func(t *testing.T, b *Bundle) {
			b.Signature = []byte("not json")
		}, nil, RuleSignature, ErrSignature},
		{"older version", func(t *testing.T, b *Bundle) {
			*b = *cloneBundle(fx.v1)
		}, nil, RuleRollback, ErrRollback},
		{"same version again", nil, func(o *AcceptOptions) { o.LastVersion = 2 }, RuleRollback, ErrRollback},
		{"expired", nil, func(o *AcceptOptions) { o.Now = testNow.Add(23 * time.Hour) }, RuleExpired, ErrExpired},
		{"filter shorter than the manifest says", func(t *testing.T, b *Bundle) {
			n := artifactOf(t, b, RoleFilter)
			b.Artifacts[n] = b.Artifacts[n][:len(b.Artifacts[n])-1]
		}, nil, RuleLength, ErrLength},
		{"filter longer than the manifest says", func(t *testing.T, b *Bundle) {
			n := artifactOf(t, b, RoleFilter)
			b.Artifacts[n] = append(b.Artifacts[n], 0)
		}, nil, RuleLength, ErrLength},
		{"filter missing", func(t *testing.T, b *Bundle) {
			delete(b.Artifacts, artifactOf(t, b, RoleFilter))
		}, nil, RuleMissing, ErrMissing},
		{"list missing on an edge", func(t *testing.T, b *Bundle) {
			delete(b.Artifacts, artifactOf(t, b, RoleList))
		}, nil, RuleMissing, ErrMissing},
		{"signed filter that does not load", func(t *testing.T, b *Bundle) {
			m, _ := ParseManifest(b.Manifest)
			junk := bytes.Repeat([]byte{0x5a}, 64)
			sum := sha256.Sum256(junk)
			delete(b.Artifacts, m.Artifacts[0].Name)
			m.Artifacts[0] = Artifact{Role: RoleFilter, Name: "filter-junk.bin", Length: 64, SHA256: sum}
			b.Artifacts["filter-junk.bin"] = junk
			resign(t, s, b, m)
		}, nil, RuleFilter, ErrFilter},
		{"signed filter of another release key", func(t *testing.T, b *Bundle) {
			m, _ := ParseManifest(b.Manifest)
			m.Filter.ReleaseKey[0] ^= 1
			resign(t, s, b, m)
		}, nil, RuleFilter, ErrFilter},
		{"newer major format", func(t *testing.T, b *Bundle) {
			b.Manifest = bytes.Replace(b.Manifest, []byte(`"format": "1.0"`), []byte(`"format": "2.0"`), 1)
			b.Signature, _ = s.Sign(b.Manifest)
		}, nil, RuleFormat, ErrFormat},
		{"other channel", nil, func(o *AcceptOptions) { o.Channel = "beta" }, RuleChannel, ErrChannel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cur Current
			first, err := cur.Offer(fx.v1, opts)
			if err != nil {
				t.Fatalf("v1 refused: %v", err)
			}
			b := cloneBundle(fx.v2)
			if tt.mutate != nil {
				tt.mutate(t, b)
			}
			o := opts
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err = cur.Offer(b, o)
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("Offer error = %v, want a *RuleError", err)
			}
			if re.Rule != tt.rule || !errors.Is(err, tt.want) {
				t.Errorf("refused by rule %q (%v), want rule %q", re.Rule, err, tt.rule)
			}
			if cur.Load() != first {
				t.Errorf("the refused release replaced the one in use")
			}
			// The untouched v2 is still accepted afterwards: the refusal
			// was about the mutation, not the state.
			if tt.opts == nil {
				if _, err := cur.Offer(fx.v2, opts); err != nil {
					t.Errorf("good v2 refused after the bad one: %v", err)
				}
			}
		})
	}
}

func TestAcceptGood(t *testing.T) {
	fx := newFixture(t)
	r, err := Accept(fx.v2, AcceptOptions{Trust: fx.signer.Trust(), Now: testNow, LastVersion: 1, RequireList: true})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := DecryptList(r.List, fx.edge)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 500 {
		t.Fatalf("list has %d entries, want 500", len(entries))
	}
	// Every listed entry hits the filter through the manifest's Keyer.
	for _, e := range entries {
		if e.Kind == fingerprint.KindPHash || e.Kind == fingerprint.KindPDQ || e.Kind == fingerprint.KindMD5 || e.Kind == fingerprint.KindSHA256 {
			if !r.Filters.ContainsAny(FilterKeys(r.Keyer, []ListEntry{e}, nil)) {
				t.Fatalf("listed %s %x misses the filter", e.Kind, e.Value)
			}
		}
	}
	if _, err := Accept(fx.v2, AcceptOptions{Trust: testSigner(t, 3).Trust(), Now: testNow}); !errors.Is(err, ErrSignature) {
		t.Errorf("accepted under another publisher's keys: %v", err)
	}
	// A browser bundle (no list) is accepted without RequireList.
	browser := cloneBundle(fx.v2)
	delete(browser.Artifacts, artifactOf(t, browser, RoleList))
	if _, err := Accept(browser, AcceptOptions{Trust: fx.signer.Trust(), Now: testNow}); err != nil {
		t.Errorf("browser bundle refused: %v", err)
	}
	if got := maps.Clone(r.Manifest.Filter.Entries); got["pdq"] != 200 || got["md5"] != 100 {
		t.Errorf("entry counts %v", got)
	}
}

func TestCurrentRotation(t *testing.T) {
	oldS, newS := testSigner(t, 1), testSigner(t, 5)
	build := func(v uint64, s *Signer, next []PublicKey) *Bundle {
		b, err := Build(testEntries(50, v), BuildOptions{Version: v, Created: testNow, TTL: time.Hour, Signer: s, NextKeys: next})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var cur Current
	o := AcceptOptions{Trust: oldS.Trust(), Now: testNow}
	if _, err := cur.Offer(build(1, oldS, nil), o); err != nil {
		t.Fatal(err)
	}
	if _, err := cur.Offer(build(2, newS, nil), o); !errors.Is(err, ErrSignature) {
		t.Fatalf("new keys accepted before the rotation: %v", err)
	}
	if _, err := cur.Offer(build(2, oldS, newS.Public()), o); err != nil {
		t.Fatal(err)
	}
	if _, err := cur.Offer(build(3, oldS, nil), o); !errors.Is(err, ErrSignature) {
		t.Fatalf("old keys still accepted after rotating away: %v", err)
	}
	if _, err := cur.Offer(build(3, newS, nil), o); err != nil {
		t.Fatalf("new keys refused after rotation: %v", err)
	}
	if tr, _ := cur.Trust(); tr.Keys[0].ID() != newS.Public()[0].ID() {
		t.Errorf("trust not moved to the next keys")
	}
}

// TestCurrentConcurrent: look-ups proceed while updates are offered, and
// readers only ever see a whole accepted release (run with -race).
func TestCurrentConcurrent(t *testing.T) {
	fx := newFixture(t)
	var cur Current
	o := AcceptOptions{Trust: fx.signer.Trust(), Now: testNow}
	if _, err := cur.Offer(fx.v1, o); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				r := cur.Load()
				if r == nil || r.Keyer == nil || r.Filters.Base == nil {
					errs <- errors.New("saw a partial release")
					return
				}
				r.Filters.Contains(42)
			}
		}()
	}
	bad := cloneBundle(fx.v2)
	bad.Signature = nil
	for range 20 {
		cur.Offer(bad, o)
	}
	if _, err := cur.Offer(fx.v2, o); err != nil {
		t.Fatal(err)
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if cur.Load().Manifest.Version != 2 {
		t.Errorf("version in use %d", cur.Load().Manifest.Version)
	}
}
