package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hashgate/hashgate/release"
	"github.com/hashgate/hashgate/release/hashlist"
)

func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("diff", "OLD [NEW] --out DIR --key KEYS --edge-key KEY --edge-pub EDGE.pub... [--withdraw FILE]", `
Make a delta release from two full releases of the same channel: OLD's
files unchanged (same release key and epoch), plus a delta filter of the
keys of entries NEW adds and a list delta of those entries. Clients that hold
OLD fetch only the small new files; OLD's filter plus the delta answer for
every entry of NEW exactly as NEW's own filter does. The delta gets NEW's
version. Both lists are read with --edge-key, which must be one of their
recipients (publishers add their own edge key with --edge-pub at build).
Entries removed in NEW cannot be expressed as a delta: publish NEW itself.

--withdraw FILE adds withdrawals (false-positive overrides: entries taken
out of matching, for good or until a time, each with a reason; lines
ENTRY UNTIL REASON, docs/release.md#withdrawals), encrypted to the edges.
With --withdraw, NEW may be left out: the delta then adds no entry, only
the withdrawals, as version OLD+1 (or --version), and edges honour it on
their next poll.`, stdout, stderr)
	out := fs.String("out", "", "directory for the delta release")
	keyArg := fs.String("key", "", "publisher private key file or keygen directory")
	pub := fs.String("pub", "", "publisher public keys to verify OLD and NEW (default: those of --key)")
	edgeKeyArg := fs.String("edge-key", "", "a private key the lists are encrypted to")
	var edgePubs []string
	fs.Var(listVar(&edgePubs, false), "edge-pub", "edge public key to encrypt the list delta to (repeatable)")
	withdraw := fs.String("withdraw", "", "withdrawal `file` (ENTRY UNTIL REASON lines) to carry in the delta")
	version := fs.Uint64("version", 0, "the delta's version (default: NEW's, or OLD's + 1 without NEW)")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if (fs.NArg() != 2 && (fs.NArg() != 1 || *withdraw == "")) || *out == "" || *keyArg == "" || *edgeKeyArg == "" {
		return usageErr(stderr, "diff", "want OLD NEW (or OLD --withdraw FILE) --out DIR --key KEYS --edge-key KEY")
	}
	var ws []release.Withdrawal
	if *withdraw != "" {
		var err error
		if ws, err = hashlist.ReadWithdrawals(*withdraw); err != nil {
			return fail(stderr, "diff", err)
		}
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
	oldE, err := oldR.Entries(ek)
	if err != nil {
		return fail(stderr, "diff", fmt.Errorf("OLD list: %w", err))
	}
	newE, newVersion := oldE, oldR.Manifest.Version+1
	if fs.NArg() == 2 {
		newR, err := loadAndAccept(fs.Arg(1), o)
		if err != nil {
			return fail(stderr, "diff", fmt.Errorf("NEW: %w", err))
		}
		if oldR.Manifest.Channel != newR.Manifest.Channel {
			return fail(stderr, "diff", errors.New("OLD and NEW are on different channels"))
		}
		if newE, err = newR.Entries(ek); err != nil {
			return fail(stderr, "diff", fmt.Errorf("NEW list: %w", err))
		}
		newVersion = newR.Manifest.Version
	}
	if *version != 0 {
		newVersion = *version
	}
	if len(recips) == 0 {
		return usageErr(stderr, "diff", "want at least one --edge-pub for the list delta")
	}
	d, added, err := release.Delta(oldB, oldR, oldE, newE, release.DeltaOptions{
		Version: newVersion, Signer: s, Recipients: recips, Withdrawals: ws,
	})
	if err != nil {
		return fail(stderr, "diff", err)
	}
	if err := release.WriteDir(*out, d); err != nil {
		return fail(stderr, "diff", err)
	}
	fmt.Fprintf(stdout, "delta %s: version %d on top of version %d, %d entries added, %d withdrawals\n",
		*out, newVersion, oldR.Manifest.Version, added, len(ws))
	return 0
}
