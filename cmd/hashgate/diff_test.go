package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffCLI(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	oldFile, oldSum := writeFile(t, dir, "old.bin", 10)
	newFile, newSum := writeFile(t, dir, "new.bin", 11)
	base := writeList(t, dir, "base.tsv", 2000, 5, "sha256\t"+oldSum)
	// The new list is the old one plus 500 PDQs and one SHA-256.
	oldBytes, _ := os.ReadFile(base)
	more, _ := os.ReadFile(writeList(t, dir, "more.tsv", 500, 6, "sha256\t"+newSum))
	newList := filepath.Join(dir, "new.tsv")
	os.WriteFile(newList, append(oldBytes, more...), 0o644)

	oldRel, newRel, delta := filepath.Join(dir, "v1"), filepath.Join(dir, "v2"), filepath.Join(dir, "d2")
	mustHG(t, "build", "--list", base, "--out", oldRel, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "1")
	mustHG(t, "build", "--list", newList, "--out", newRel, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "2")
	out := mustHG(t, "diff", oldRel, newRel, "--out", delta, "--key", k.pub, "--edge-key", k.edge, "--edge-pub", k.edgePub)
	if !strings.Contains(out, "501 entries added") {
		t.Errorf("diff output %q", out)
	}
	mustHG(t, "verify", delta, "--pub", k.pub, "--last-version", "1")
	out = mustHG(t, "check", oldFile, newFile, "--release", delta, "--pub", k.pub)
	if !strings.Contains(out, oldFile+": candidate") || !strings.Contains(out, newFile+": candidate") {
		t.Errorf("delta release check: %q", out)
	}
	out = mustHG(t, "check", newFile, "--release", oldRel, "--pub", k.pub)
	if !strings.Contains(out, "no known match") {
		t.Errorf("the old release already knew the new file: %q", out)
	}
	insp := mustHG(t, "inspect", delta, "--edge-key", k.edge)
	if !strings.Contains(insp, "1 delta(s)") || !strings.Contains(insp, "pdq 2500") || !strings.Contains(insp, "list-delta") {
		t.Errorf("inspect of the delta:\n%s", insp)
	}
	// A delta cannot drop entries: diff NEW OLD is refused.
	if code, _, errb := hg(t, "diff", newRel, oldRel, "--out", filepath.Join(dir, "bad"), "--key", k.pub, "--edge-key", k.edge, "--edge-pub", k.edgePub); code != 1 || !strings.Contains(errb, "cannot remove entries") {
		t.Errorf("removal as a delta: exit %d %q", code, errb)
	}
}
