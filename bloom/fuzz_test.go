package bloom

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: Load never panics; what it accepts marshals back to the same
// bytes and answers look-ups; what it refuses is an ErrFormat.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.bin"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:headerSize])
	}
	empty, _ := Build(nil, BuildOptions{Kind: KindBinaryFuse16})
	b, _ := Marshal(empty)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := Load(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not match ErrFormat", err)
			}
			return
		}
		again, err := Marshal(g)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted input does not marshal back to itself: %v", err)
		}
		for k := range Key(64) {
			g.Contains(k * 0x9e3779b97f4a7c15)
		}
	})
}

// FuzzParseLayout: a layout that parses is valid and prints back as its input.
func FuzzParseLayout(f *testing.F) {
	for _, s := range []string{"exact", "4x64", "4x64+p1", "8x32+p1/oblivious", "2x128/oblivious", "8x32"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLayout(s)
		if err != nil {
			if !errors.Is(err, ErrLayout) {
				t.Fatalf("error %v does not match ErrLayout", err)
			}
			return
		}
		if l.Validate() != nil || l.String() != s {
			t.Fatalf("ParseLayout(%q) = %+v, prints %q", s, l, l.String())
		}
	})
}
