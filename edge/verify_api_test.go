package edge

import (
	"crypto/sha256"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

func randomPDQ(r *rand.Rand) fingerprint.PDQHash {
	var h fingerprint.PDQHash
	for i := range h {
		h[i] = byte(r.Uint32())
	}
	return h
}

// flip returns h with n distinct bits flipped.
func flip(h fingerprint.PDQHash, n int, r *rand.Rand) fingerprint.PDQHash {
	for _, k := range r.Perm(256)[:n] {
		h[31-k/8] ^= 1 << (k % 8)
	}
	return h
}

// indexSnapshot is a snapshot over a real match.Index built from entries.
func indexSnapshot(t testing.TB, version uint64, entries []match.Entry) *Snapshot {
	t.Helper()
	ix, err := match.NewIndex(entries, match.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return &Snapshot{
		Version: version, Created: time.Now(), Expires: time.Now().Add(time.Hour),
		Manifest: []byte("{}"), Signature: []byte("sig"), Index: ix,
	}
}

type verdictJSON struct {
	Match   bool `json:"match"`
	Release int  `json:"release"`
	Matches []struct {
		Kind    string   `json:"kind"`
		Labels  []string `json:"labels"`
		List    string   `json:"list"`
		File    string   `json:"file"`
		MatchID string   `json:"match_id"`
		Action  string   `json:"action"`
	} `json:"matches"`
	Files int `json:"files"`
}

func TestVerify(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	listed := randomPDQ(r)
	digest := sha256.Sum256([]byte("a listed file"))
	entries := []match.Entry{
		{Kind: fingerprint.KindPDQ, PDQ: listed, Labels: []string{"tve", "logo"}, Source: "test-list"},
		{Kind: fingerprint.KindSHA256, SHA256: digest, Labels: []string{"video"}, Source: "other-list"},
	}
	for range 1000 {
		entries = append(entries, match.Entry{Kind: fingerprint.KindPDQ, PDQ: randomPDQ(r), Source: "noise"})
	}
	e := startEdge(t, testConfig())
	post := func(body string) (int, verdictJSON, string) {
		t.Helper()
		resp, b := do(t, "POST", e.url+"/v1/verify", []byte(body), "Content-Type", "application/json")
		var v verdictJSON
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("verdict not JSON: %s", b)
			}
		}
		return resp.StatusCode, v, string(b)
	}
	// Before a release is loaded the edge cannot answer.
	if code, _, _ := post(`{"md5":"d41d8cd98f00b204e9800998ecf8427e"}`); code != 503 {
		t.Fatalf("verify before load = %d, want 503", code)
	}
	e.Load(indexSnapshot(t, 7, entries))

	near := flip(listed, 12, r)
	far := flip(listed, 80, r)
	tests := []struct {
		name      string
		body      string
		wantMatch bool
		wantLabel string
	}{
		{"pdq within threshold", `{"pdq":"` + near.String() + `","pdq_quality":90}`, true, "tve"},
		{"pdq far away", `{"pdq":"` + far.String() + `","pdq_quality":90}`, false, ""},
		{"pdq low quality", `{"pdq":"` + near.String() + `","pdq_quality":20}`, false, ""},
		{"sha256 exact", `{"sha256":"` + fingerprint.SHA256Digest(digest).String() + `"}`, true, "video"},
		{"md5 unlisted", `{"md5":"d41d8cd98f00b204e9800998ecf8427e"}`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, v, raw := post(tt.body)
			if code != 200 {
				t.Fatalf("status %d: %s", code, raw)
			}
			if v.Match != tt.wantMatch || v.Release != 7 || (len(v.Matches) > 0) != tt.wantMatch {
				t.Fatalf("verdict = %s", raw)
			}
			if tt.wantMatch && !contains(v.Matches[0].Labels, tt.wantLabel) {
				t.Errorf("labels = %v, want %q", v.Matches[0].Labels, tt.wantLabel)
			}
			if strings.Contains(raw, "distance") || strings.Contains(raw, listed.String()) {
				t.Errorf("verdict leaks the listed hash or distance: %s", raw)
			}
		})
	}
	resp, body := do(t, "POST", e.url+"/v1/verify", []byte(`{"pdq":"zz"}`))
	wantError(t, resp, body, 400, CodeBadRequest)
	resp, body = do(t, "POST", e.url+"/v1/verify", []byte(`{}`), "Content-Type", "text/plain")
	wantError(t, resp, body, 415, CodeUnsupportedMedia)

	// Logs name the match's labels, never a fingerprint.
	logs := e.logs.String()
	if !strings.Contains(logs, `"msg":"edge: match"`) || !strings.Contains(logs, "tve") {
		t.Errorf("match not logged: %s", logs)
	}
	for _, h := range []string{listed.String(), near.String(), far.String(), fingerprint.SHA256Digest(digest).String()} {
		if strings.Contains(logs, h) {
			t.Errorf("logs contain a fingerprint %s", h)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
