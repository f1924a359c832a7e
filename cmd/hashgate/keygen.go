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

func runKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("keygen", "--out DIR [--edge]", `
Generate a publisher's signing keys (Ed25519 + ML-DSA-65) into DIR:
publisher.key (private, mode 0600) and publisher.pub (give it to every
browser and edge that pins your releases). With --edge, generate an edge's
HPKE key pair instead (X-Wing: X25519 + ML-KEM-768): edge.key (private, 0600)
and edge.pub (give it to publishers so they encrypt the full list to you).
Private keys are never printed. Existing private keys are not overwritten
unless --force.`, stdout, stderr)
	out := fs.String("out", "", "directory to write the keys into (created if needed)")
	edge := fs.Bool("edge", false, "generate an edge's list-decryption key pair instead of signing keys")
	force := fs.Bool("force", false, "overwrite existing key files")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if *out == "" || fs.NArg() != 0 {
		return usageErr(stderr, "keygen", "want --out DIR and no arguments")
	}
	privName, pubName := publisherKeyFile, publisherPubFile
	var priv []byte
	var pub []release.PublicKey
	if *edge {
		privName, pubName = edgeKeyFile, edgePubFile
		k, err := release.GenerateEdgeKey(nil)
		if err != nil {
			return fail(stderr, "keygen", err)
		}
		priv, pub = k.MarshalPrivate(), []release.PublicKey{k.Public()}
	} else {
		s, err := release.GenerateSigner(nil)
		if err != nil {
			return fail(stderr, "keygen", err)
		}
		priv, pub = s.MarshalPrivate(), s.Public()
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail(stderr, "keygen", err)
	}
	privPath := filepath.Join(*out, privName)
	if err := writeSecret(privPath, priv, *force); err != nil {
		return fail(stderr, "keygen", err)
	}
	pubPath := filepath.Join(*out, pubName)
	if err := os.WriteFile(pubPath, release.MarshalPublicKeys(pub), 0o644); err != nil {
		return fail(stderr, "keygen", err)
	}
	fmt.Fprintf(stdout, "wrote %s (private, 0600) and %s\n", privPath, pubPath)
	for _, k := range pub {
		fmt.Fprintf(stdout, "  %-9s key id %s\n", k.Alg, k.ID())
	}
	return 0
}

// writeSecret creates a private key file with mode 0600 from the start (no
// window where it is readable by others).
func writeSecret(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; use --force to replace it", path)
	}
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
