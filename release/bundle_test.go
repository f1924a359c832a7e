package release

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestLoadDir reads a written release directory back, and checks what it
// reads from damaged ones: an artifact longer than the manifest says is read
// one byte past its length (so Accept reports a length mismatch) and no
// further, a shorter one is read as it is, a missing one is left out, and
// an oversized manifest is refused.
func TestLoadDir(t *testing.T) {
	fx := newFixture(t)
	list := artifactOf(t, fx.v1, RoleList)
	filter := artifactOf(t, fx.v1, RoleFilter)
	want := fx.v1.Artifacts[list]

	cases := []struct {
		name    string
		edit    func(t *testing.T, dir string)
		check   func(t *testing.T, b *Bundle)
		wantErr bool
	}{
		{"intact", nil, func(t *testing.T, b *Bundle) {
			if !bytes.Equal(b.Manifest, fx.v1.Manifest) || !bytes.Equal(b.Signature, fx.v1.Signature) || len(b.Artifacts) != len(fx.v1.Artifacts) {
				t.Fatalf("bundle differs: %d artifacts", len(b.Artifacts))
			}
			for name, data := range fx.v1.Artifacts {
				if !bytes.Equal(b.Artifacts[name], data) {
					t.Errorf("artifact %s differs", name)
				}
			}
		}, false},
		{"artifact much longer", func(t *testing.T, dir string) {
			appendFile(t, filepath.Join(dir, list), bytes.Repeat([]byte{1}, 1<<20))
		}, func(t *testing.T, b *Bundle) {
			if got := b.Artifacts[list]; len(got) != len(want)+1 || !bytes.Equal(got[:len(want)], want) {
				t.Fatalf("read %d bytes of a longer artifact, want its %d and one more", len(got), len(want))
			}
			if _, err := Accept(b, AcceptOptions{Trust: fx.signer.Trust(), Now: testNow}); !errors.Is(err, ErrLength) {
				t.Errorf("Accept: %v, want ErrLength", err)
			}
		}, false},
		{"artifact shorter", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, list), int64(len(want)-7)); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, b *Bundle) {
			if got := b.Artifacts[list]; !bytes.Equal(got, want[:len(want)-7]) {
				t.Fatalf("read %d bytes of a truncated artifact, want %d", len(got), len(want)-7)
			}
		}, false},
		{"artifact missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, filter)); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, b *Bundle) {
			if _, ok := b.Artifacts[filter]; ok || len(b.Artifacts) != len(fx.v1.Artifacts)-1 {
				t.Fatalf("missing artifact: %d artifacts read", len(b.Artifacts))
			}
		}, false},
		{"empty artifact", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, filter), 0); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, b *Bundle) {
			if got, ok := b.Artifacts[filter]; !ok || len(got) != 0 {
				t.Fatalf("empty artifact read as %d bytes (present %v)", len(got), ok)
			}
		}, false},
		{"manifest too large", func(t *testing.T, dir string) {
			appendFile(t, filepath.Join(dir, ManifestFile), bytes.Repeat([]byte(" "), MaxManifestSize))
		}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteDir(dir, fx.v1); err != nil {
				t.Fatal(err)
			}
			if c.edit != nil {
				c.edit(t, dir)
			}
			b, err := LoadDir(dir)
			if c.wantErr {
				if err == nil {
					t.Fatal("LoadDir succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, b)
		})
	}
}

func appendFile(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReadLimitedAllocatesOnce holds LoadDir to one buffer per artifact: an
// edge reads a list of hundreds of megabytes while it holds an index, and
// growing the buffer by doubling (io.ReadAll) allocated about three times
// the file.
func TestReadLimitedAllocatesOnce(t *testing.T) {
	const size = 8 << 20
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, bytes.Repeat([]byte{7}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	data, err := readLimited(path, size+1)
	runtime.ReadMemStats(&m1)
	if err != nil || len(data) != size {
		t.Fatalf("read %d bytes, err %v", len(data), err)
	}
	if got := m1.TotalAlloc - m0.TotalAlloc; got > size+size/8 {
		t.Errorf("reading %d bytes allocated %d", size, got)
	}
}
