package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/oblivious"
)

type oblFixture struct {
	signer *Signer
	edge   *EdgePrivateKey
	open   *Release
	obl    *Release
	bundle *Bundle
	sk     *oblivious.PrivateKey
	pub    *oblivious.PublicKey
}

func newOblFixture(t testing.TB, entries []ListEntry) *oblFixture {
	t.Helper()
	fx := &oblFixture{signer: testSigner(t, 1)}
	var err error
	if fx.edge, err = newEdgeKey([32]byte{9}); err != nil {
		t.Fatal(err)
	}
	sk, err := oblivious.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	build := func(l bloom.Layout) (*Bundle, *Release) {
		b, err := Build(entries, BuildOptions{
			Version: 1, Epoch: 5, Created: testNow.Add(-time.Hour), TTL: 24 * time.Hour, Layout: l,
			Signer: fx.signer, Recipients: []PublicKey{fx.edge.Public()}, OPRFKey: sk,
		})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Accept(cloneBundle(b), AcceptOptions{Trust: fx.signer.Trust(), Now: testNow, RequireList: true})
		if err != nil {
			t.Fatal(err)
		}
		return b, r
	}
	_, fx.open = build(bloom.DefaultLayout)
	fx.bundle, fx.obl = build(DefaultObliviousLayout)
	raw, err := fx.obl.OpenOPRFKey(fx.edge)
	if err != nil {
		t.Fatal(err)
	}
	if fx.sk, err = oblivious.ParsePrivateKeyFor(raw, fx.obl.Manifest.Oblivious.PublicKey); err != nil {
		t.Fatal(err)
	}
	if fx.pub, err = oblivious.ParsePublicKey(fx.obl.Manifest.Oblivious.PublicKey); err != nil {
		t.Fatal(err)
	}
	if obliviousKeyID(fx.pub.Bytes()) != fx.pub.KeyID() {
		t.Fatal("release's obliviousKeyID differs from oblivious's KeyID")
	}
	return fx
}

// obliviousHit is the checker's path against an in-process evaluator:
// inputs, blind, evaluate, verify and finalise, look up.
func obliviousHit(t testing.TB, r *Release, pub *oblivious.PublicKey, ev *oblivious.Evaluator, kind fingerprint.Kind, value []byte) bool {
	t.Helper()
	in := r.ObliviousInputs(kind, value, nil)
	if len(in) == 0 {
		t.Fatalf("no inputs for %v", kind)
	}
	c := oblivious.NewClient(pub)
	p, req, err := c.Blind(in)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ev.Evaluate(req)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(p, resp, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if r.Contains(k) {
			return true
		}
	}
	return false
}

func flipBits(v []byte, d int, rng *rand.Rand) []byte {
	c := bytes.Clone(v)
	for _, i := range rng.Perm(8 * len(c))[:d] {
		c[i/8] ^= 1 << (i % 8)
	}
	return c
}

