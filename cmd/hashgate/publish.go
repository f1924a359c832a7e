package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/hashgate/hashgate/release"
)

// A site is what edges and CDNs serve (docs/release.md#publishing):
//
//	SITE/manifest.json, manifest.sig   the current release: the pointer
//	SITE/<artifacts>                   every kept release's artifacts, by digest
//	SITE/releases/<version>/           each published release, complete
//
// Artifacts are named by their digest, so the releases share them and a
// file is never rewritten in place; only the pointer changes.

// releasesDir is the site's folder of versioned releases.
const releasesDir = "releases"

func runPublish(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := newFlags("publish", "DIR --site SITE --pub KEYS [--keep N] [--keep-for D]", `
Promote a built release to a site that edges poll (hashgate serve --release
SITE) and a CDN serves as it is. The release is verified first, as an edge
would (both signatures against --pub, expiry, every artifact's length and
digest, a version newer than the site's current one), then:

  1. its artifacts are copied into SITE (named by digest: never rewritten);
  2. SITE/releases/VERSION/ gets a complete copy (hard links where possible);
  3. SITE/manifest.sig and SITE/manifest.json are replaced, each by rename:
     the current release switches at once, and its artifacts are already
     in place;
  4. old releases are pruned: a release folder goes once it is older than
     the newest --keep releases AND was published more than --keep-for ago,
     and with it the artifacts no kept release names. Clients that read the
     previous manifest, and deltas built on a kept release, still find their
     files.

An edge reading the site in the instant between the two renames sees a
manifest and a signature that do not belong together, refuses that pair
once and takes the new release at its next poll.`, stdout, stderr)
	site := fl.String("site", "", "site directory edges and CDNs serve (created if absent)")
	pub := fl.String("pub", "", "publisher public key file or keygen directory the release must verify against")
	keep := fl.Int("keep", 3, "releases kept, the current one included (at least 2)")
	keepFor := fl.Duration("keep-for", 72*time.Hour, "a superseded release is kept at least this long after it was published")
	browser := fl.Bool("browser", false, "publish a browser-only release (built --no-edge): no edge list")
	if code := parseFlags(fl, args, stdout); code >= 0 {
		return code
	}
	if fl.NArg() != 1 || *site == "" || *pub == "" {
		return usageErr(stderr, "publish", "want DIR, --site SITE and --pub KEYS")
	}
	if *keep < 2 {
		return usageErr(stderr, "publish", "--keep must be at least 2: clients may still be reading the previous release")
	}
	trust, err := loadTrust(*pub)
	if err != nil {
		return fail(stderr, "publish", err)
	}
	cur, err := currentVersion(*site)
	if err != nil {
		return fail(stderr, "publish", err)
	}
	b, err := release.LoadDir(fl.Arg(0))
	if err != nil {
		return fail(stderr, "publish", err)
	}
	r, err := release.Accept(b, release.AcceptOptions{Trust: trust, LastVersion: cur, RequireList: !*browser})
	if err != nil {
		var re *release.RuleError
		if errors.As(err, &re) {
			fmt.Fprintf(stderr, "hashgate publish: REFUSED (rule %s): %v\n", re.Rule, re.Err)
			return 1
		}
		return fail(stderr, "publish", err)
	}
	if err := ctx.Err(); err != nil {
		return fail(stderr, "publish", err)
	}
	v := r.Manifest.Version
	if err := publish(*site, v, b); err != nil {
		return fail(stderr, "publish", err)
	}
	pruned, err := prune(*site, *keep, *keepFor, time.Now())
	if err != nil {
		return fail(stderr, "publish", fmt.Errorf("published version %d, but pruning failed: %w", v, err))
	}
	fmt.Fprintf(stdout, "published %s as version %d at %s (previous: %d); pruned %d old release(s)\n", fl.Arg(0), v, *site, cur, pruned)
	return 0
}

// currentVersion is the version of the site's current manifest, 0 for a
// new site.
func currentVersion(site string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(site, release.ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	m, err := release.ParseManifest(b)
	if err != nil {
		return 0, fmt.Errorf("%s: the current manifest: %w", site, err)
	}
	return m.Version, nil
}

func publish(site string, version uint64, b *release.Bundle) error {
	dir := filepath.Join(site, releasesDir, strconv.FormatUint(version, 10))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(b.Artifacts)) {
		if filepath.Base(name) != name {
			return fmt.Errorf("artifact name %q is not a plain file name", name)
		}
		top := filepath.Join(site, name)
		// Named by digest: a file already there with the right length is
		// this artifact (Accept checked the bytes we hold).
		if st, err := os.Stat(top); err != nil || st.Size() != int64(len(b.Artifacts[name])) {
			if err := writeAtomic(top, b.Artifacts[name]); err != nil {
				return err
			}
		}
		dst := filepath.Join(dir, name)
		os.Remove(dst)
		if err := os.Link(top, dst); err != nil {
			if err := writeAtomic(dst, b.Artifacts[name]); err != nil {
				return err
			}
		}
	}
	if err := writeAtomic(filepath.Join(dir, release.SignatureFile), b.Signature); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, release.ManifestFile), b.Manifest); err != nil {
		return err
	}
	// The pointer: signature first, then the manifest an edge polls.
	if err := writeAtomic(filepath.Join(site, release.SignatureFile), b.Signature); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(site, release.ManifestFile), b.Manifest)
}

// prune removes release folders beyond the newest keep that were published
// more than keepFor before now, then the site's artifacts that only they
// named. It returns how many folders went.
func prune(site string, keep int, keepFor time.Duration, now time.Time) (int, error) {
	ents, err := os.ReadDir(filepath.Join(site, releasesDir))
	if err != nil {
		return 0, err
	}
	var versions []uint64
	for _, e := range ents {
		if v, err := strconv.ParseUint(e.Name(), 10, 64); err == nil && e.IsDir() {
			versions = append(versions, v)
		}
	}
	slices.Sort(versions)
	slices.Reverse(versions)
	kept := map[string]bool{}
	var gone []map[string]bool
	n := 0
	for i, v := range versions {
		dir := filepath.Join(site, releasesDir, strconv.FormatUint(v, 10))
		names, published, err := releaseFiles(dir)
		if err != nil {
			return n, err
		}
		if i < keep || now.Sub(published) < keepFor {
			for k := range names {
				kept[k] = true
			}
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			return n, err
		}
		gone = append(gone, names)
		n++
	}
	// The current manifest's artifacts stay whatever the folders say.
	if cur, _, err := releaseFiles(site); err == nil {
		for k := range cur {
			kept[k] = true
		}
	}
	for _, names := range gone {
		for name := range names {
			if !kept[name] {
				if err := os.Remove(filepath.Join(site, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return n, err
				}
			}
		}
	}
	return n, nil
}

// releaseFiles lists the artifacts a release folder's manifest names and
// when the folder was published (its manifest's modification time).
func releaseFiles(dir string) (map[string]bool, time.Time, error) {
	p := filepath.Join(dir, release.ManifestFile)
	st, err := os.Stat(p)
	if err != nil {
		return nil, time.Time{}, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, time.Time{}, err
	}
	m, err := release.ParseManifest(b)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", p, err)
	}
	names := map[string]bool{}
	for _, a := range m.Artifacts {
		if filepath.Base(a.Name) == a.Name {
			names[a.Name] = true
		}
	}
	return names, st.ModTime(), nil
}

// writeAtomic writes through a temporary file and a rename, so a reader
// sees the old file or the new one, never part of one.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
