package fingerprint_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

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

// pdqCell parses a PDQ hash from a vector file; a bad cell fails the test.
func pdqCell(t testing.TB, s string) fingerprint.PDQHash {
	t.Helper()
	h, err := fingerprint.ParsePDQ(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// intCell parses a number (a quality) from a vector file.
func intCell(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
