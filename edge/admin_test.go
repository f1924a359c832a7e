package edge

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// startAdmin serves e's admin API on a loopback port of its own.
func startAdmin(t *testing.T, e *testEdge, auth AdminAuth) string {
	t.Helper()
	addr, _ := testenv.StartServer(t, func(ctx context.Context, ln net.Listener) error { return e.ServeAdmin(ctx, ln, auth) })
	return "http://" + addr
}

// The admin API refuses requests without the token or with a wrong one;
// with it, it looks up a real match by its id (from memory, and from the
// audit file once memory has moved on), adds an allowlist entry that lets
// the file through at once (counted), removes it again, and serves
// /metrics. The public listener serves none of it.
func TestAdminAPI(t *testing.T) {
	const token = "admin-token-0123456789"
	listed := encodeJPEG(t, makeImage(41, 640, 480), 90)
	other := []byte("another listed file")
	entry := listedEntry(t, listed, "tve:appeal")
	otherDigest := sha256.Sum256(other)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	allowPath := filepath.Join(t.TempDir(), "allow.txt")
	cfg := testConfig()
	cfg.PrivateMetrics = true
	cfg.Allowlist = AllowlistConfig{Path: allowPath}
	cfg.Events = EventsConfig{AuditPath: audit, Keep: 1}
	e := startEdge(t, cfg)
	e.Load(indexSnapshot(t, 4, []match.Entry{entry, {Kind: fingerprint.KindSHA256, SHA256: otherDigest, Labels: []string{"x"}, Source: "l2"}}))
	admin := startAdmin(t, e, AdminAuth{Token: []byte(token)})
	bearer := []string{"Authorization", "Bearer " + token}

	for name, hdr := range map[string][]string{
		"no token":     nil,
		"wrong token":  {"Authorization", "Bearer " + token + "x"},
		"short token":  {"Authorization", "Bearer " + token[:8]},
		"not a bearer": {"Authorization", "Basic " + token},
	} {
		for _, path := range []string{"/metrics", "/admin/v1/allowlist", "/admin/v1/matches/nope"} {
			resp, body := do(t, "GET", admin+path, nil, hdr...)
			wantError(t, resp, body, 401, CodeUnauthorized)
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 without WWW-Authenticate", name, path)
			}
		}
	}
	// Nothing admin on the public listener (and /metrics kept off it).
	for _, path := range []string{"/admin/v1/allowlist", "/admin/v1/matches/0123", "/admin/v1/withdrawals", "/metrics"} {
		resp, body := do(t, "GET", e.url+path, nil, bearer...)
		wantError(t, resp, body, 404, CodeNotFound)
	}

	scan := func(b []byte, rid string) verdictJSON {
		t.Helper()
		resp, body := do(t, "POST", e.url+"/v1/scan", b, "Content-Type", "application/octet-stream", RequestIDHeader, rid)
		if resp.StatusCode != 200 {
			t.Fatalf("scan = %d %s", resp.StatusCode, body)
		}
		return decodeVerdict(t, body)
	}
	lookUp := func(id string) (int, Event) {
		t.Helper()
		resp, body := do(t, "GET", admin+"/admin/v1/matches/"+id, nil, bearer...)
		var ev Event
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(body, &ev); err != nil {
				t.Fatalf("look-up answer %s: %v", body, err)
			}
		}
		return resp.StatusCode, ev
	}

	// Appeals: a real match looked up by the id the verdict gave.
	v := scan(listed, "upload-1")
	if !v.Match || len(v.Matches) != 1 {
		t.Fatalf("the listed image does not match: %+v", v)
	}
	id := v.Matches[0].MatchID
	status, ev := lookUp(id)
	if status != 200 || ev.MatchID != id || ev.RequestID != "upload-1" || ev.List != "test-list" || ev.Release != 4 ||
		ev.Entry != release.EntryID(fingerprint.KindPDQ, entry.PDQ[:]) || ev.Action != ActionBlock || ev.Kind != "pdq" {
		t.Errorf("look-up of %s = %d %+v", id, status, ev)
	}
	// Keep is 1: the next match pushes the first out of memory, and the
	// look-up finds it in the audit file.
	v2 := scan(other, "upload-2")
	if status, ev := lookUp(id); status != 200 || ev.MatchID != id || ev.RequestID != "upload-1" {
		t.Errorf("look-up from the audit file = %d %+v", status, ev)
	}
	if status, ev := lookUp(v2.Matches[0].MatchID); status != 200 || ev.List != "l2" {
		t.Errorf("look-up of the second match = %d %+v", status, ev)
	}
	for _, bad := range []string{strings.Repeat("0", 28), "not-an-id", strings.Repeat("g", 28), id + "0"} {
		if status, _ := lookUp(bad); status != 404 {
			t.Errorf("look-up of %q = %d, want 404", bad, status)
		}
	}

	// The allowlist, by API: the file passes at once and is counted.
	sum := sha256.Sum256(listed)
	hexSum := hex.EncodeToString(sum[:])
	resp, body := do(t, "POST", admin+"/admin/v1/allowlist", []byte(`{"kind":"sha256","hash":"`+strings.ToUpper(hexSum)+`","note":"appeal 12: news footage"}`), bearer...)
	var added allowEntryJSON
	if resp.StatusCode != 201 || json.Unmarshal(body, &added) != nil || added.ID != "sha256:"+hexSum || added.Note != "appeal 12: news footage" {
		t.Fatalf("allowlist add = %d %s", resp.StatusCode, body)
	}
	if v := scan(listed, "upload-3"); v.Match || len(v.Matches) != 0 {
		t.Errorf("an allowlisted file still matches: %+v", v)
	}
	if v := scan(other, "upload-4"); !v.Match {
		t.Error("a file not on the allowlist passes")
	}
	if b, err := os.ReadFile(allowPath); err != nil || !strings.Contains(string(b), "sha256\t"+hexSum+"\tappeal 12: news footage\n") {
		t.Errorf("allowlist file (%v):\n%s", err, b)
	}
	resp, body = do(t, "GET", admin+"/admin/v1/allowlist", nil, bearer...)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id":"sha256:`+hexSum+`"`) {
		t.Errorf("allowlist = %d %s", resp.StatusCode, body)
	}
	metrics := func() string {
		t.Helper()
		resp, body := do(t, "GET", admin+"/metrics", nil, bearer...)
		if resp.StatusCode != 200 {
			t.Fatalf("admin /metrics = %d", resp.StatusCode)
		}
		return string(body)
	}
	m := metrics()
	for series, want := range map[string]float64{
		`hashgate_edge_allowlist_hits_total{kind="sha256"}`: 1,
		"hashgate_edge_allowlist_entries":                   1,
		"hashgate_edge_admin_auth_failures_total":           12,
		"hashgate_edge_match_events_total":                  3,
	} {
		if got := metricValue(m, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if !strings.Contains(e.logs.String(), `"msg":"edge: allowlisted file passed","allow_kind":"sha256","allow_entry":"sha256:`+hexSum+`"`) {
		t.Error("the allowlist hit is not logged")
	}

	// Removed: the file matches again.
	resp, body = do(t, "DELETE", admin+"/admin/v1/allowlist/sha256:"+hexSum, nil, bearer...)
	if resp.StatusCode != 204 {
		t.Fatalf("allowlist delete = %d %s", resp.StatusCode, body)
	}
	if v := scan(listed, "upload-5"); !v.Match {
		t.Error("a file taken off the allowlist still passes")
	}
	resp, body = do(t, "DELETE", admin+"/admin/v1/allowlist/sha256:"+hexSum, nil, bearer...)
	wantError(t, resp, body, 404, CodeNotFound)
	if metricValue(metrics(), "hashgate_edge_allowlist_entries") != 0 {
		t.Error("the allowlist is not empty after the delete")
	}

	for _, tt := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/admin/v1/allowlist", `{"kind":"phash","hash":"00"}`, 400, CodeBadRequest},
		{"POST", "/admin/v1/allowlist", `{"kind":"sha256","hash":"` + hexSum + `","extra":1}`, 400, CodeBadRequest},
		{"POST", "/admin/v1/allowlist", `{"kind":"sha256","hash":"` + hexSum + `"} {}`, 400, CodeBadRequest},
		{"PUT", "/admin/v1/allowlist", "", 405, CodeMethodNotAllowed},
		{"POST", "/metrics", "", 405, CodeMethodNotAllowed},
		{"GET", "/admin/v1/nope", "", 404, CodeNotFound},
	} {
		resp, body := do(t, tt.method, admin+tt.path, []byte(tt.body), bearer...)
		wantError(t, resp, body, tt.status, tt.code)
	}
	resp, body = do(t, "GET", admin+"/admin/v1/withdrawals", nil, bearer...)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"release":4`) {
		t.Errorf("withdrawals = %d %s", resp.StatusCode, body)
	}
}

// Without an allowlist the admin API says so instead of pretending.
func TestAdminWithoutAllowlist(t *testing.T) {
	e := startEdge(t, testConfig())
	if _, err := e.AdminHandler(AdminAuth{}); !errors.Is(err, ErrAdminAuth) {
		t.Errorf("no token nor client certificates: err %v, want ErrAdminAuth", err)
	}
	admin := startAdmin(t, e, AdminAuth{Token: []byte("t")})
	resp, body := do(t, "POST", admin+"/admin/v1/allowlist", []byte(`{"kind":"md5","hash":"`+strings.Repeat("0f", 16)+`"}`), "Authorization", "Bearer t")
	wantError(t, resp, body, 404, CodeNotFound)
}

// testCA is a certificate authority for the mTLS test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert, key}
}

// issue makes a leaf certificate for a server (on 127.0.0.1) or a client.
func (ca *testCA) issue(t *testing.T, name string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// Over mTLS the client certificate authenticates: a client the CA signed
// is served without a token, one without a certificate or with another
// CA's is refused in the handshake.
func TestAdminMutualTLS(t *testing.T) {
	ca, stranger := newTestCA(t, "hashgate admin CA"), newTestCA(t, "another CA")
	e := startEdge(t, testConfig())
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tln := tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{ca.issue(t, "edge", x509.ExtKeyUsageServerAuth)},
		ClientCAs:    pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ServeAdmin(ctx, tln, AdminAuth{ClientCerts: true}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeAdmin: %v", err)
		}
	})

	get := func(cert *tls.Certificate) (int, error) {
		tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		if cert != nil {
			tc.Certificates = []tls.Certificate{*cert}
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 20 * time.Second}
		defer c.CloseIdleConnections()
		resp, err := c.Get("https://" + ln.Addr().String() + "/metrics")
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	ops := ca.issue(t, "operator", x509.ExtKeyUsageClientAuth)
	if status, err := get(&ops); err != nil || status != 200 {
		t.Errorf("with the CA's client certificate: %d %v, want 200", status, err)
	}
	if status, err := get(nil); err == nil {
		t.Errorf("without a client certificate: %d, want a refused handshake", status)
	}
	intruder := stranger.issue(t, "intruder", x509.ExtKeyUsageClientAuth)
	if status, err := get(&intruder); err == nil {
		t.Errorf("with another CA's certificate: %d, want a refused handshake", status)
	}
}

// An appeal after a restart: the new edge finds the old edge's match id in
// the audit file they share.
func TestAdminLookupAfterRestart(t *testing.T) {
	digest := sha256.Sum256([]byte("listed before the restart"))
	snap := indexSnapshot(t, 6, []match.Entry{{Kind: fingerprint.KindSHA256, SHA256: digest, Labels: []string{"x"}, Source: "l"}})
	cfg := testConfig()
	cfg.Events = EventsConfig{AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Load(snap)
	addr, stop := testenv.StartServer(t, func(ctx context.Context, ln net.Listener) error { return s.Serve(ctx, ln, 5*time.Second) })
	_, body := do(t, "POST", "http://"+addr+"/v1/scan", []byte("listed before the restart"), RequestIDHeader, "before")
	v := decodeVerdict(t, body)
	if len(v.Matches) != 1 {
		t.Fatalf("scan = %s", body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	e := startEdge(t, cfg)
	e.Load(snap)
	admin := startAdmin(t, e, AdminAuth{Token: []byte("t")})
	resp, body := do(t, "GET", admin+"/admin/v1/matches/"+v.Matches[0].MatchID, nil, "Authorization", "Bearer t")
	var ev Event
	if resp.StatusCode != 200 || json.Unmarshal(body, &ev) != nil || ev.RequestID != "before" || ev.Release != 6 {
		t.Errorf("look-up after the restart = %d %s", resp.StatusCode, body)
	}
}
