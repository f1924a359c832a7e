package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hashgate/hashgate/release"
)

func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("diff", "OLD NEW --out DIR --key KEYS --edge-key KEY --edge-pub EDGE.pub...", `
Make a delta release from two full releases of the same channel: OLD's
files unchanged (same release key and epoch), plus a delta filter of the
keys of entries NEW adds and a list delta of those entries. Clients that hold
OLD fetch only the small new files; OLD's filter plus the delta answer for
every entry of NEW exactly as NEW's own filter does. The delta gets NEW's
version. Both lists are read with --edge-key, which must be one of their
recipients (publishers add their own edge key with --edge-pub at build).
Entries removed in NEW cannot be expressed as a delta: publish NEW itself.`, stdout, stderr)
	out := fs.String("out", "", "directory for the delta release")
	keyArg := fs.String("key", "", "publisher private key file or keygen directory")
	pub := fs.String("pub", "", "publisher public keys to verify OLD and NEW (default: those of --key)")
	edgeKeyArg := fs.String("edge-key", "", "a private key the lists are encrypted to")
	var edgePubs []string
	fs.Var(listVar(&edgePubs, false), "edge-pub", "edge public key to encrypt the list delta to (repeatable)")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 2 || *out == "" || *keyArg == "" || *edgeKeyArg == "" {
		return usageErr(stderr, "diff", "want OLD NEW --out DIR --key KEYS --edge-key KEY")
	}
	s, err := loadSigner(*keyArg)
	if err != nil {
		return fail(stderr, "diff", err)
	}
	trust := s.Trust()
	if *pub != "" {
		if trust, err = loadTrust(*pub); err != nil {
			return fail(stderr, "diff", err)
		}
	}
	ek, err := loadEdgeKey(*edgeKeyArg)
	if err != nil {
		return fail(stderr, "diff", err)
	}
	recips, err := edgeRecipients(edgePubs)
	if err != nil {
		return fail(stderr, "diff", err)
	}
	o := release.AcceptOptions{Trust: trust, RequireList: true}
	oldB, err := release.LoadDir(fs.Arg(0))
	if err != nil {
		return fail(stderr, "diff", err)
	}
	oldR, err := release.Accept(oldB, o)
	if err != nil {
		return fail(stderr, "diff", fmt.Errorf("OLD: %w", err))
	}
	newR, err := loadAndAccept(fs.Arg(1), o)
	if err != nil {
		return fail(stderr, "diff", fmt.Errorf("NEW: %w", err))
	}
	if oldR.Manifest.Channel != newR.Manifest.Channel {
		return fail(stderr, "diff", errors.New("OLD and NEW are on different channels"))
	}
	oldE, err := oldR.Entries(ek)
	if err != nil {
		return fail(stderr, "diff", fmt.Errorf("OLD list: %w", err))
	}
	newE, err := newR.Entries(ek)
	if err != nil {
		return fail(stderr, "diff", fmt.Errorf("NEW list: %w", err))
	}
	if len(recips) == 0 {
		return usageErr(stderr, "diff", "want at least one --edge-pub for the list delta")
	}
	d, added, err := release.Delta(oldB, oldR, oldE, newE, release.DeltaOptions{
		Version: newR.Manifest.Version, Signer: s, Recipients: recips,
	})
	if err != nil {
		return fail(stderr, "diff", err)
	}
	if err := release.WriteDir(*out, d); err != nil {
		return fail(stderr, "diff", err)
	}
	fmt.Fprintf(stdout, "delta %s: version %d on top of version %d, %d entries added\n",
		*out, newR.Manifest.Version, oldR.Manifest.Version, added)
	return 0
}
