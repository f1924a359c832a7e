package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunSmall runs the whole measurement at toy sizes: every table is
// printed, the default layout finds every planted copy within its
// guarantee, and both plots are PNG files.
func TestRunSmall(t *testing.T) {
	dir := t.TempDir()
	var out, errs bytes.Buffer
	code := run([]string{"-sizes", "1e3", "-lists", "1e3", "-images", "2000", "-trials", "50", "-maxprobes", "1e6", "-sizingkeys", "10000", "-plots", dir}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	text := out.String()
	for _, h := range []string{"### False-positive rate", "### Split-block sizing", "### Recall against Hamming", "### Recall on real edits", "### PDQ layouts"} {
		if !strings.Contains(text, h) {
			t.Errorf("output lacks %q", h)
		}
	}
	// Rows d = 0..7 of the recall table: 4x64+p1 (third column) is 1.000.
	for d := range 8 {
		row := "| " + string(rune('0'+d)) + " |"
		i := strings.Index(text, "\n"+row)
		if i < 0 {
			t.Fatalf("no recall row for d=%d", d)
		}
		cols := strings.Split(strings.SplitN(text[i+1:], "\n", 2)[0], "|")
		if strings.TrimSpace(cols[4]) != "1.000" {
			t.Errorf("d=%d: 4x64+p1 recall %q, want 1.000", d, cols[4])
		}
	}
	for _, f := range []string{"filter-fpr.png", "filter-recall.png"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s: not a PNG (%v)", f, err)
		}
	}
}
