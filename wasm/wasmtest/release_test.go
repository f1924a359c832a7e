package wasmtest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

var created = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// testRelease builds a signed release of entries.
func testRelease(t testing.TB, s *release.Signer, version uint64, entries []release.ListEntry) *release.Bundle {
	t.Helper()
	b, err := release.Build(entries, release.BuildOptions{
		Version: version, Created: created, TTL: 30 * 24 * time.Hour, Signer: s,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newSigner(t testing.TB) *release.Signer {
	t.Helper()
	s, err := release.GenerateSigner(nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// offer puts every part of b into the module and runs its Accept.
func offer(t testing.TB, m *Module, b *release.Bundle, last uint64, now time.Time) ([]byte, error) {
	t.Helper()
	for _, p := range []struct {
		part int
		name string
		data []byte
	}{{PartManifest, "", b.Manifest}, {PartSignature, "", b.Signature}} {
		if err := m.Put(p.part, p.name, p.data); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range b.Artifacts {
		if err := m.Put(PartArtifact, name, data); err != nil {
			t.Fatal(err)
		}
	}
	return m.Accept(last, now.UnixMilli())
}

func clone(b *release.Bundle) *release.Bundle {
	c := &release.Bundle{Manifest: append([]byte(nil), b.Manifest...), Signature: append([]byte(nil), b.Signature...),
		Artifacts: map[string][]byte{}}
	for k, v := range b.Artifacts {
		c.Artifacts[k] = append([]byte(nil), v...)
	}
	return c
}

func filterName(t testing.TB, b *release.Bundle) string {
	t.Helper()
	m, err := release.ParseManifest(b.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	fs := m.ArtifactsByRole(release.RoleFilter)
	if len(fs) != 1 {
		t.Fatalf("release has %d filters", len(fs))
	}
	return fs[0].Name
}

type info struct {
	Version uint64
	Layout  string
	Keys    int
}

// The module refuses exactly what release.Accept refuses, with the rule's
// status code, and keeps the release it had.
func TestReleaseAcceptance(t *testing.T) {
	s := newSigner(t)
	entries := []release.ListEntry{{Kind: fingerprint.KindMD5, Value: make([]byte, 16)}}
	v1 := testRelease(t, s, 1, entries)
	v2 := testRelease(t, s, 2, entries)
	now := created.Add(time.Hour)
	trust := release.MarshalPublicKeys(s.Public())

	type tc struct {
		name   string
		bundle func() *release.Bundle
		last   uint64
		now    time.Time
		code   int32
	}
	cases := []tc{
		{"tampered manifest", func() *release.Bundle {
			b := clone(v2)
			i := strings.Index(string(b.Manifest), `"version"`)
			b.Manifest[i+1] = 'V'
			return b
		}, 0, now, CodeFormat},
		{"manifest edited, still valid JSON", func() *release.Bundle {
			b := clone(v2)
			i := strings.Index(string(b.Manifest), `"stable"`)
			copy(b.Manifest[i:], `"stabld"`)
			return b
		}, 0, now, CodeSignature},
		{"tampered signature", func() *release.Bundle {
			b := clone(v2)
			b.Signature[len(b.Signature)/2] ^= 1
			return b
		}, 0, now, CodeSignature},
		{"signed by another publisher", func() *release.Bundle { return testRelease(t, newSigner(t), 2, entries) }, 0, now, CodeSignature},
		{"tampered filter", func() *release.Bundle {
			b := clone(v2)
			f := b.Artifacts[filterName(t, b)]
			f[len(f)-1] ^= 0x80
			return b
		}, 0, now, CodeDigest},
		{"truncated filter", func() *release.Bundle {
			b := clone(v2)
			n := filterName(t, b)
			b.Artifacts[n] = b.Artifacts[n][:len(b.Artifacts[n])-1]
			return b
		}, 0, now, CodeLength},
		{"missing filter", func() *release.Bundle {
			b := clone(v2)
			delete(b.Artifacts, filterName(t, b))
			return b
		}, 0, now, CodeMissing},
		{"old version", func() *release.Bundle { return v2 }, 2, now, CodeRollback},
		{"older than the one in use", func() *release.Bundle { return v1 }, 0, now, CodeRollback},
		{"expired", func() *release.Bundle { return v2 }, 0, created.Add(31 * 24 * time.Hour), CodeExpired},
		{"expired at the instant", func() *release.Bundle { return v2 }, 0, created.Add(30 * 24 * time.Hour), CodeExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newModule(t)
			if _, err := m.SetTrust(trust); err != nil {
				t.Fatal(err)
			}
			// v1 in use first, so a refusal can be seen to keep it.
			if c.name == "older than the one in use" {
				if _, err := offer(t, m, v2, 0, now); err != nil {
					t.Fatal(err)
				}
			} else if _, err := offer(t, m, v1, 0, now); err != nil {
				t.Fatal(err)
			}
			before, _ := m.Info()
			b := c.bundle()
			_, err := offer(t, m, b, c.last, c.now)
			var e *Error
			if !asError(err, &e) || e.Code != c.code {
				t.Fatalf("got %v, want status %d", err, c.code)
			}
			// release.Accept agrees on the same bytes.
			last := max(c.last, 1)
			if c.name == "older than the one in use" {
				last = 2
			}
			if _, nerr := release.Accept(b, release.AcceptOptions{Trust: s.Trust(), LastVersion: last, Now: c.now}); nerr == nil {
				t.Errorf("release.Accept took what the module refused")
			}
			after, err := m.Info()
			if err != nil || string(after) != string(before) {
				t.Errorf("release in use changed after a refusal: %s -> %s (%v)", before, after, err)
			}
		})
	}

	t.Run("newer valid release replaces the old", func(t *testing.T) {
		m := newModule(t)
		m.SetTrust(trust)
		if _, err := offer(t, m, v1, 0, now); err != nil {
			t.Fatal(err)
		}
		res, err := offer(t, m, v2, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		var i info
		if err := json.Unmarshal(res, &i); err != nil || i.Version != 2 || i.Layout != bloom.DefaultLayout.String() {
			t.Errorf("info %s (%v), want version 2 layout %s", res, err, bloom.DefaultLayout)
		}
	})

	t.Run("no pinned keys", func(t *testing.T) {
		m := newModule(t)
		_, err := offer(t, m, v1, 0, now)
		var e *Error
		if !asError(err, &e) || e.Code != CodeNoTrust {
			t.Fatalf("got %v, want status %d", err, CodeNoTrust)
		}
	})
}

// listEntries lists a fingerprint set: its PDQ, pHash, SHA-256 and MD5.
func listEntries(f fingerprint.Fingerprints) []release.ListEntry {
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], uint64(f.PHash))
	return []release.ListEntry{
		{Kind: fingerprint.KindPDQ, Value: append([]byte(nil), f.PDQ[:]...)},
		{Kind: fingerprint.KindPHash, Value: p[:]},
		{Kind: fingerprint.KindSHA256, Value: append([]byte(nil), f.SHA256[:]...)},
		{Kind: fingerprint.KindMD5, Value: append([]byte(nil), f.MD5[:]...)},
	}
}

// queryText is the module's Check input for a fingerprint set.
func queryText(f fingerprint.Fingerprints) string {
	return "pdq " + f.PDQ.String() + "\nphash " + f.PHash.String() + "\nsha256 " + f.SHA256.String() + "\nmd5 " + f.MD5.String() + "\n"
}

type hit struct{ Kind, Key string }

// nativeHits is what the native bloom code says for the same query: every
// query key (per the release's layout) that a filter holds, in query order.
func nativeHits(r *release.Release, f fingerprint.Fingerprints) []hit {
	var out []hit
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], uint64(f.PHash))
	for _, q := range []struct {
		k fingerprint.Kind
		v []byte
	}{{fingerprint.KindPDQ, f.PDQ[:]}, {fingerprint.KindPHash, p[:]}, {fingerprint.KindSHA256, f.SHA256[:]}, {fingerprint.KindMD5, f.MD5[:]}} {
		seen := map[bloom.Key]bool{}
		for _, k := range r.Keyer.QueryKeys(bloom.Type(q.k), q.v, nil) {
			if r.Filters.Contains(k) && !seen[k] {
				seen[k] = true
				var b [8]byte
				binary.BigEndian.PutUint64(b[:], uint64(k))
				out = append(out, hit{q.k.String(), hex.EncodeToString(b[:])})
			}
		}
	}
	return out
}

// Filter answers inside the module equal the native bloom look-ups for the
// corpus: listed images hit (by PDQ band, pHash and digests), unlisted ones
// get the same answer natively and in the module, hit or miss.
func TestCheckMatchesNative(t *testing.T) {
	corpus := loadCorpus(t)
	var entries []release.ListEntry
	fps := make([]fingerprint.Fingerprints, len(corpus))
	listed := map[int]bool{}
	for i, c := range corpus {
		f, err := fingerprint.FromRGBA(c.pix, c.w, c.h)
		if err != nil {
			t.Fatal(err)
		}
		f.SHA256 = sha256.Sum256(c.file)
		f.SHA256, f.MD5 = fingerprint.Digest(c.file)
		fps[i] = f
		if i%3 == 0 {
			listed[i] = true
			entries = append(entries, listEntries(f)...)
		}
	}
	s := newSigner(t)
	b := testRelease(t, s, 7, entries)
	now := created.Add(time.Hour)
	rel, err := release.Accept(b, release.AcceptOptions{Trust: s.Trust(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	m := newModule(t)
	if _, err := m.SetTrust(release.MarshalPublicKeys(s.Public())); err != nil {
		t.Fatal(err)
	}
	if _, err := offer(t, m, b, 0, now); err != nil {
		t.Fatal(err)
	}
	hits, misses := 0, 0
	for i, c := range corpus {
		res, err := m.Check(queryText(fps[i]))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got struct {
			Hit  bool
			Hits []hit
		}
		if err := json.Unmarshal(res, &got); err != nil {
			t.Fatalf("%s: %q: %v", c.name, res, err)
		}
		want := nativeHits(rel, fps[i])
		if got.Hit != (len(want) > 0) || len(got.Hits) != len(want) {
			t.Errorf("%s: module %s, native %v", c.name, res, want)
			continue
		}
		for j := range want {
			if got.Hits[j] != want[j] {
				t.Errorf("%s: hit %d: module %v, native %v", c.name, j, got.Hits[j], want[j])
			}
		}
		if listed[i] {
			kinds := map[string]bool{}
			for _, h := range got.Hits {
				kinds[h.Kind] = true
			}
			if !kinds["pdq"] || !kinds["phash"] || !kinds["sha256"] || !kinds["md5"] {
				t.Errorf("%s is listed but hit only %v", c.name, kinds)
			}
		}
		if got.Hit {
			hits++
		} else {
			misses++
		}
	}
	if hits < len(listed) || misses == 0 {
		t.Errorf("%d hits, %d misses over %d images (%d listed)", hits, misses, len(corpus), len(listed))
	}
}

// Malformed queries and calls out of order come back as status codes.
func TestCheckBadInput(t *testing.T) {
	m := newModule(t)
	var e *Error
	if _, err := m.Check("md5 00000000000000000000000000000000\n"); !asError(err, &e) || e.Code != CodeNoRelease {
		t.Errorf("check before a release: %v", err)
	}
	s := newSigner(t)
	m.SetTrust(release.MarshalPublicKeys(s.Public()))
	if _, err := offer(t, m, testRelease(t, s, 1, []release.ListEntry{{Kind: fingerprint.KindMD5, Value: make([]byte, 16)}}), 0, created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if res, err := m.Check("md5 00000000000000000000000000000000"); err != nil || !strings.Contains(string(res), `"hit":true`) {
		t.Errorf("listed md5: %s %v", res, err)
	}
	for _, q := range []string{
		"md5 0000",
		"md5 0000000000000000000000000000000G",
		"MD5 00000000000000000000000000000000",
		"dhash 0000000000000000",
		"md5 00000000000000000000000000000000\nmd5 00000000000000000000000000000000",
		"md5  00000000000000000000000000000000",
		"md5",
		strings.Repeat("x", 5000),
	} {
		if _, err := m.Check(q); !asError(err, &e) || (e.Code != CodeArgument && e.Code != 5) {
			t.Errorf("query %.40q: %v, want an argument error", q, err)
		}
	}
	// A pointer that is not a buffer from hg_alloc is refused, not read.
	code, msg, err := m.Call("hg_check", 12345, 10)
	if err != nil || code != CodeArgument || !strings.Contains(string(msg), "hg_alloc") {
		t.Errorf("bogus pointer: code %d %q %v", code, msg, err)
	}
	if _, err := m.SetTrust([]byte("ed25519 !!!\n")); !asError(err, &e) || e.Code != CodeArgument {
		t.Errorf("bad key file: %v", err)
	}
}
