package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/release"
)

// hg runs the CLI in-process and returns exit code, stdout and stderr.
func hg(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// mustHG runs the CLI and fails the test on a non-zero exit.
func mustHG(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errb := hg(t, args...)
	if code != 0 {
		t.Fatalf("hashgate %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errb)
	}
	return out
}

// writeList writes n random PDQ entries in TYPE<TAB>HEX<TAB>labels form,
// plus extra lines, and returns the path.
func writeList(t *testing.T, dir, name string, n int, seed uint64, extra ...string) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	labels := []string{"gifct:attacker-manifesto", "gifct:graphic-violence", "gifct:violent-propaganda"}
	for i := range n {
		var h [32]byte
		for j := range h {
			h[j] = byte(r.Uint32())
		}
		fmt.Fprintf(&b, "pdq\t%s\t%s\n", hex.EncodeToString(h[:]), labels[i%len(labels)])
	}
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeFile writes random bytes standing in for an uploaded file and
// returns its path and SHA-256 hex.
func writeFile(t *testing.T, dir, name string, seed uint64) (string, string) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return p, hex.EncodeToString(sum[:])
}

type keys struct{ pub, edge, edgePub string }

func genKeys(t *testing.T, dir string) keys {
	t.Helper()
	k := keys{pub: filepath.Join(dir, "pub"), edge: filepath.Join(dir, "edge")}
	out := mustHG(t, "keygen", "--out", k.pub)
	mustHG(t, "keygen", "--out", k.edge, "--edge")
	k.edgePub = filepath.Join(k.edge, edgePubFile)
	// Private keys are 0600 and never printed.
	for _, p := range []string{filepath.Join(k.pub, publisherKeyFile), filepath.Join(k.edge, edgeKeyFile)} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, st.Mode().Perm())
		}
		priv, _ := os.ReadFile(p)
		for _, line := range strings.Split(string(priv), "\n") {
			if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(line, "#") && strings.Contains(out, f[1]) {
				t.Errorf("keygen printed private key material")
			}
		}
	}
	return k
}

