package bloom

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenFilters are the filters pinned in testdata: the keys are
// randomKeys(1000, 42), the key id 01..08.
var goldenFilters = []struct {
	file string
	kind Kind
	p    float64
}{
	{"splitblock-1000-p0.01.v2.bin", KindSplitBlock, 0.01},
	{"binaryfuse8-1000.v2.bin", KindBinaryFuse8, 1.0 / 256},
	{"binaryfuse16-1000.v2.bin", KindBinaryFuse16, 1.0 / 65536},
}

var goldenKeyID = [8]byte{1, 2, 3, 4, 5, 6, 7, 8}

func TestGoldenFilters(t *testing.T) {
	keys := randomKeys(1000, 42)
	for _, g := range goldenFilters {
		t.Run(g.file, func(t *testing.T) {
			f, err := Build(keys, BuildOptions{Kind: g.kind, TargetFPR: g.p, KeyID: goldenKeyID})
			if err != nil {
				t.Fatal(err)
			}
			b, err := Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", g.file)
			if *update {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("Marshal differs from %s: the format or the build changed", path)
			}
			h, err := Load(want)
			if err != nil {
				t.Fatal(err)
			}
			if h.Kind() != g.kind || h.Len() != 1000 || h.KeyID() != goldenKeyID || h.SizeBytes() != len(want)-headerSize {
				t.Fatalf("loaded %v len %d id %x size %d", h.Kind(), h.Len(), h.KeyID(), h.SizeBytes())
			}
			for _, k := range keys {
				if !h.Contains(k) {
					t.Fatal("golden filter misses a key")
				}
			}
		})
	}
}

