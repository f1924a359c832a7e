package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/hashgate/hashgate/release"
)

// Key files: paths inside keygen directories and loading each kind.

// Key file names inside a keygen directory.
const (
	publisherKeyFile = "publisher.key"
	publisherPubFile = "publisher.pub"
	edgeKeyFile      = "edge.key"
	edgePubFile      = "edge.pub"
)

// keyPath resolves a key argument that may be a keygen directory.
func keyPath(p, fileInDir string) string {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return filepath.Join(p, fileInDir)
	}
	return p
}

func loadSigner(p string) (*release.Signer, error) {
	b, err := os.ReadFile(keyPath(p, publisherKeyFile))
	if err != nil {
		return nil, err
	}
	return release.ParseSigner(b)
}

func loadTrust(p string) (release.Trust, error) {
	b, err := os.ReadFile(keyPath(p, publisherPubFile))
	if err != nil {
		return release.Trust{}, err
	}
	return release.ParseTrust(b)
}

func loadPublicKeys(p, fileInDir string) ([]release.PublicKey, error) {
	b, err := os.ReadFile(keyPath(p, fileInDir))
	if err != nil {
		return nil, err
	}
	return release.ParsePublicKeys(b)
}

func loadEdgeKey(p string) (*release.EdgePrivateKey, error) {
	b, err := os.ReadFile(keyPath(p, edgeKeyFile))
	if err != nil {
		return nil, err
	}
	return release.ParseEdgeKey(b)
}

// edgeRecipients loads every --edge-pub file (X-Wing keys only).
func edgeRecipients(paths []string) ([]release.PublicKey, error) {
	var out []release.PublicKey
	for _, p := range paths {
		keys, err := loadPublicKeys(p, edgePubFile)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, k := range keys {
			if k.Alg == release.AlgXWing {
				out = append(out, k)
				n++
			}
		}
		if n == 0 {
			return nil, errors.New(p + " holds no x-wing edge key")
		}
	}
	return out, nil
}
