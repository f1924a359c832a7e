package main

import (
	"context"
	"debug/buildinfo"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/release"
)

// TestBuildRefusals: mistakes that used to pass silently are refused with
// a message saying what to do.
func TestBuildRefusals(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	list := writeList(t, dir, "list.tsv", 20, 1)
	rel := filepath.Join(dir, "rel")

	code, _, errb := hg(t, "build", "--list", list, "--out", rel, "--key", k.pub)
	if code != exitUsage || !strings.Contains(errb, "no --edge-pub") || !strings.Contains(errb, "--no-edge") {
		t.Errorf("build without --edge-pub: exit %d, %q", code, errb)
	}
	if _, err := os.Stat(rel); err == nil {
		t.Errorf("refused build still wrote %s", rel)
	}
	if code, _, errb := hg(t, "build", "--list", list, "--out", rel, "--key", k.pub, "--no-edge", "--edge-pub", k.edgePub); code != exitUsage {
		t.Errorf("--no-edge with --edge-pub: exit %d, %q", code, errb)
	}

	mustHG(t, "build", "--list", list, "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "1")
	old, _ := os.ReadDir(rel)
	code, _, errb = hg(t, "build", "--list", list, "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "2")
	if code != 1 || !strings.Contains(errb, "holds a release") || !strings.Contains(errb, "--force") {
		t.Errorf("build over a release: exit %d, %q", code, errb)
	}
	if now, _ := os.ReadDir(rel); len(now) != len(old) {
		t.Errorf("refused build changed %s", rel)
	}
	// --force replaces it: no artifact of the old release is left.
	os.WriteFile(filepath.Join(rel, "NOTES"), []byte("kept"), 0o644)
	mustHG(t, "build", "--list", writeList(t, dir, "list2.tsv", 20, 2), "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "2", "--force")
	b, err := release.LoadDir(rel)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := release.ParseManifest(b.Manifest)
	want := map[string]bool{release.ManifestFile: true, release.SignatureFile: true, "NOTES": true}
	for _, a := range m.Artifacts {
		want[a.Name] = true
	}
	ents, _ := os.ReadDir(rel)
	for _, e := range ents {
		if !want[e.Name()] {
			t.Errorf("--force left %s beside the new release", e.Name())
		}
	}
	if m.Version != 2 {
		t.Errorf("version %d after --force", m.Version)
	}
}

func TestVersionString(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/hashgate/hashgate", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "3c172ffc746a2d5f75ab2bffb1cf4fe924a6b49b"},
			{Key: "vcs.time", Value: "2026-12-07T00:46:22Z"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{bi, true, "hashgate v0.3.0 (3c172ffc746a, 2026-12-07T00:46:22Z, modified) go1.26.8"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "hashgate (devel) go1.26.8"},
		{nil, false, "hashgate (no build information)"},
	}
	for _, tt := range tests {
		if got := versionString(tt.bi, tt.ok); got != tt.want {
			t.Errorf("versionString = %q, want %q", got, tt.want)
		}
	}
	for _, arg := range []string{"--version", "version", "-version"} {
		code, out, _ := hg(t, arg)
		if code != 0 || !strings.HasPrefix(out, "hashgate ") {
			t.Errorf("hashgate %s: exit %d, %q", arg, code, out)
		}
	}
}

// TestVersionOfBuiltBinary builds the command as a user would and checks
// that --version prints what the binary's build information holds, and,
// when Go stamped the VCS state (a git clone), the checkout's commit.
func TestVersionOfBuiltBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "hashgate")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".") // as make cli builds it
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=auto")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// The first line is the build information; the second names the
	// image decoders the build carries.
	first, decoders, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if want := versionString(bi, true); first != want {
		t.Errorf("--version printed %q; the binary's build information says %q", first, want)
	}
	if !strings.HasPrefix(decoders, "JPEG: ") || !strings.Contains(decoders, "; HEIC/AVIF: ") {
		t.Errorf("--version's second line %q does not name the decoders", decoders)
	}
	for _, s := range bi.Settings {
		if s.Key != "vcs.revision" {
			continue
		}
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatalf("stamped %s but git rev-parse fails: %v", s.Value, err)
		}
		if s.Value != strings.TrimSpace(string(head)) || !strings.Contains(first, s.Value[:12]) {
			t.Errorf("--version %q, stamped %s, HEAD %s", first, s.Value, head)
		}
	}
}

// TestServeNamesTheListRule: a release without a list for this edge (built
// --no-edge) is refused with rule "list" in the log, not an empty one.
func TestServeNamesTheListRule(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	rel := filepath.Join(dir, "rel")
	mustHG(t, "build", "--list", writeList(t, dir, "l.tsv", 5, 1), "--out", rel, "--key", k.pub, "--no-edge")
	t.Setenv("TMPDIR", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	logs := &testenv.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- runServeEnv(ctx, []string{"--addr", "127.0.0.1:0", "--metrics-addr", "", "--release", rel,
			"--trust", k.pub, "--edge-key", k.edge, "--poll", "100ms"}, io.Discard, logs, func(string) (string, bool) { return "", false })
	}()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if strings.Contains(logs.String(), `"msg":"edge: release rejected`) {
			break
		}
	}
	if !strings.Contains(logs.String(), `"rule":"list"`) || !strings.Contains(logs.String(), "no edge list") {
		t.Errorf("log does not name rule list:\n%s", logs.String())
	}
}
