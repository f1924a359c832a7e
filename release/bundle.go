package release

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// File names of a release directory besides the artifacts.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
)

// MaxArtifactSize bounds each artifact LoadDir reads (4 GiB).
const MaxArtifactSize = 4 << 30

// Bundle is a release as a client fetched it: the exact manifest bytes, the
// signature file, and the artifacts it has, by file name. A browser's bundle
// holds filters only; an edge's holds the list too.
type Bundle struct {
	Manifest  []byte
	Signature []byte
	Artifacts map[string][]byte
}

// LoadDir reads a release directory: manifest.json, manifest.sig, and every
// artifact the manifest names that exists in dir. It parses the manifest
// only to learn the names (and their lengths, so a huge file is not read);
// Accept does the checking. Missing artifacts are left out, not an error.
func LoadDir(dir string) (*Bundle, error) {
	man, err := readLimited(filepath.Join(dir, ManifestFile), MaxManifestSize)
	if err != nil {
		return nil, err
	}
	// A missing signature file is Accept's to report (rule signature).
	sig, err := readLimited(filepath.Join(dir, SignatureFile), 256<<10)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	b := &Bundle{Manifest: man, Signature: sig, Artifacts: map[string][]byte{}}
	m, err := ParseManifest(man)
	if err != nil {
		return b, nil // Accept reports the format error with its rule
	}
	for _, a := range m.Artifacts {
		// Read one byte past the recorded length so a longer file is seen
		// as a length mismatch rather than silently truncated.
		limit := int64(a.Length) + 1
		if a.Length >= MaxArtifactSize {
			limit = MaxArtifactSize
		}
		data, err := readLimited(filepath.Join(dir, a.Name), limit)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		b.Artifacts[a.Name] = data
	}
	return b, nil
}

// readLimited reads at most limit bytes of the file.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, wrap("release", err)
	}
	defer f.Close()
	// One allocation sized from the file: io.ReadAll grows by doubling, and
	// for a 370 MB list that left about 1 GB of garbage in an edge that is
	// holding an index beside it. One byte of spare capacity lets the read
	// see EOF without growing; a file that grows meanwhile still reads
	// (up to limit).
	size := int64(bytes.MinRead)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = min(st.Size(), limit) + 1
	}
	data := make([]byte, 0, size)
	r := io.LimitReader(f, limit)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, wrap("release", err)
		}
	}
	if int64(len(data)) == limit && limit > 0 {
		// Only an artifact is read with limit = length+1; a manifest or
		// signature at its cap is too large.
		if filepath.Base(path) == ManifestFile || filepath.Base(path) == SignatureFile {
			return nil, formatErr(filepath.Base(path) + " larger than " + strconv.FormatInt(limit, 10) + " bytes")
		}
	}
	return data, nil
}
