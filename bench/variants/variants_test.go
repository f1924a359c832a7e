package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The small corpus CI runs: the demo scenes and a real photo listed, a
// scene and a real dark-sky photo unrelated, through the recipe's edits
// that the small set can show (ImageMagick must be installed: .ci/run
// installs it).
var ciEdits = []string{"border-black", "letterbox-black", "pillarbox-white", "caption-meme", "frame-flat",
	"frame-screenshot", "frame-texture", "mirror", "rot90", "rot180", "rot-4", "rot+5-fit", "jpeg-q25", "resize-256", "grey", "bright", "crop-c95"}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSmallCorpusBudgets(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"harbour.jpg", "market.jpg", "station.jpg"} {
		copyFile(t, "../../testdata/demo/listed/"+f, filepath.Join(dir, "originals/listed", f))
	}
	copyFile(t, "../../fingerprint/canon/testdata/astronaut-320.q85.jpg", filepath.Join(dir, "originals/listed/astronaut.jpg"))
	copyFile(t, "../../testdata/demo/probe/meadow-unlisted.jpg", filepath.Join(dir, "originals/unrelated/meadow.jpg"))
	copyFile(t, "../../fingerprint/canon/testdata/hubble-deep-field-320.q85.jpg", filepath.Join(dir, "originals/unrelated/hubble.jpg"))
	ctx := context.Background()
	if err := runEdit(ctx, []string{"-corpus", dir, "-j", "2", "-edits", strings.Join(ciEdits, ",")}, io.Discard); err != nil {
		t.Fatal(err)
	}
	r, err := evaluate(ctx, dir, evalOptions{jobs: 2, crops: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	r.markdown(&sb)
	t.Log("\n" + sb.String())

	n, hit, wrong := r.count(func(o *outcome) bool { return o.set == "listed" })
	if n != 4*len(ciEdits) {
		t.Fatalf("%d listed edits evaluated, want %d", n, 4*len(ciEdits))
	}
	for _, p := range []int{pathEdge, pathEdgeRegions, pathEdgeBefore, pathPDQ} {
		if wrong[p] > 0 {
			t.Errorf("%s: %d edits matched a different listed image", pathNames[p], wrong[p])
		}
	}
	// Budgets the small corpus can show: at least 95 % of these edits
	// match at the edge (one frame-flat of the photo is a known miss: its
	// bright top runs into the light frame), far above PDQ alone and the
	// previous defaults.
	if 100*hit[pathEdge] < 95*n {
		for _, o := range r.outcomes {
			if o.set == "listed" && !o.hit[pathEdge] {
				t.Errorf("edge missed %s of %s", o.edit, o.name)
			}
		}
	}
	if 2*hit[pathEdgeBefore] >= hit[pathEdge] || 2*hit[pathPDQ] >= hit[pathEdge] {
		t.Errorf("edge %d of %d, edge before %d, PDQ alone %d: the robust hashes should at least double the matches", hit[pathEdge], n, hit[pathEdgeBefore], hit[pathPDQ])
	}
	// Regions only add look-ups: they never lose a match.
	if hit[pathEdgeRegions] < hit[pathEdge] {
		t.Errorf("edge + regions %d, edge %d: regions lost matches", hit[pathEdgeRegions], hit[pathEdge])
	}
	// The browser looks up the raw PDQ and its dihedral variants in the
	// filter, whose bands find fewer than the edge's exact search: it must
	// gain on the previous defaults.
	if hit[pathBrowser] <= hit[pathBrowserBefore] {
		t.Errorf("browser candidates %d, before %d: dihedral look-ups should add some", hit[pathBrowser], hit[pathBrowserBefore])
	}
	un, uhit, _ := r.count(func(o *outcome) bool { return o.set == "unrelated" })
	if un == 0 {
		t.Fatal("no unrelated files evaluated")
	}
	for p := range nPaths {
		if uhit[p] > 0 {
			t.Errorf("%s: %d of %d unrelated files matched", pathNames[p], uhit[p], un)
		}
	}
}
