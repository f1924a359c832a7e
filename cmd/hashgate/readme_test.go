package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/internal/testenv"
)

// readmeBlocks returns the commands of README.md's ```sh blocks under the
// headings starting with each of sections, continuation lines joined and
// trailing comments dropped.
func readmeBlocks(t *testing.T, sections ...string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]string
	var in, want bool
	var cmds []string
	var cont string
	comment := regexp.MustCompile(`\s{2,}#.*$`)
	for line := range strings.SplitSeq(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			want = false
			for _, s := range sections {
				want = want || strings.HasPrefix(line[3:], s)
			}
		case want && line == "```sh":
			in, cmds = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, cmds)
		case in:
			line = comment.ReplaceAllString(line, "")
			if s, ok := strings.CutSuffix(strings.TrimRight(line, " "), `\`); ok {
				cont += s + " "
				continue
			}
			cmds = append(cmds, strings.TrimSpace(cont+line))
			cont = ""
		}
	}
	return blocks
}

// shellWords splits a command line as sh would for the README's commands:
// blanks separate words, single and double quotes group.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	started := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, started = r, true
		case r == ' ' || r == '\t':
			if started || cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
		}
	}
	if started || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// TestReadmeSnippets runs the edge operator's and the publisher's
// commands from README.md as written, in a fresh folder holding the lists
// and media they name: keys, build, verify, inspect, check, publish; the
// edge serves the published site as a proxy (its --origin pointed at a
// test origin) and refuses a listed upload; then the delta release is
// built, diffed and published and the edge takes it.
func TestReadmeSnippets(t *testing.T) {
	edge := readmeBlocks(t, "For edge operators")
	pub := readmeBlocks(t, "For publishers")
	if len(edge) != 1 || len(pub) != 2 {
		t.Fatalf("README blocks: %d edge, %d publisher; want 1 and 2", len(edge), len(pub))
	}
	var serveArgs []string
	var first []string
	for _, c := range edge[0] {
		if strings.HasPrefix(c, "hashgate serve ") {
			serveArgs = shellWords(c)[2:]
			continue
		}
		first = append(first, c)
	}
	if serveArgs == nil {
		t.Fatal("README's edge block has no hashgate serve")
	}
	first = append(first, pub[0]...)

	dir := t.TempDir()
	demo, _ := filepath.Abs("../../testdata/demo")
	os.MkdirAll(filepath.Join(dir, "media"), 0o755)
	copyFile(t, filepath.Join(demo, "listed", "harbour.jpg"), filepath.Join(dir, "media", "harbour.jpg"))
	copyFile(t, filepath.Join(demo, "listed", "market.jpg"), filepath.Join(dir, "media", "market.jpg"))
	copyFile(t, filepath.Join(demo, "probe", "meadow-unlisted.jpg"), filepath.Join(dir, "upload.jpg"))
	station, err := fingerprintFile(filepath.Join(demo, "listed", "station.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A python-threatexchange signal file and a `threatexchange dataset -P
	// --csv` export, as publishers get them.
	write("signals.txt", "pdq f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\nvideo_md5 d35c7855ab20d5d7ab2a7df5d5a2d6e2\n")
	write("gifct.csv", "signal_type,signal_str,collab,category,tags\npdq,adad5a64b5a142e55362a09057dacd5ae63b847fc23794b766b319361fc93188,GIFCT TCAP,TRUE_POSITIVE,terrorism\n")
	write("new.csv", "hash_type,hash_value,tags\npdq,"+station.PDQ.String()+",violent_extremism\n")
	t.Chdir(dir)

	runAll := func(cmds []string) {
		t.Helper()
		for _, c := range cmds {
			w := shellWords(c)
			if len(w) < 2 || w[0] != "hashgate" {
				t.Fatalf("README command %q is not a hashgate command", c)
			}
			var out, errb bytes.Buffer
			if code := run(context.Background(), w[1:], &out, &errb); code != 0 {
				t.Fatalf("README command %q: exit %d\nstdout: %s\nstderr: %s", c, code, out.String(), errb.String())
			}
		}
	}
	runAll(first)
	firstBuilt := time.Now()

	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "stored")
	}))
	defer origin.Close()
	for i, a := range serveArgs {
		if a == "http://127.0.0.1:9000" {
			serveArgs[i] = origin.URL
		}
	}
	t.Setenv("TMPDIR", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &testenv.SyncBuffer{}
	env := map[string]string{"HASHGATE_ADDR": "127.0.0.1:0", "HASHGATE_METRICS_ADDR": "", "HASHGATE_POLL": "100ms"}
	done := make(chan int, 1)
	go func() {
		done <- runServeEnv(ctx, serveArgs, io.Discard, logs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	addrRE := regexp.MustCompile(`"msg":"edge: listening","addr":"([^"]+)"`)
	base := ""
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if ok() {
				return
			}
		}
		t.Fatalf("%s: timed out; edge log:\n%s", what, logs.String())
	}
	waitFor("edge listening", func() bool {
		if m := addrRE.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
		}
		return base != ""
	})
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor("edge ready", func() bool { c, _ := get("/readyz"); return c == 200 })

	upload := func(file string) (int, string) {
		t.Helper()
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(base+"/upload/photo", "image/jpeg", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := upload("media/harbour.jpg"); code != http.StatusUnavailableForLegalReasons || !strings.Contains(body, `"Example list"`) {
		t.Errorf("listed upload: %d %s; want 451 naming the list's --source", code, body)
	}
	if code, body := upload("upload.jpg"); code != 200 || body != "stored" {
		t.Errorf("unlisted upload: %d %q; want the origin's answer", code, body)
	}
	if code, body := upload(filepath.Join(demo, "listed", "station.jpg")); code != 200 {
		t.Errorf("station.jpg before the delta: %d %s", code, body)
	}

	// Release versions default to the build's Unix second: a reader types
	// the second build seconds after the first, this test may not.
	for time.Now().Unix() <= firstBuilt.Unix() {
		time.Sleep(20 * time.Millisecond)
	}
	runAll(pub[1])
	waitFor("the delta release taken", func() bool {
		code, _ := upload(filepath.Join(demo, "listed", "station.jpg"))
		return code == http.StatusUnavailableForLegalReasons
	})
	if _, err := os.Stat(filepath.Join("site", releasesDir)); err != nil {
		t.Errorf("publish kept no versioned folders: %v", err)
	}
}
