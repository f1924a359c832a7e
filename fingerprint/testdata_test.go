package fingerprint_test

import (
	"bufio"
	"os"
	"strings"
	"testing"
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
