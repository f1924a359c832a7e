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
