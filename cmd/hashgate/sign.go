package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashgate/hashgate/release"
)

func runSign(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sign", "DIR --key KEYS", `
Sign a release's manifest.json exactly as stored (an Ed25519 and an ML-DSA-65
signature) and write manifest.sig. Use it for releases built with --pub on a
machine that does not hold the private keys. The signing keys must be the
ones the manifest names in publisher_keys.`, stdout, stderr)
	keyArg := fs.String("key", "", "publisher private key file or keygen directory")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 1 || *keyArg == "" {
		return usageErr(stderr, "sign", "want DIR and --key KEYS")
	}
	dir := fs.Arg(0)
	s, err := loadSigner(*keyArg)
	if err != nil {
		return fail(stderr, "sign", err)
	}
	man, err := os.ReadFile(filepath.Join(dir, release.ManifestFile))
	if err != nil {
		return fail(stderr, "sign", err)
	}
	m, err := release.ParseManifest(man)
	if err != nil {
		return fail(stderr, "sign", err)
	}
	for _, want := range s.Refs() {
		if !containsRef(m.PublisherKeys, want) {
			return fail(stderr, "sign", errors.New("the manifest does not name key "+want.Alg+" "+want.ID+
				" in publisher_keys: rebuild with this key's --pub"))
		}
	}
	sig, err := s.Sign(man)
	if err != nil {
		return fail(stderr, "sign", err)
	}
	if err := os.WriteFile(filepath.Join(dir, release.SignatureFile), sig, 0o644); err != nil {
		return fail(stderr, "sign", err)
	}
	fmt.Fprintf(stdout, "signed %s version %d\n", dir, m.Version)
	return 0
}

func containsRef(refs []release.KeyRef, r release.KeyRef) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}
