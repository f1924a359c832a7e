package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/edge"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "FILE... --release DIR --pub KEYS [--edge URL]", `
Check files against a release the way the browser checker does, locally and
without any network: accept the release (signatures, expiry, digests), hash
each file (SHA-256, MD5, and PDQ with its rotations and mirror images and
pHash for images), derive the look-up
keys and test them against the filters. Prints, per file, "candidate" with
the fingerprint types that hit (a browser would then ask the edge to
confirm) or "no known match" (a browser would send nothing anywhere).
An oblivious-mode release has no keys without an edge: --edge URL makes
one POST /v1/oprf round trip per file (blinded, so the edge learns nothing
of the file), verifies the edge's proof and looks the keys up; a failed
proof or a refusal is an error, never "no known match".`, stdout, stderr)
	dir := fs.String("release", "", "release directory")
	pub := fs.String("pub", "", "publisher public key file or keygen directory to pin")
	edgeURL := fs.String("edge", "", "oblivious releases: the edge `URL` that evaluates the blinded keys (POST /v1/oprf)")
	dihedral := fs.Bool("dihedral", true, "also look up the PDQ of the file's rotations and mirror images, as the browser does by default")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() == 0 || *dir == "" || *pub == "" {
		return usageErr(stderr, "check", "want FILE... --release DIR --pub KEYS")
	}
	trust, err := loadTrust(*pub)
	if err != nil {
		return fail(stderr, "check", err)
	}
	r, err := loadAndAccept(*dir, release.AcceptOptions{Trust: trust})
	if err != nil {
		return fail(stderr, "check", err)
	}
	var obl *edge.ObliviousChecker
	if r.Keyer == nil {
		if *edgeURL == "" {
			return fail(stderr, "check", errors.New("an oblivious-mode release needs the edge to compute keys: give --edge URL"))
		}
		if obl, err = edge.NewObliviousChecker(r, *edgeURL, &http.Client{Timeout: 30 * time.Second}); err != nil {
			return fail(stderr, "check", err)
		}
	}
	code := 0
	for _, f := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return fail(stderr, "check", err)
		}
		fp, err := fingerprintFile(f)
		if err != nil && !errors.Is(err, errNotImage) {
			fmt.Fprintf(stderr, "hashgate check: %s: %v\n", f, err)
			code = 1
			continue
		}
		values := imageValues(fp, err == nil)
		if err == nil && *dihedral {
			values = append(values, dihedralValues(&fp)...)
		}
		var hits []string
		if obl != nil {
			if hits, err = checkOblivious(ctx, obl, values); err != nil {
				fmt.Fprintf(stderr, "hashgate check: %s: %v\n", f, err)
				code = 1
				continue
			}
		} else {
			hits = checkFP(r, values)
		}
		switch {
		case len(hits) > 0:
			fmt.Fprintf(stdout, "%s: candidate (%s): the edge would confirm\n", f, strings.Join(hits, ", "))
		default:
			fmt.Fprintf(stdout, "%s: no known match\n", f)
		}
	}
	return code
}

// checkOblivious is checkFP for an oblivious release: one round trip to
// the edge for all of a file's values.
func checkOblivious(ctx context.Context, c *edge.ObliviousChecker, values []kindValue) ([]string, error) {
	vs := make([]edge.Value, len(values))
	for i, v := range values {
		vs[i] = edge.Value{Kind: v.kind, Value: v.value}
	}
	kinds, err := c.Check(ctx, vs)
	if err != nil {
		return nil, err
	}
	var hits []string
	for _, k := range []fingerprint.Kind{fingerprint.KindPDQ, fingerprint.KindPHash, fingerprint.KindSHA256, fingerprint.KindMD5} {
		if slices.Contains(kinds, k) {
			hits = append(hits, k.String())
		}
	}
	return hits, nil
}

// checkFP returns the fingerprint types whose look-up keys hit the release's
// filters (release.Lookup, as the browser checker looks up), in the order
// pdq, phash, sha256, md5.
func checkFP(r *release.Release, values []kindValue) []string {
	var keys []bloom.Key
	hit := map[fingerprint.Kind]bool{}
	for _, v := range values {
		keys = r.Lookup(v.kind, v.value, keys[:0])
		hit[v.kind] = hit[v.kind] || len(keys) > 0
	}
	var hits []string
	for _, k := range []fingerprint.Kind{fingerprint.KindPDQ, fingerprint.KindPHash, fingerprint.KindSHA256, fingerprint.KindMD5} {
		if hit[k] {
			hits = append(hits, k.String())
		}
	}
	return hits
}
