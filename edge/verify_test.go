package edge

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseVerifyTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/verify/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = parseVerify(b)
			wantBad := strings.HasPrefix(filepath.Base(f), "bad-")
			if wantBad && !errors.Is(err, ErrBadVerify) {
				t.Errorf("parsed, want ErrBadVerify (err = %v)", err)
			}
			if !wantBad && err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}

func TestParseVerify(t *testing.T) {
	const pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	tests := []struct {
		name    string
		body    string
		wantErr string // empty: valid
	}{
		{"pdq", `{"pdq":"` + pdq + `","pdq_quality":99}`, ""},
		{"md5 only", `{"md5":"d41d8cd98f00b204e9800998ecf8427e"}`, ""},
		{"empty object", `{}`, "no fingerprint"},
		{"not an object", `[1]`, "wrong type"},
		{"quality too high", `{"pdq":"` + pdq + `","pdq_quality":101}`, "outside"},
		{"negative quality", `{"pdq":"` + pdq + `","pdq_quality":-1}`, "outside"},
		{"quality without pdq", `{"pdq_quality":80,"md5":"d41d8cd98f00b204e9800998ecf8427e"}`, "need pdq"},
		{"short pdq", `{"pdq":"abcd","pdq_quality":80}`, "pdq:"},
		{"phash 15 digits", `{"phash":"0123456789abcde"}`, "phash:"},
		{"nine dihedral", `{"pdq":"` + pdq + `","pdq_quality":80,"pdq_dihedral":[` + strings.Repeat(`"`+pdq+`",`, 8) + `"` + pdq + `"]}`, "at most 8"},
		{"robust", `{"pdq":"` + pdq + `","pdq_quality":80,"pdq_robust":[{"quality":90,"dihedral":[` + strings.Repeat(`"`+pdq+`",`, 7) + `"` + pdq + `"]}]}`, ""},
		{"robust of seven", `{"pdq":"` + pdq + `","pdq_quality":80,"pdq_robust":[{"quality":90,"dihedral":[` + strings.Repeat(`"`+pdq+`",`, 6) + `"` + pdq + `"]}]}`, "want 8"},
		{"robust without quality", `{"pdq":"` + pdq + `","pdq_quality":80,"pdq_robust":[{"dihedral":[` + strings.Repeat(`"`+pdq+`",`, 7) + `"` + pdq + `"]}]}`, "quality"},
		{"three robust", `{"pdq":"` + pdq + `","pdq_quality":80,"pdq_robust":[{},{},{}]}`, "at most 2"},
		{"robust without pdq", `{"md5":"d41d8cd98f00b204e9800998ecf8427e","pdq_robust":[]}`, "need pdq"},
		{"too large", `{"md5":"` + strings.Repeat(" ", MaxVerifyBytes) + `"}`, "over"},
		{"null pdq", `{"pdq":null,"md5":"d41d8cd98f00b204e9800998ecf8427e"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parseVerify([]byte(tt.body))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if q.PDQ != nil && q.PDQ.String() != pdq {
					t.Errorf("pdq = %s", q.PDQ)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrBadVerify) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want ErrBadVerify containing %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzParseVerify: any body either parses to a query with at least one
// fingerprint that survives a round trip, or is refused with ErrBadVerify.
func FuzzParseVerify(f *testing.F) {
	files, _ := filepath.Glob("testdata/verify/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		q, err := parseVerify(body)
		if err != nil {
			if !errors.Is(err, ErrBadVerify) {
				t.Fatalf("error %v does not wrap ErrBadVerify", err)
			}
			return
		}
		if q.PDQ == nil && q.PHash == nil && q.SHA256 == nil && q.MD5 == nil && q.Frames == nil {
			t.Fatal("accepted a query with no fingerprint")
		}
		// Re-encode in canonical form: it must parse to the same query.
		r := map[string]any{}
		if q.PDQ != nil {
			r["pdq"], r["pdq_quality"] = q.PDQ.String(), q.PDQQuality
			if len(q.Dihedral) > 0 {
				var d []string
				for _, h := range q.Dihedral {
					d = append(d, h.String())
				}
				r["pdq_dihedral"] = d
			}
			if q.Robust != nil {
				var rs []map[string]any
				for _, x := range q.Robust {
					var d []string
					for _, h := range x.Dihedral {
						d = append(d, h.String())
					}
					rs = append(rs, map[string]any{"quality": x.Quality, "dihedral": d})
				}
				r["pdq_robust"] = rs
			}
		}
		if q.PHash != nil {
			r["phash"] = q.PHash.String()
		}
		if q.SHA256 != nil {
			r["sha256"] = q.SHA256.String()
		}
		if q.MD5 != nil {
			r["md5"] = q.MD5.String()
		}
		if q.Frames != nil {
			var fs []string
			for _, f := range q.Frames {
				fs = append(fs, f.PDQ.String()+","+strconv.Itoa(f.Quality)+","+strconv.FormatFloat(f.Timestamp.Seconds(), 'f', 3, 64))
			}
			r["vpdq"] = fs
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		q2, err := parseVerify(b)
		if err != nil {
			t.Fatalf("canonical form %s refused: %v", b, err)
		}
		if !equalQuery(q, q2) {
			t.Fatalf("round trip changed the query: %+v vs %+v", q, q2)
		}
	})
}

func equalQuery(a, b verifyQuery) bool {
	eq := func(x, y bool) bool { return x == y }
	if !eq(a.PDQ == nil, b.PDQ == nil) || !eq(a.PHash == nil, b.PHash == nil) ||
		!eq(a.SHA256 == nil, b.SHA256 == nil) || !eq(a.MD5 == nil, b.MD5 == nil) ||
		a.PDQQuality != b.PDQQuality || len(a.Dihedral) != len(b.Dihedral) || !slices.Equal(a.Frames, b.Frames) ||
		!slices.Equal(a.Robust, b.Robust) {
		return false
	}
	if a.PDQ != nil && *a.PDQ != *b.PDQ || a.PHash != nil && *a.PHash != *b.PHash ||
		a.SHA256 != nil && *a.SHA256 != *b.SHA256 || a.MD5 != nil && *a.MD5 != *b.MD5 {
		return false
	}
	for i := range a.Dihedral {
		if a.Dihedral[i] != b.Dihedral[i] {
			return false
		}
	}
	return true
}
