package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashgate/hashgate/release"
)

// errOutExists is returned when --out already holds something and --force
// was not given.
var errOutExists = errors.New("output directory is not empty")

// checkOut refuses an --out directory that already holds files, unless
// force: writing a release over another would leave the old artifacts
// beside the new ones and lose the old release without a word.
func checkOut(dir string, force bool) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(ents) == 0 || force {
		return nil
	}
	what := "files"
	if _, err := os.Stat(filepath.Join(dir, release.ManifestFile)); err == nil {
		what = "a release"
	}
	return fmt.Errorf("%s holds %s: %w (choose a new directory, or --force to replace it)", dir, what, errOutExists)
}

// clearRelease removes the release in dir (manifest, signature and the
// artifacts its manifest names) before a forced rebuild, so no stale
// artifact stays beside the new ones. Other files are left alone.
func clearRelease(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, release.ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var names []string
	if m, err := release.ParseManifest(b); err == nil {
		for _, a := range m.Artifacts {
			names = append(names, a.Name)
		}
	}
	names = append(names, release.SignatureFile, release.ManifestFile)
	for _, n := range names {
		if filepath.Base(n) != n {
			continue // a hostile manifest must not name files outside dir
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
