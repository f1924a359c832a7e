package edge

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Artifact is a filter as the edge serves it: its bytes in memory (Data),
// or a file of Size bytes at Path. A release of 1e7 entries carries about
// 90 MB of filter, and during a reload the edge holds the filters of the
// release in use, the one before it and the one being loaded: on disk they
// cost no memory beside the two indexes (ReleaseVerifier.FilterDir).
type Artifact struct {
	Data []byte
	Path string
	Size int64
}

// MemoryArtifact is an Artifact held in memory.
func MemoryArtifact(b []byte) Artifact { return Artifact{Data: b, Size: int64(len(b))} }

// Filter files are named by digest, so a file is never rewritten with other
// contents and a name shared by two releases is one file.
const (
	filterPrefix = "filter-"
	filterSuffix = ".bin"
	tempPattern  = ".filter-*.tmp"
)

func filterFileName(digest string) string { return filterPrefix + digest + filterSuffix }

// storeFilter keeps data, whose SHA-256 is sum, in dir as a filter file and
// returns it as an Artifact. A file already there under that name is kept
// only if its contents hash to sum (a crash mid-write cannot leave one, as
// files appear by rename, but the directory is outside the edge's control).
func storeFilter(dir string, data []byte, sum [32]byte) (Artifact, error) {
	digest := hex.EncodeToString(sum[:])
	path := filepath.Join(dir, filterFileName(digest))
	a := Artifact{Path: path, Size: int64(len(data))}
	if ok, err := fileHasDigest(path, sum); err != nil {
		return Artifact{}, err
	} else if ok {
		return a, nil
	}
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return Artifact{}, fmt.Errorf("edge: storing filter %s: %w", digest, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return Artifact{}, fmt.Errorf("edge: storing filter %s: %w", digest, err)
	}
	return a, nil
}

// fileHasDigest reports whether the file at path exists and hashes to sum.
func fileHasDigest(path string, sum [32]byte) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("edge: reading stored filter: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, fmt.Errorf("edge: reading stored filter: %w", err)
	}
	return bytes.Equal(h.Sum(nil), sum[:]), nil
}

// pruneFilters removes the filter files and leftover temporary files in dir
// that keep does not name: files of releases no longer served, and of
// earlier runs. Other files are left alone. A request that opened a file
// before its removal still reads it whole (the open file outlives its name).
func pruneFilters(dir string, keep ...map[string]Artifact) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("edge: pruning filters: %w", err)
	}
	kept := map[string]bool{}
	for _, m := range keep {
		for _, a := range m {
			if a.Path != "" {
				kept[filepath.Base(a.Path)] = true
			}
		}
	}
	var errs []error
	for _, e := range ents {
		name := e.Name()
		ours := isFilterFileName(name) || (strings.HasPrefix(name, ".filter-") && strings.HasSuffix(name, ".tmp"))
		if !ours || kept[name] || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("edge: pruning filters: %w", errors.Join(errs...))
	}
	return nil
}

func isFilterFileName(name string) bool {
	d, ok := strings.CutPrefix(name, filterPrefix)
	if !ok {
		return false
	}
	d, ok = strings.CutSuffix(d, filterSuffix)
	return ok && len(d) == 64 && isLowerHex([]byte(d))
}
