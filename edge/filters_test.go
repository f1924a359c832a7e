package edge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestFilterServedFromDisk(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("filter bytes on disk "), 50_000) // ~1 MB: more than one write
	sum := sha256.Sum256(data)
	a, err := storeFilter(dir, data, sum)
	if err != nil {
		t.Fatal(err)
	}
	name := hex.EncodeToString(sum[:])
	if a.Path != filepath.Join(dir, "filter-"+name+".bin") || a.Size != int64(len(data)) || a.Data != nil {
		t.Fatalf("artifact %+v", a)
	}
	e := startEdge(t, testConfig())
	snap := testSnapshot(1, []byte("unused"))
	snap.Filters = map[string]Artifact{name: a}
	e.Load(snap)
	url := e.url + "/v1/filter/" + name

	// With the collector off, a file left open is not closed by its
	// finaliser either, so a leak shows in the count.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	fds := openFDs(t)
	for range 50 {
		resp, body := do(t, "GET", url, nil)
		if resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Fatalf("GET = %d, %d bytes, want 200 and the file's %d", resp.StatusCode, len(body), len(data))
		}
		if resp.Header.Get("ETag") != `"`+name+`"` || resp.Header.Get("Cache-Control") != cacheImmutable ||
			resp.Header.Get("Content-Length") != strconv.Itoa(len(data)) {
			t.Fatalf("headers %v", resp.Header)
		}
	}
	resp, body := do(t, "HEAD", url, nil)
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(data)) {
		t.Fatalf("HEAD = %d, %d bytes, Content-Length %q", resp.StatusCode, len(body), resp.Header.Get("Content-Length"))
	}
	resp, body = do(t, "GET", url, nil, "If-None-Match", `"`+name+`"`)
	if resp.StatusCode != 304 || len(body) != 0 || resp.Header.Get("ETag") != `"`+name+`"` {
		t.Fatalf("revalidation = %d %q", resp.StatusCode, body)
	}
	// Every response closed its file: a leak would show after 50.
	if got := openFDs(t); got > fds+5 {
		t.Errorf("open descriptors %d after the requests, %d before", got, fds)
	}

	// A file changed behind the edge's back is not served as the filter.
	if err := os.WriteFile(a.Path, data[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	resp, body = do(t, "GET", url, nil)
	if resp.StatusCode != 500 || !bytes.Contains(body, []byte(`"code"`)) || resp.Header.Get("Cache-Control") == cacheImmutable {
		t.Errorf("damaged file = %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// A file pruned after the request read the snapshot answers 404.
	if err := os.Remove(a.Path); err != nil {
		t.Fatal(err)
	}
	resp, body = do(t, "GET", url, nil)
	if resp.StatusCode != 404 || resp.Header.Get("Cache-Control") == cacheImmutable {
		t.Errorf("missing file = %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestStoreFilterReplacesDamagedFile(t *testing.T) {
	dir := t.TempDir()
	data := []byte("the real filter")
	sum := sha256.Sum256(data)
	path := filepath.Join(dir, filterFileName(hex.EncodeToString(sum[:])))
	if err := os.WriteFile(path, []byte("the rea! filter"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := storeFilter(dir, data, sum); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Fatalf("file holds %q after storeFilter, want %q", got, data)
	}
	if _, err := storeFilter(filepath.Join(dir, "missing"), data, sum); err == nil {
		t.Error("storeFilter into a missing directory did not fail")
	}
}

// TestReloadKeepsFiltersOnDisk loads three real releases through a
// ReleaseVerifier with a FilterDir: each release's filter is written there
// and dropped from the bundle, the edge serves the current and previous
// release's filters from the files, and older files (and leftovers from an
// earlier run) are removed while other files are left alone.
func TestReloadKeepsFiltersOnDisk(t *testing.T) {
	dir := t.TempDir()
	stray := filepath.Join(dir, filterFileName(hex.EncodeToString(make([]byte, 32))))
	tmp := filepath.Join(dir, ".filter-123.tmp")
	foreign := filepath.Join(dir, "notes.txt")
	for _, f := range []string{stray, tmp, foreign} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := newPublisher(t)
	v := NewReleaseVerifier(p.signer.Trust(), p.edgeKey, match.DefaultOptions())
	v.FilterDir = dir
	e := startEdge(t, testConfig())

	var names [][]string // filter digests of each release
	var bodies []map[string][]byte
	for ver := uint64(1); ver <= 3; ver++ {
		var h fingerprint.PDQHash
		h[0], h[31] = byte(ver), 0x5a
		b := p.bundle(ver, time.Hour, []release.ListEntry{pdqEntry(h, "label")})
		m, err := release.ParseManifest(b.Manifest)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]byte{}
		for _, a := range m.Artifacts {
			if a.Role == release.RoleFilter || a.Role == release.RoleDelta {
				want[hex.EncodeToString(a.SHA256[:])] = slices.Clone(b.Artifacts[a.Name])
			}
		}
		snap, err := v.Verify(context.Background(), b, ver-1, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || len(snap.Filters) != len(want) {
			t.Fatalf("release %d: %d filters in the snapshot, %d in the manifest", ver, len(snap.Filters), len(want))
		}
		var ns []string
		for n, a := range snap.Filters {
			got, err := os.ReadFile(a.Path)
			if err != nil || !bytes.Equal(got, want[n]) || a.Data != nil {
				t.Fatalf("release %d: filter %s on disk: %v (equal: %v, in memory: %v)", ver, n, err, bytes.Equal(got, want[n]), a.Data != nil)
			}
			ns = append(ns, n)
		}
		for _, a := range m.Artifacts {
			if _, held := b.Artifacts[a.Name]; held && a.Role == release.RoleFilter {
				t.Errorf("release %d: the bundle still holds filter %s in memory", ver, a.Name)
			}
		}
		e.Load(snap)
		names = append(names, ns)
		bodies = append(bodies, want)
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	for i, ns := range names {
		for _, n := range ns {
			path := filepath.Join(dir, filterFileName(n))
			resp, body := do(t, "GET", e.url+"/v1/filter/"+n, nil)
			if i == 0 {
				// Two releases ago: neither current nor previous.
				if exists(path) || resp.StatusCode != 404 {
					t.Errorf("release 1's filter: file kept %v, GET %d", exists(path), resp.StatusCode)
				}
				continue
			}
			if !exists(path) || resp.StatusCode != 200 || !bytes.Equal(body, bodies[i][n]) {
				t.Errorf("release %d's filter: file kept %v, GET %d", i+1, exists(path), resp.StatusCode)
			}
		}
	}
	if exists(stray) || exists(tmp) || !exists(foreign) {
		t.Errorf("after pruning: stray filter kept %v, temp file kept %v, foreign file kept %v", exists(stray), exists(tmp), exists(foreign))
	}
}
