package checker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

// accepted returns a Checker holding a release that lists the empty file's MD5.
func accepted(t testing.TB) *Checker {
	t.Helper()
	s, err := release.GenerateSigner(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, md5 := fingerprint.Digest(nil)
	now := time.Now()
	b, err := release.Build([]release.ListEntry{{Kind: fingerprint.KindMD5, Value: md5[:]}},
		release.BuildOptions{Version: 1, Created: now, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	c := New()
	if code := c.SetTrust(release.MarshalPublicKeys(s.Public())); code != OK {
		t.Fatalf("SetTrust: %d %s", code, c.Result())
	}
	c.PutPart(PartManifest, "", b.Manifest)
	c.PutPart(PartSignature, "", b.Signature)
	for n, d := range b.Artifacts {
		c.PutPart(PartArtifact, n, d)
	}
	if code := c.Accept(0, now.Add(time.Minute)); code != OK {
		t.Fatalf("Accept: %d %s", code, c.Result())
	}
	return c
}

func TestCheckQueries(t *testing.T) {
	c := accepted(t)
	for _, tc := range []struct {
		file string
		code Code
		hit  bool
	}{
		{"full.txt", OK, true},
		{"md5-no-newline.txt", OK, true},
		{"duplicate.txt", CodeArgument, false},
	} {
		q, err := os.ReadFile(filepath.Join("testdata", "query", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		code := c.Check(q)
		if code != tc.code {
			t.Errorf("%s: code %d (%s), want %d", tc.file, code, c.Result(), tc.code)
			continue
		}
		if code == OK {
			var r struct{ Hit bool }
			if err := json.Unmarshal(c.Result(), &r); err != nil || r.Hit != tc.hit {
				t.Errorf("%s: %s (%v), want hit %v", tc.file, c.Result(), err, tc.hit)
			}
		}
	}
}

// FuzzCheck: any query text gives OK with valid JSON or an error code with
// a message that starts with the package name; never a panic.
func FuzzCheck(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "query", "*.txt"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	c := accepted(f)
	f.Fuzz(func(t *testing.T, q []byte) {
		code := c.Check(q)
		if code == OK {
			var r struct {
				Hit  bool
				Hits []struct{ Kind, Key string }
			}
			if err := json.Unmarshal(c.Result(), &r); err != nil {
				t.Fatalf("OK with invalid JSON %q: %v", c.Result(), err)
			}
			if r.Hit != (len(r.Hits) > 0) {
				t.Fatalf("inconsistent result %s", c.Result())
			}
			return
		}
		if !strings.HasPrefix(string(c.Result()), "checker: ") {
			t.Fatalf("code %d with message %q", code, c.Result())
		}
	})
}

// FuzzPutParts: arbitrary manifests and signatures are refused with a rule
// code and the release in use stays.
func FuzzPutParts(f *testing.F) {
	f.Add([]byte(`{"format":"1.0"}`), []byte("sig"))
	f.Add([]byte{}, []byte{})
	c := accepted(f)
	c.Info()
	before := string(c.Result())
	f.Fuzz(func(t *testing.T, man, sig []byte) {
		c.PutPart(PartManifest, "", man)
		c.PutPart(PartSignature, "", sig)
		if code := c.Accept(0, time.Now()); code == OK {
			t.Fatalf("accepted an arbitrary manifest %q", man)
		} else if code < CodeFormat {
			t.Fatalf("code %d: %s", code, c.Result())
		}
		c.Info()
		if string(c.Result()) != before {
			t.Fatalf("release in use changed")
		}
	})
}
