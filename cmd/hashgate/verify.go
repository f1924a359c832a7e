package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashgate/hashgate/release"
)

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("verify", "DIR --pub KEYS [--last-version N]", `
Apply every acceptance rule to a release directory, as a browser or edge
would: both signatures against the pinned public keys, format, expiry,
version greater than --last-version, and the length and SHA-256 of every
artifact, and that the filters load. Exit 0 if accepted; otherwise print the
rule that failed and exit 1. After a key rotation, pin the old keys and name
the rotating releases with --chain: new keys are trusted only through
manifests signed by the keys already pinned.`, stdout, stderr)
	pub := fs.String("pub", "", "publisher public key file or keygen directory to pin")
	last := fs.Uint64("last-version", 0, "the last version accepted before; older or equal versions are refused")
	channel := fs.String("channel", "", "accept only this channel")
	browser := fs.Bool("browser", false, "check as a browser: the edge list may be absent")
	at := fs.String("at", "", "check as of this RFC 3339 time instead of now")
	var chain []string
	fs.Var(listVar(&chain, false), "chain", "a release directory whose manifest rotated keys, replayed in order before checking (repeatable)")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 1 || *pub == "" {
		return usageErr(stderr, "verify", "want DIR and --pub KEYS")
	}
	trust, err := loadTrust(*pub)
	if err != nil {
		return fail(stderr, "verify", err)
	}
	for _, dir := range chain {
		man, err := os.ReadFile(filepath.Join(dir, release.ManifestFile))
		if err != nil {
			return fail(stderr, "verify", err)
		}
		sig, err := os.ReadFile(filepath.Join(dir, release.SignatureFile))
		if err != nil {
			return fail(stderr, "verify", err)
		}
		if trust, err = release.RotateTrust(trust, man, sig); err != nil {
			fmt.Fprintf(stderr, "hashgate verify: key chain %s: %v\n", dir, err)
			return 1
		}
	}
	o := release.AcceptOptions{Trust: trust, LastVersion: *last, Channel: *channel, RequireList: !*browser}
	if *at != "" {
		if o.Now, err = time.Parse(time.RFC3339, *at); err != nil {
			return usageErr(stderr, "verify", "--at: "+err.Error())
		}
	}
	r, err := loadAndAccept(fs.Arg(0), o)
	if err != nil {
		var re *release.RuleError
		if errors.As(err, &re) {
			fmt.Fprintf(stderr, "hashgate verify: REFUSED (rule %s): %v\n", re.Rule, re.Err)
			return 1
		}
		return fail(stderr, "verify", err)
	}
	m := r.Manifest
	fmt.Fprintf(stdout, "OK: %s channel %s version %d, expires %s, %d filter(s), signed by %d pinned keys\n",
		fs.Arg(0), m.Channel, m.Version, m.Expires.Format(time.RFC3339), 1+len(r.Filters.Deltas), len(m.PublisherKeys))
	return 0
}

// loadAndAccept reads a release directory and runs release.Accept on it.
func loadAndAccept(dir string, o release.AcceptOptions) (*release.Release, error) {
	b, err := release.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	return release.Accept(b, o)
}
