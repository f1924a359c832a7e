package main

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
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

// A false positive is withdrawn by a delta that adds nothing: diff OLD
// --withdraw FILE. The delta carries the withdrawal, encrypted to the edges.
func TestDiffWithdrawCLI(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	_, sum := writeFile(t, dir, "fp.bin", 12)
	base := writeList(t, dir, "base.tsv", 100, 7, "sha256\t"+sum)
	v1, d2 := filepath.Join(dir, "v1"), filepath.Join(dir, "d2")
	mustHG(t, "build", "--list", base, "--out", v1, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "1")
	w := filepath.Join(dir, "withdraw.txt")
	os.WriteFile(w, []byte("# ticket 4411\nsha256:"+sum+"\t-\tfalse positive: a meme template\n"), 0o644)
	out := mustHG(t, "diff", v1, "--withdraw", w, "--out", d2, "--key", k.pub, "--edge-key", k.edge, "--edge-pub", k.edgePub)
	if !strings.Contains(out, "version 2 on top of version 1, 0 entries added, 1 withdrawals") {
		t.Errorf("diff output %q", out)
	}
	mustHG(t, "verify", d2, "--pub", k.pub, "--last-version", "1")
	b, err := release.LoadDir(d2)
	if err != nil {
		t.Fatal(err)
	}
	trust, _ := loadTrust(k.pub)
	rel, err := release.Accept(b, release.AcceptOptions{Trust: trust, RequireList: true})
	if err != nil {
		t.Fatal(err)
	}
	ek, _ := loadEdgeKey(k.edge)
	set, err := rel.WithdrawalSet(ek)
	var d [32]byte
	hex.Decode(d[:], []byte(sum))
	id := release.EntryID(fingerprint.KindSHA256, d[:])
	if err != nil || len(set) != 1 || set[id].Reason != "false positive: a meme template" || !set[id].Until.IsZero() {
		t.Errorf("withdrawals %+v, %v", set, err)
	}
	// A withdrawal of an entry the list lacks is a typo: refused.
	os.WriteFile(w, []byte("md5:"+strings.Repeat("0", 32)+" - typo\n"), 0o644)
	if code, _, errb := hg(t, "diff", v1, "--withdraw", w, "--out", filepath.Join(dir, "bad"), "--key", k.pub, "--edge-key", k.edge, "--edge-pub", k.edgePub); code != 1 || !strings.Contains(errb, "no such entry") {
		t.Errorf("withdrawal of an unlisted entry: exit %d %q", code, errb)
	}
	// build takes the same file.
	os.WriteFile(w, []byte("sha256:"+sum+" 2030-01-01 under review\n"), 0o644)
	out = mustHG(t, "build", "--list", base, "--out", filepath.Join(dir, "v3"), "--key", k.pub, "--edge-pub", k.edgePub, "--version", "3", "--withdraw", w)
	if !strings.Contains(out, "withdrawals: 1") {
		t.Errorf("build output %q", out)
	}
}
