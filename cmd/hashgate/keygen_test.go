package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/release"
)

func TestKeygenRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	mustHG(t, "keygen", "--out", dir)
	before, _ := os.ReadFile(filepath.Join(dir, publisherKeyFile))
	if code, _, errb := hg(t, "keygen", "--out", dir); code != 1 || !strings.Contains(errb, "exists; use --force") {
		t.Fatalf("second keygen: exit %d %q", code, errb)
	}
	after, _ := os.ReadFile(filepath.Join(dir, publisherKeyFile))
	if string(before) != string(after) {
		t.Fatal("refused keygen still changed the private key")
	}
	out := mustHG(t, "keygen", "--out", dir, "--force")
	again, _ := os.ReadFile(filepath.Join(dir, publisherKeyFile))
	if string(again) == string(before) {
		t.Error("--force did not replace the key")
	}
	// The printed key ids are those of the public key file.
	pub, _ := os.ReadFile(filepath.Join(dir, publisherPubFile))
	keys, err := release.ParsePublicKeys(pub)
	if err != nil || len(keys) != 2 {
		t.Fatalf("public key file: %v", err)
	}
	for _, k := range keys {
		if !strings.Contains(out, k.ID()) {
			t.Errorf("keygen output lacks key id %s: %q", k.ID(), out)
		}
	}
}

// TestKeyRotationCLI: release 1 (old keys) names the new keys; release 2 is
// signed by the new keys only. A verifier pinning the old keys refuses 2
// alone and accepts it through the chain.
func TestKeyRotationCLI(t *testing.T) {
	dir := t.TempDir()
	oldK, newK := filepath.Join(dir, "old"), filepath.Join(dir, "new")
	mustHG(t, "keygen", "--out", oldK)
	mustHG(t, "keygen", "--out", newK)
	list := writeList(t, dir, "l.tsv", 20, 1)
	r1, r2 := filepath.Join(dir, "r1"), filepath.Join(dir, "r2")
	mustHG(t, "build", "--list", list, "--out", r1, "--key", oldK, "--version", "1", "--next-pub", newK, "--no-edge")
	mustHG(t, "build", "--list", list, "--out", r2, "--key", newK, "--version", "2", "--no-edge")
	if out := mustHG(t, "inspect", r1); !strings.Contains(out, "next key") {
		t.Errorf("inspect does not show the next keys:\n%s", out)
	}
	if code, _, errb := hg(t, "verify", r2, "--pub", oldK, "--browser"); code != 1 || !strings.Contains(errb, "rule signature") {
		t.Fatalf("new keys accepted without the chain: exit %d %q", code, errb)
	}
	mustHG(t, "verify", r2, "--pub", oldK, "--browser", "--chain", r1)
	// A chain link signed by the new keys themselves proves nothing.
	if code, _, errb := hg(t, "verify", r2, "--pub", oldK, "--browser", "--chain", r2); code != 1 || !strings.Contains(errb, "key chain") {
		t.Errorf("self-signed chain accepted: exit %d %q", code, errb)
	}
}