// TestObliviousSameVerdicts: one list built open and oblivious gives the
// same verdict on listed values, PDQ copies 1 to 7 bits off (both layouts
// guarantee them) and clean values.
func TestObliviousSameVerdicts(t *testing.T) {
	entries := testEntries(200, 3)
	fx := newOblFixture(t, entries)
	if fx.obl.Keyer != nil || fx.obl.Manifest.Oblivious == nil || fx.obl.Manifest.Filter.ReleaseKey != ([32]byte{}) {
		t.Fatal("oblivious release carries a release key or lacks its public key")
	}
	ev := oblivious.NewEvaluator(fx.sk)
	rng := rand.New(rand.NewPCG(1, 2))
	type probe struct {
		name  string
		kind  fingerprint.Kind
		value []byte
		want  bool
	}
	var probes []probe
	for i, e := range entries[:40] {
		if e.Kind == fingerprint.KindVPDQ || bloom.Type(e.Kind).ValueLen() == 0 {
			continue
		}
		probes = append(probes, probe{"listed " + e.Kind.String(), e.Kind, e.Value, true})
		if e.Kind == fingerprint.KindPDQ {
			probes = append(probes, probe{"edited pdq", e.Kind, flipBits(e.Value, 1+i%7, rng), true})
		}
	}
	for _, e := range testEntries(40, 99) {
		probes = append(probes, probe{"clean " + e.Kind.String(), e.Kind, e.Value, false})
	}
	// A clean value may hit either filter by chance (the edge's exact
	// search then answers clear, which the serve test checks end to end);
	// listed and edited values must hit both.
	var falseOpen, falseObl, clean int
	for _, p := range probes {
		open := len(fx.open.Lookup(p.kind, p.value, nil)) > 0
		obl := obliviousHit(t, fx.obl, fx.pub, ev, p.kind, p.value)
		if !p.want {
			clean++
			falseOpen += b2i(open)
			falseObl += b2i(obl)
			continue
		}
		if !open || !obl {
			t.Errorf("%s: open %v, oblivious %v, want both", p.name, open, obl)
		}
	}
	// Chance hits run at a few per cent per value: at 3 %, seven or more
	// of 40 happens about once in 4,000 runs.
	if falseOpen > 6 || falseObl > 6 {
		t.Errorf("clean values flagged: open %d, oblivious %d of %d", falseOpen, falseObl, clean)
	}
	perHash := len(fx.obl.ObliviousInputs(fingerprint.KindPDQ, entries[0].Value, nil))
	if perHash != 8 || fx.open.Keyer.Layout().QueryKeysPerPDQ() != 260 {
		t.Errorf("keys per PDQ hash: oblivious %d, open %d", perHash, fx.open.Keyer.Layout().QueryKeysPerPDQ())
	}
}

// TestObliviousFilterAloneFlagsNothing: a downloader holds the filter and
// the manifest but no evaluations. Every way it could derive keys for the
// listed values without the private key finds at most chance hits.
func TestObliviousFilterAloneFlagsNothing(t *testing.T) {
	entries := testEntries(300, 4)
	fx := newOblFixture(t, entries)
	r := fx.obl
	if hits := r.Lookup(fingerprint.KindPDQ, entries[0].Value, nil); len(hits) != 0 {
		t.Fatalf("Lookup without the edge hit %v", hits)
	}
	guess, err := oblivious.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	keyers := []*bloom.Keyer{}
	for _, rk := range [][32]byte{{}, sha256.Sum256(fx.pub.Bytes()), [32]byte(fx.pub.Bytes())} {
		k, err := bloom.NewKeyer(rk, r.layout)
		if err != nil {
			t.Fatal(err)
		}
		keyers = append(keyers, k)
	}
	tried, hits := 0, 0
	for _, e := range entries {
		if bloom.Type(e.Kind).ValueLen() == 0 {
			continue
		}
		var keys []uint64
		for _, in := range r.ObliviousInputs(e.Kind, e.Value, nil) {
			h := sha256.Sum256(in)
			keys = append(keys, binary.LittleEndian.Uint64(h[:]), binary.LittleEndian.Uint64(in[len(in)-8:]))
			if out, err := guess.Output(in); err == nil {
				keys = append(keys, oblivious.Key(out))
			}
		}
		for _, k := range keyers {
			for _, q := range k.QueryKeys(bloom.Type(e.Kind), e.Value, nil) {
				keys = append(keys, uint64(q))
			}
		}
		for _, k := range keys {
			tried++
			if r.Contains(k) {
				hits++
			}
		}
	}
	// 2^-16 per look-up: about tried/65536 chance hits; 10 is far above it.
	if tried < 5000 || hits > 10 {
		t.Fatalf("%d of %d keys derived without the edge hit the filter", hits, tried)
	}
}

