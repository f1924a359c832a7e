package edge

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzFastVerify holds the hand-written decoder of /v1/verify bodies to
// encoding/json: whatever the fast path accepts, encoding/json (strict, as
// parseVerify runs it) must decode to the same request.
func FuzzFastVerify(f *testing.F) {
	files, _ := filepath.Glob("testdata/verify/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"pdq":null,"pdq_quality":-0,"pdq_dihedral":[]}`,
		` { "md5" : "x" , "phash":"y" } `,
		`{"pdq_quality":012}`, `{"pdq_quality":1e2}`, `{"PDQ":"a"}`, `{"pdq":"a","pdq":"b"}`,
		`{"pdq_dihedral":["a","b","c","d","e","f","g","h","i","j"]}`, `{"sha256":"\u0041"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast verifyRequest
		if !fastVerify(body, &fast) {
			return
		}
		var slow verifyRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&slow); err != nil {
			t.Fatalf("fast path accepted %q; encoding/json refuses it: %v", body, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("fast path accepted %q; encoding/json finds trailing data", body)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path %+v, encoding/json %+v", body, fast, slow)
		}
	})
}

// TestFastVerifyTakesCommonBodies: the bodies checkers send take the fast
// path (otherwise it would be dead code, and FuzzFastVerify vacuous).
func TestFastVerifyTakesCommonBodies(t *testing.T) {
	const pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	for _, tc := range []struct {
		body string
		fast bool
	}{
		{`{"pdq":"` + pdq + `","pdq_quality":100}`, true},
		{"{\n  \"pdq\": \"" + pdq + "\",\n  \"pdq_quality\": 7,\n  \"pdq_dihedral\": [\"" + pdq + "\"],\n  \"md5\": null\n}\n", true},
		{`{"md5":"d41d8cd98f00b204e9800998ecf8427e","phash":"0123456789abcdef","sha256":"` + pdq + `"}`, true},
		{`{"pdq_quality":1.0}`, false},
		{`{"Pdq":"` + pdq + `"}`, false},
		{`{"md5":"a","md5":"b"}`, false},
		{`{"md5":"a"} x`, false},
		{`{"md5":"\u0061"}`, false},
	} {
		var r verifyRequest
		if got := fastVerify([]byte(tc.body), &r); got != tc.fast {
			t.Errorf("fastVerify(%q) = %v, want %v", tc.body, got, tc.fast)
		}
	}
}

// TestWriteNoMatch: the hand-written no-match answer is byte for byte what
// writeJSON makes of the same verdict.
func TestWriteNoMatch(t *testing.T) {
	for _, release := range []uint64{0, 1, 42, 1<<64 - 1} {
		var a, b fasthttp.RequestCtx
		writeNoMatch(&a, release)
		writeJSON(&b, fasthttp.StatusOK, &verdict{Release: release, Matches: []matchJSON{}})
		if !bytes.Equal(a.Response.Body(), b.Response.Body()) || a.Response.StatusCode() != b.Response.StatusCode() ||
			string(a.Response.Header.ContentType()) != string(b.Response.Header.ContentType()) {
			t.Fatalf("release %d: %d %q %s, want %d %q %s", release,
				a.Response.StatusCode(), a.Response.Header.ContentType(), a.Response.Body(),
				b.Response.StatusCode(), b.Response.Header.ContentType(), b.Response.Body())
		}
	}
}
