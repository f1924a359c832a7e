// Package testenv holds what several packages' tests share: where the data
// from outside the repository is, CPU-time reporting for benchmarks (the
// process's, ReportCPU, and the thread's, ThreadCPU), reference TSV files,
// a loopback server's start-up and stop, a log buffer safe for a server's
// goroutines, and a test's own wasip1 guest module built and run in wazero.
// Only _test.go files import it (internal/deps checks that no package's
// code does), so it adds nothing to any package's production import graph.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// PDQDir returns the shared PDQ reference vectors, ../shared/testdata/pdq
// beside the module root. A missing folder fails the test with what to put
// there: the suites that read it never skip.
func PDQDir(t testing.TB) string {
	t.Helper()
	pdq := filepath.Join(moduleRoot(t), "..", "shared", "testdata", "pdq")
	if _, err := os.Stat(filepath.Join(pdq, "expected.tsv")); err != nil {
		t.Fatalf("PDQ reference vectors missing: %v\n"+
			"Put them at %s (next to the repository): SOURCE.md, expected.tsv, dihedral.tsv, exif.tsv,\n"+
			"images/ (facebook/ThreatExchange pdq/data at commit baefb4ed67b6cdc1d4c82dbaef858d50866ac424)\n"+
			"and png/ (their pixels as ImageMagick decodes them), with hashes from Meta's pdq-photo-hasher.", err, pdq)
	}
	return pdq
}

// moduleRoot is the folder holding go.mod above the test's directory.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: cannot find the module root (go.mod) above the test directory")
		}
		dir = parent
	}
}

// VPDQDir returns the shared vPDQ reference vectors, ../shared/testdata/vpdq
// beside the module root (videos/, expected-meta/, expected-here-1fps/,
// expected-here-every-frame/, SOURCE.md). A missing folder fails the test.
func VPDQDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(moduleRoot(t), "..", "shared", "testdata", "vpdq")
	if _, err := os.Stat(filepath.Join(d, "videos")); err != nil {
		t.Fatalf("vPDQ reference vectors missing: %v\n"+
			"Put them at %s (next to the repository): Meta's sample videos from facebook/ThreatExchange\n"+
			"tmk/sample-videos and their hashes, as its SOURCE.md describes.", err, d)
	}
	return d
}

// VPDQTools returns the folder of Meta's vPDQ command-line tools built for
// comparison, ../shared/tools/vpdq (vpdq-hash-video, match-hashes-brute,
// match-hashes-byline). A missing folder fails the test.
func VPDQTools(t testing.TB) string {
	t.Helper()
	d := filepath.Join(moduleRoot(t), "..", "shared", "tools", "vpdq")
	if _, err := os.Stat(filepath.Join(d, "match-hashes-brute")); err != nil {
		t.Fatalf("Meta's vPDQ tools missing: %v\n"+
			"Put them at %s (next to the repository), built from facebook/ThreatExchange vpdq/cpp.", err, d)
	}
	return d
}
