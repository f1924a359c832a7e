package main

import (
	"os"
	"strings"
	"testing"
)

// TestMemoryFiguresAgree: README.md, docs/edge.md and serve --help quote
// the edge's memory figures from memory.go, so they cannot drift apart.
func TestMemoryFiguresAgree(t *testing.T) {
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	want := map[string][]string{
		"../../README.md": {
			"about " + memBytesPerEntry + " bytes per entry (" + memIndexMiB + " MiB at 10 million entries)",
			"At 10 million PDQ entries the edge holds " + memSteadyMiB + " MiB, the first load peaks at " + memFirstLoadMiB +
				" MiB, and a reload, which builds the new index beside the one in use, peaks at " + memReloadMiB + " MiB",
		},
		"../../docs/edge.md": {
			"the index of 10 million PDQ entries takes " + memIndexMiB + " MiB (" + memBytesPerEntry + " bytes an entry",
			"the edge " + memSteadyMiB + " MiB resident",
			"release peaks at " + memFirstLoadMiB + " MiB",
			"it peaks at " + memReloadMiB + " MiB",
		},
	}
	for file, phrases := range want {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc := flat(string(b))
		for _, p := range phrases {
			if !strings.Contains(doc, p) {
				t.Errorf("%s does not say %q (figures live in cmd/hashgate/memory.go)", file, p)
			}
		}
	}
	code, out, _ := hg(t, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help: exit %d", code)
	}
	help := flat(out)
	for _, p := range []string{memBytesPerEntry + " bytes per entry", memIndexMiB + " MiB", memSteadyMiB + " MiB resident",
		memFirstLoadMiB + " MiB", memReloadMiB + " MiB"} {
		if !strings.Contains(help, p) {
			t.Errorf("serve --help does not say %q:\n%s", p, out)
		}
	}
	for _, stale := range []string{"105 bytes", "1.1 GB", "2.4 GB"} {
		if strings.Contains(help, stale) {
			t.Errorf("serve --help still quotes %q", stale)
		}
	}
}
