package testenv

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// ReadTSV returns the rows of a tab-separated reference file without its
// header line, blank lines skipped. A missing, unreadable or empty file
// fails the test.
func ReadTSV(t testing.TB, path string) [][]string {
	t.Helper()
	_, rows := readTSV(t, path)
	return rows
}

// ReadTSVRecords is ReadTSV with each row keyed by the header's column
// names.
func ReadTSVRecords(t testing.TB, path string) []map[string]string {
	t.Helper()
	header, rows := readTSV(t, path)
	out := make([]map[string]string, len(rows))
	for i, r := range rows {
		out[i] = make(map[string]string, len(header))
		for j, h := range header {
			if j < len(r) {
				out[i][h] = r[j]
			}
		}
	}
	return out
}

func readTSV(t testing.TB, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("reference vectors: %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		switch {
		case line == "":
		case header == nil:
			header = strings.Split(line, "\t")
		default:
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no rows", path)
	}
	return header, rows
}