func TestPublisherRoundTrip(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	listed, listedSum := writeFile(t, dir, "listed.bin", 1)
	unlisted, _ := writeFile(t, dir, "unlisted.bin", 2)
	list := writeList(t, dir, "list.tsv", 10_000, 7, "sha256\t"+listedSum+"\tpublisher:reviewed")
	rel := filepath.Join(dir, "rel")

	out := mustHG(t, "build", "--list", list, "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "5")
	if !strings.Contains(out, "10001 entries") {
		t.Errorf("build output %q", out)
	}
	out = mustHG(t, "verify", rel, "--pub", k.pub)
	if !strings.HasPrefix(out, "OK:") || !strings.Contains(out, "version 5") {
		t.Errorf("verify output %q", out)
	}
	if code, _, errb := hg(t, "verify", rel, "--pub", k.pub, "--last-version", "5"); code != 1 || !strings.Contains(errb, "rule rollback") {
		t.Errorf("verify --last-version 5: exit %d, %q", code, errb)
	}

	out = mustHG(t, "inspect", rel, "--edge-key", k.edge)
	for _, want := range []string{"version 5", "pdq 10000", "sha256 1", "gifct:attacker-manifesto 3334", "publisher:reviewed 1", "ml-dsa-65", "ed25519", "false candidates per clean image"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	var rep inspectReport
	if err := json.Unmarshal([]byte(mustHG(t, "inspect", rel, "--json", "--pub", k.pub)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version != 5 || rep.Entries["pdq"] != 10000 || rep.Verified == nil || !*rep.Verified || rep.Filter.SizeBytes == 0 ||
		rep.Filter.LookupFPR <= 0 || rep.Filter.LookupFPR > 1e-3 || len(rep.Signers) != 2 || !rep.Signers[1].Signature {
		t.Errorf("inspect --json: %+v", rep)
	}

	out = mustHG(t, "check", listed, unlisted, "--release", rel, "--pub", k.pub)
	if !strings.Contains(out, listed+": candidate (sha256)") {
		t.Errorf("listed file not a candidate: %q", out)
	}
	if !strings.Contains(out, unlisted+": no known match") {
		t.Errorf("unlisted file not clean: %q", out)
	}
}

func TestBuildReportsBadLines(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	list := writeList(t, dir, "list.tsv", 10, 1, "pdq\tzz", "url https://example.com", "md5\td35c7855ab20d5d7ab2a7df5d5a2d6e2")
	code, out, errb := hg(t, "build", "--list", list, "--out", filepath.Join(dir, "r"), "--key", k.pub, "--no-edge")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(errb, "list.tsv:11: ") || !strings.Contains(errb, "list.tsv:12: unsupported signal type") {
		t.Errorf("problems not reported with file and line: %q", errb)
	}
	if !strings.Contains(out, "11 entries") || !strings.Contains(out, "2 invalid lines skipped") {
		t.Errorf("build summary %q", out)
	}
	// Not a terminal: no progress bar escape codes.
	if strings.Contains(errb, "\r") {
		t.Errorf("progress output on a non-terminal: %q", errb)
	}
	code, _, errb = hg(t, "build", "--strict", "--list", list, "--out", filepath.Join(dir, "r2"), "--key", k.pub, "--no-edge")
	if code != 1 || !strings.Contains(errb, "list.tsv:11") {
		t.Errorf("--strict: exit %d, %q", code, errb)
	}
	if _, err := os.Stat(filepath.Join(dir, "r2", release.ManifestFile)); err == nil {
		t.Errorf("--strict failure still wrote a release")
	}
}

func TestBuildUnsignedThenSign(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	list := writeList(t, dir, "list.tsv", 100, 3)
	rel := filepath.Join(dir, "rel")
	mustHG(t, "build", "--list", list, "--out", rel, "--pub", filepath.Join(k.pub, publisherPubFile), "--no-edge")
	if code, _, errb := hg(t, "verify", rel, "--pub", k.pub, "--browser"); code != 1 || !strings.Contains(errb, "rule signature") {
		t.Fatalf("unsigned release: exit %d %q", code, errb)
	}
	mustHG(t, "sign", rel, "--key", k.pub)
	mustHG(t, "verify", rel, "--pub", k.pub, "--browser")
	// Another publisher's key cannot sign it.
	other := filepath.Join(dir, "other")
	mustHG(t, "keygen", "--out", other)
	if code, _, errb := hg(t, "sign", rel, "--key", other); code != 1 || !strings.Contains(errb, "does not name key") {
		t.Errorf("sign with a key the manifest does not name: exit %d %q", code, errb)
	}
}

func TestVerifyRefusesTampering(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	rel := filepath.Join(dir, "rel")
	mustHG(t, "build", "--list", writeList(t, dir, "l.tsv", 50, 4), "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub)
	m, _ := os.ReadFile(filepath.Join(rel, release.ManifestFile))
	man, _ := release.ParseManifest(m)
	p := filepath.Join(rel, man.ArtifactsByRole(release.RoleFilter)[0].Name)
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 1
	os.WriteFile(p, b, 0o644)
	code, _, errb := hg(t, "verify", rel, "--pub", k.pub)
	if code != 1 || !strings.Contains(errb, "REFUSED (rule digest)") {
		t.Errorf("flipped filter byte: exit %d %q", code, errb)
	}
}

func TestPublisherHelp(t *testing.T) {
	for _, c := range []string{"keygen", "build", "sign", "verify", "inspect", "diff", "check"} {
		code, out, _ := hg(t, c, "--help")
		if code != 0 || !strings.Contains(out, "Usage: hashgate "+c) || !strings.Contains(out, "Flags:") {
			t.Errorf("%s --help: exit %d, %q", c, code, out)
		}
		if code, _, errb := hg(t, c); code != exitUsage || !strings.Contains(errb, "hashgate "+c) {
			t.Errorf("%s without arguments: exit %d, %q", c, code, errb)
		}
	}
}

// BenchmarkBuild times "hashgate build" end to end (read the list, parse,
// de-duplicate, derive keys, build the filter, encrypt the list, sign,
// write) on lists of random PDQ hashes. Peak memory of the same work as a
// process: see docs/release.md (measured with /usr/bin/time -v).
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{100_000, 2_100_000} {
		b.Run(fmt.Sprintf("pdq=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			list := benchList(b, dir, n)
			var out, errb bytes.Buffer
			for _, args := range [][]string{{"keygen", "--out", filepath.Join(dir, "k")}, {"keygen", "--edge", "--out", filepath.Join(dir, "e")}} {
				if code := run(context.Background(), args, &out, &errb); code != 0 {
					b.Fatal(errb.String())
				}
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				code := run(context.Background(), []string{"build", "--list", list, "--out", filepath.Join(dir, fmt.Sprint("r", i)),
					"--key", filepath.Join(dir, "k"), "--edge-pub", filepath.Join(dir, "e")}, &out, &errb)
				if code != 0 {
					b.Fatal(errb.String())
				}
			}
		})
	}
}

func benchList(b *testing.B, dir string, n int) string {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	p := filepath.Join(dir, "list.tsv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	labels := []string{"gifct:attacker-manifesto", "gifct:graphic-violence", "gifct:violent-propaganda"}
	var h [32]byte
	line := make([]byte, 0, 128)
	for i := range n {
		for j := range h {
			h[j] = byte(r.Uint32())
		}
		line = append(line[:0], "pdq\t"...)
		line = hex.AppendEncode(line, h[:])
		line = append(line, '\t')
		line = append(line, labels[i%3]...)
		line = append(line, '\n')
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return p
}

// TestProgress checks the bar's rules with a writer forced on (a real
// terminal is not available in tests): silent for the first second, then a
// carriage-return bar, and a final newline only if something was drawn.
func TestProgress(t *testing.T) {
	var w bytes.Buffer
	p := &progress{w: &w, on: true, label: "reading", total: 100, start: time.Now()}
	p.Add(10)
	p.Done()
	if w.Len() != 0 {
		t.Fatalf("drew within the first second: %q", w.String())
	}
	p.start = time.Now().Add(-2 * time.Second)
	p.Add(40)
	p.Done()
	if got := w.String(); !strings.HasPrefix(got, "\rreading") || !strings.Contains(got, " 50% 50/100") || !strings.HasSuffix(got, "\n") {
		t.Errorf("bar %q", got)
	}
	var off bytes.Buffer
	q := newProgress(&off, "x", 1) // a bytes.Buffer is not a terminal
	q.start = time.Now().Add(-2 * time.Second)
	q.Add(1)
	q.Done()
	if off.Len() != 0 {
		t.Errorf("drew on a non-terminal: %q", off.String())
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBuildFromMediaVariantFlags: --crops=false and --turns=false each
// leave their hashes out of the list.
func TestBuildFromMediaVariantFlags(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	mediaDir := filepath.Join(dir, "media")
	os.Mkdir(mediaDir, 0o755)
	copyFile(t, filepath.Join(testenv.PDQDir(t), "images", "bridge-mods", "aaa-orig.jpg"), filepath.Join(mediaDir, "orig.jpg"))
	for i, tt := range []struct {
		flags []string
		want  string
	}{
		{nil, "pdq 43"},
		{[]string{"--turns=false"}, "pdq 37"},
		{[]string{"--crops=false"}, "pdq 7"},
		{[]string{"--crops=false", "--turns=false"}, "pdq 1 "},
	} {
		rel := filepath.Join(dir, "rel"+strconv.Itoa(i))
		args := append([]string{"build", "--from-media", mediaDir, "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub}, tt.flags...)
		if code, _, errb := hg(t, args...); code != 0 {
			t.Fatalf("build %v: %d %s", tt.flags, code, errb)
		}
		if insp := mustHG(t, "inspect", rel, "--edge-key", k.edge); !strings.Contains(insp, tt.want) {
			t.Errorf("build %v: inspect lacks %q:\n%s", tt.flags, tt.want, insp)
		}
	}
}

// TestBuildFromMedia lists a real photo by hashing it, then checks
// modified copies of it (other bytes, nearby PDQ) and an unrelated image the
// way a browser would.
func TestBuildFromMedia(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	imgs := filepath.Join(testenv.PDQDir(t), "images")
	mediaDir := filepath.Join(dir, "media")
	os.Mkdir(mediaDir, 0o755)
	copyFile(t, filepath.Join(imgs, "bridge-mods", "aaa-orig.jpg"), filepath.Join(mediaDir, "orig.jpg"))
	// A flat grey image: PDQ quality 0, dropped unless --keep-low-quality.
	flat := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range flat.Pix {
		flat.Pix[i] = 128
	}
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, flat)
	os.WriteFile(filepath.Join(mediaDir, "flat.png"), pngBuf.Bytes(), 0o644)
	os.WriteFile(filepath.Join(mediaDir, "notes.txt"), []byte("not an image"), 0o644)

	rel := filepath.Join(dir, "rel")
	// At the default rate an unlisted image is a false candidate in about
	// 0.4% of releases (263 look-ups at 2^-16; the release key is fresh
	// each run), which would make c.png's "no known match" below flaky. At
	// 1e-9 that chance is about 3e-7.
	code, out, errb := hg(t, "build", "--list", writeList(t, dir, "l.tsv", 1000, 9), "--from-media", mediaDir,
		"--label", "gifct:graphic-violence", "--fpr", "1e-9", "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub)
	if code != 0 {
		t.Fatalf("build: %d %s", code, errb)
	}
	if !strings.Contains(out, "1 low-quality PDQ dropped") {
		t.Errorf("flat image not dropped for quality: %q", out)
	}
	if !strings.Contains(errb, "notes.txt") {
		t.Errorf("undecodable file not reported: %q", errb)
	}
	insp := mustHG(t, "inspect", rel, "--edge-key", k.edge)
	// 1000 PDQ from the list + orig.jpg's PDQ, its 36 sub-crops' and its 6 turns'
	// (--crops, --turns); its pHash; SHA-256 and MD5 of all three media files.
	for _, want := range []string{"pdq 1043", "phash 1", "sha256 3", "md5 3", "gifct:graphic-violence 383"} {
		if !strings.Contains(insp, want) {
			t.Errorf("inspect lacks %q:\n%s", want, insp)
		}
	}
	tests := []struct {
		file, want string
	}{
		{filepath.Join(mediaDir, "orig.jpg"), "candidate (pdq, phash, sha256, md5)"},
		{filepath.Join(imgs, "bridge-mods", "blur-a-little.jpg"), "candidate (pdq"},
		{filepath.Join(imgs, "bridge-mods", "shrink-a-little.jpg"), "candidate (pdq"},
		{filepath.Join(imgs, "misc-images", "c.png"), "no known match"},
	}
	for _, tt := range tests {
		out := mustHG(t, "check", tt.file, "--release", rel, "--pub", k.pub)
		if !strings.Contains(out, tt.file+": "+tt.want) {
			t.Errorf("check %s: %q, want %q", filepath.Base(tt.file), out, tt.want)
		}
	}
}

func TestBuildOblivious(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	list := writeList(t, dir, "list.tsv", 200, 8)
	rel := filepath.Join(dir, "rel")
	mustHG(t, "build", "--mode", "oblivious", "--list", list, "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "3")
	var rep inspectReport
	if err := json.Unmarshal([]byte(mustHG(t, "inspect", rel, "--json", "--pub", k.pub)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Oblivious == nil || rep.Oblivious.Suite != "ristretto255-SHA512" || len(rep.Oblivious.PublicKey) != 32 {
		t.Errorf("inspect: oblivious %+v", rep.Oblivious)
	}
	if out := mustHG(t, "inspect", rel); !strings.Contains(out, "oblivious  ristretto255-SHA512, public key ") {
		t.Errorf("inspect:\n%s", out)
	}
	if rep.Filter.Layout != release.DefaultObliviousLayout.String() || rep.Filter.Keys < 8*200*9/10 {
		t.Errorf("inspect: layout %s, %d keys", rep.Filter.Layout, rep.Filter.Keys)
	}
	m, err := os.ReadFile(filepath.Join(rel, release.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m), `"suite": "ristretto255-SHA512"`) || strings.Contains(string(m), "release_key") {
		t.Errorf("manifest:\n%s", m)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"--mode", "oblivious", "--layout", "4x64+p1"}},
		{[]string{"--layout", "8x32/oblivious"}},
		{[]string{"--mode", "secret"}},
	} {
		args := append([]string{"build", "--list", list, "--out", filepath.Join(dir, "bad"), "--key", k.pub, "--edge-pub", k.edgePub}, tc.args...)
		if code, _, errb := hg(t, args...); code != 2 || errb == "" {
			t.Errorf("%v: exit %d, %q", tc.args, code, errb)
		}
	}
	if code, _, errb := hg(t, "build", "--mode", "oblivious", "--list", list, "--out", filepath.Join(dir, "b2"), "--key", k.pub, "--no-edge"); code != 2 || !strings.Contains(errb, "oblivious") {
		t.Errorf("--no-edge: exit %d, %q", code, errb)
	}
}