func TestMarshalLoadIdentical(t *testing.T) {
	const n = 1_000_000
	keys := randomKeys(n, 11)
	probes := append(randomKeys(n, 12), keys[:1000]...)
	for _, kind := range kinds {
		f, err := Build(keys, BuildOptions{Kind: kind, TargetFPR: 1.0 / 256, KeyID: [8]byte{9}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		g, err := Load(b)
		if err != nil {
			t.Fatal(err)
		}
		if g.Kind() != f.Kind() || g.Len() != f.Len() || g.SizeBytes() != f.SizeBytes() || g.KeyID() != f.KeyID() {
			t.Fatalf("%v: loaded filter differs in its description", kind)
		}
		hits := 0
		for _, k := range probes {
			a := f.Contains(k)
			if a != g.Contains(k) {
				t.Fatalf("%v: loaded filter answers differently for %#x", kind, k)
			}
			if a {
				hits++
			}
		}
		if hits < 1000 {
			t.Fatalf("%v: %d hits, want at least the 1000 inserted", kind, hits)
		}
		again, _ := Marshal(g)
		if !bytes.Equal(again, b) {
			t.Fatalf("%v: Marshal(Load(b)) != b", kind)
		}
	}
}

func goldenBytes(t testing.TB, file string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoadRefusesDamage: every truncation and every single-bit flip of the
// header is an error matching ErrFormat, never a panic.
func TestLoadRefusesDamage(t *testing.T) {
	for _, g := range goldenFilters {
		b := goldenBytes(t, g.file)
		for n := 0; n < len(b); n++ {
			if _, err := Load(b[:n]); !errors.Is(err, ErrFormat) {
				t.Fatalf("%s truncated to %d bytes: error %v", g.file, n, err)
			}
		}
		if _, err := Load(b[:len(b)-1]); !errors.Is(err, ErrTruncated) {
			t.Errorf("%s one byte short: %v, want ErrTruncated", g.file, err)
		}
		for bit := 0; bit < 8*headerSize; bit++ {
			c := bytes.Clone(b)
			c[bit/8] ^= 1 << (bit % 8)
			if _, err := Load(c); !errors.Is(err, ErrFormat) {
				t.Fatalf("%s with header bit %d flipped: error %v", g.file, bit, err)
			}
		}
		if _, err := Load(append(bytes.Clone(b), 0)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s with a trailing byte: %v", g.file, err)
		}
	}
}

// reseal rewrites the header checksum, so the consistency checks behind it
// are what a test exercises.
func reseal(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[60:], crc32.Checksum(b[:60], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func TestLoadRefusesInconsistentHeaders(t *testing.T) {
	sb := goldenBytes(t, goldenFilters[0].file)
	fu := goldenBytes(t, goldenFilters[2].file)
	put32 := func(off int, v uint32) func([]byte) {
		return func(b []byte) { binary.LittleEndian.PutUint32(b[off:], v) }
	}
	put64 := func(off int, v uint64) func([]byte) {
		return func(b []byte) { binary.LittleEndian.PutUint64(b[off:], v) }
	}
	cases := []struct {
		name string
		in   []byte
		edit func([]byte)
		want error
	}{
		{"magic", sb, func(b []byte) { b[0] = 'X' }, ErrFormat},
		{"version 1", sb, func(b []byte) { b[4] = 1 }, ErrVersion},
		{"version 1 fuse", fu, func(b []byte) { b[4] = 1 }, ErrVersion},
		{"version 3", sb, func(b []byte) { b[4] = 3 }, ErrVersion},
		{"kind 0", sb, func(b []byte) { b[6] = 0 }, ErrFormat},
		{"kind 4", sb, func(b []byte) { b[6] = 4 }, ErrFormat},
		{"flags", sb, func(b []byte) { b[7] = 1 }, ErrFormat},
		{"reserved", sb, func(b []byte) { b[50] = 1 }, ErrFormat},
		{"table longer than input", sb, put64(24, uint64(len(sb))), ErrTruncated},
		{"table shorter than input", sb, put64(24, uint64(len(sb)-headerSize-32)), ErrFormat},
		{"huge table", sb, put64(24, 1<<62), ErrTruncated},
		{"huge count", sb, put64(16, 1<<40), ErrFormat},
		{"split-block blocks", sb, put32(40, 3), ErrFormat},
		{"split-block zero blocks", sb, put32(40, 0), ErrFormat},
		{"split-block seed", sb, put64(32, 1), ErrFormat},
		{"split-block kind as fuse", sb, func(b []byte) { b[6] = byte(KindBinaryFuse8) }, ErrFormat},
		{"fuse segment length not a power of two", fu, put32(40, 3), ErrFormat},
		{"fuse segment length zero", fu, put32(40, 0), ErrFormat},
		{"fuse segment length huge", fu, put32(40, 1<<31), ErrFormat},
		{"fuse segment count zero", fu, put32(44, 0), ErrFormat},
		{"fuse segment count huge", fu, put32(44, 1<<31), ErrFormat},
		{"fuse even multiplier", fu, put64(32, 2), ErrFormat},
		{"fuse zero multiplier", fu, put64(32, 0), ErrFormat},
		{"fuse width", fu, func(b []byte) { b[6] = byte(KindBinaryFuse8) }, ErrFormat},
		{"fuse more keys than entries", fu, put64(16, 1<<20), ErrFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(c.in)
			c.edit(b)
			_, err := Load(reseal(b))
			if !errors.Is(err, c.want) || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "bloom: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestMarshalForeignFilter(t *testing.T) {
	if _, err := Marshal(Set{}.Base); !errors.Is(err, ErrOptions) {
		t.Errorf("Marshal(nil) error = %v", err)
	}
}

// The header of the split-block golden file, spelled out: a reader of
// format.go can check the documented layout against real bytes.
func TestGoldenHeaderLayout(t *testing.T) {
	b := goldenBytes(t, goldenFilters[0].file)
	want := "48474246" + "0200" + "01" + "00" + "0102030405060708" +
		"e803000000000000" // 1000 keys
	if got := hex.EncodeToString(b[:24]); got != want {
		t.Errorf("header starts %s, want %s", got, want)
	}
	nb := binary.LittleEndian.Uint32(b[40:])
	if binary.LittleEndian.Uint64(b[24:]) != uint64(nb)*32 || int(nb) != SplitBlockBlocks(1000, 0.01) {
		t.Errorf("table length / block count do not match: %d blocks", nb)
	}
}
