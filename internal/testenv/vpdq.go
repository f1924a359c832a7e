package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns ../shared/<sub> beside the module root, failing the test
// with what to put there when want (a file inside it) is missing.
func sharedDir(t testing.TB, sub, want, what string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: cannot find the module root (go.mod) above the test directory")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", sub)
	if _, err := os.Stat(filepath.Join(d, want)); err != nil {
		t.Fatalf("%s missing: %v\nPut them at %s (next to the repository).", what, err, d)
	}
	return d
}

// VPDQDir returns the shared vPDQ reference vectors, ../shared/testdata/vpdq
// (SOURCE.md, videos/, expected-meta/, expected-here-*/).
func VPDQDir(t testing.TB) string {
	t.Helper()
	return sharedDir(t, filepath.Join("testdata", "vpdq"), "SOURCE.md", "vPDQ reference vectors")
}

// VPDQToolsDir returns Meta's vPDQ command-line tools, ../shared/tools/vpdq
// (vpdq-hash-video, match-hashes-brute, match-hashes-byline).
func VPDQToolsDir(t testing.TB) string {
	t.Helper()
	return sharedDir(t, filepath.Join("tools", "vpdq"), "match-hashes-brute", "Meta's vPDQ tools")
}