func TestObliviousRefusals(t *testing.T) {
	fx := newOblFixture(t, testEntries(50, 5))
	opts := AcceptOptions{Trust: fx.signer.Trust(), Now: testNow, RequireList: true}
	m := fx.obl.Manifest
	other, err := oblivious.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	withManifest := func(edit func(m *Manifest)) *Bundle {
		b := cloneBundle(fx.bundle)
		c := *m
		ob := *m.Oblivious
		c.Oblivious = &ob
		edit(&c)
		resign(t, fx.signer, b, &c)
		return b
	}
	cases := []struct {
		name string
		b    *Bundle
		want error
	}{
		{"public key replaced", withManifest(func(m *Manifest) { m.Oblivious.PublicKey = other.Public().Bytes() }), ErrOblivious},
		{"public key truncated", withManifest(func(m *Manifest) { m.Oblivious.PublicKey = m.Oblivious.PublicKey[:31] }), ErrOblivious},
		{"public key not a point", withManifest(func(m *Manifest) { m.Oblivious.PublicKey = bytes.Repeat([]byte{0xff}, 32) }), ErrOblivious},
		{"other suite", withManifest(func(m *Manifest) { m.Oblivious.Suite = "P256-SHA256" }), ErrOblivious},
		{"public key removed", withManifest(func(m *Manifest) { m.Oblivious = nil }), ErrOblivious},
		{"release key added", withManifest(func(m *Manifest) { m.Filter.ReleaseKey = [32]byte{1} }), ErrOblivious},
		{"open layout", withManifest(func(m *Manifest) { m.Filter.Layout = "4x64+p1" }), ErrOblivious},
	}
	truncated := cloneBundle(fx.bundle)
	name := artifactOf(t, truncated, RoleOPRFKey)
	truncated.Artifacts[name] = truncated.Artifacts[name][:40]
	cases = append(cases, struct {
		name string
		b    *Bundle
		want error
	}{"oprf key truncated", truncated, ErrLength})
	for _, tc := range cases {
		if _, err := Accept(tc.b, opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// A key artifact that opens but holds another key: the manifest's
	// digest is re-signed, so only OpenOPRFKey can tell.
	swapped := cloneBundle(fx.bundle)
	ct, err := EncryptOPRFKey(other, []PublicKey{fx.edge.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *m
	c.Artifacts = nil
	for _, a := range m.Artifacts {
		if a.Role == RoleOPRFKey {
			delete(swapped.Artifacts, a.Name)
			a = addArtifact(swapped, RoleOPRFKey, "oprfkey-", ".hpke", ct)
		}
		c.Artifacts = append(c.Artifacts, a)
	}
	resign(t, fx.signer, swapped, &c)
	r, err := Accept(swapped, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := r.OpenOPRFKey(fx.edge)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oblivious.ParsePrivateKeyFor(raw, m.Oblivious.PublicKey); !errors.Is(err, oblivious.ErrKey) {
		t.Errorf("swapped oprf key: %v", err)
	}
	wrongEdge, _ := newEdgeKey([32]byte{10})
	if _, err := fx.obl.OpenOPRFKey(wrongEdge); !errors.Is(err, ErrList) {
		t.Errorf("another edge's key: %v", err)
	}
	if _, err := fx.open.OpenOPRFKey(fx.edge); !errors.Is(err, ErrOblivious) {
		t.Errorf("open release: %v", err)
	}
	if _, err := Build(testEntries(5, 1), BuildOptions{Version: 1, Layout: DefaultObliviousLayout, Signer: fx.signer, OPRFKey: fx.sk}); err == nil {
		t.Error("built an oblivious release without edge recipients")
	}
	if _, err := Build(testEntries(5, 1), BuildOptions{Version: 1, Layout: DefaultObliviousLayout, Signer: fx.signer, Recipients: []PublicKey{fx.edge.Public()}}); err == nil {
		t.Error("built an oblivious release without a VOPRF key")
	}
}

func FuzzParseOPRFKey(f *testing.F) {
	k, _ := oblivious.DeriveKey(bytes.Repeat([]byte{1}, 32), nil)
	f.Add(oprfKeyPlain{k.Bytes()}.append(nil))
	f.Add([]byte(oprfKeyMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		sk, err := parseOPRFKey(b)
		if err == nil && !bytes.Equal(oprfKeyPlain{sk}.append(nil), b) {
			t.Fatal("parsed key does not re-encode to its input")
		}
		if err != nil && !errors.Is(err, ErrOblivious) {
			t.Fatalf("error %v matches no sentinel", err)
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
