package fingerprint_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pdqDir finds the shared PDQ reference vectors: ../shared/testdata/pdq
// relative to the module root. A missing folder fails the test, with what
// to put there: the conformance suite never skips.
func pdqDir(t testing.TB) string {
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
			t.Fatal("fingerprint: cannot find the module root (go.mod) above the test directory")
		}
		dir = parent
	}
	pdq := filepath.Join(dir, "..", "shared", "testdata", "pdq")
	if _, err := os.Stat(filepath.Join(pdq, "expected.tsv")); err != nil {
		t.Fatalf("PDQ reference vectors missing: %v\n"+
			"Put them at %s (next to the repository): SOURCE.md, expected.tsv, dihedral.tsv, exif.tsv,\n"+
			"images/ (facebook/ThreatExchange pdq/data at commit baefb4ed67b6cdc1d4c82dbaef858d50866ac424)\n"+
			"and png/ (their pixels as ImageMagick decodes them), with hashes from Meta's pdq-photo-hasher.", err, pdq)
	}
	return pdq
}

// readTSV returns the rows of a tab-separated file without its header.
func readTSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	s := bufio.NewScanner(f)
	first := true
	for s.Scan() {
		if first {
			first = false
			continue
		}
		if line := strings.TrimSpace(s.Text()); line != "" {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no rows", path)
	}
	return rows
}
