package fingerprint

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParseHex: every parser accepts exactly its length of hex digits,
// round-trips what it accepts (lowercased), and rejects anything else with
// ErrMalformedHash — never a panic.
func FuzzParseHex(f *testing.F) {
	fh, err := os.Open("testdata/hashes.txt")
	if err != nil {
		f.Fatal(err)
	}
	s := bufio.NewScanner(fh)
	for s.Scan() {
		f.Add(s.Text())
	}
	fh.Close()
	f.Fuzz(func(t *testing.T, in string) {
		check := func(name string, want int, str func() string, err error) {
			if err != nil {
				if !errors.Is(err, ErrMalformedHash) {
					t.Fatalf("%s(%q): untyped error %v", name, in, err)
				}
				if len(in) == want && isHex(in) {
					t.Fatalf("%s(%q) rejected valid hex: %v", name, in, err)
				}
				return
			}
			if len(in) != want || !isHex(in) {
				t.Fatalf("%s(%q) accepted", name, in)
			}
			if got := str(); got != strings.ToLower(in) {
				t.Fatalf("%s(%q) round-trips to %q", name, in, got)
			}
		}
		p, err := ParsePDQ(in)
		check("ParsePDQ", 64, p.String, err)
		h, err := ParseHash64(in)
		check("ParseHash64", 16, h.String, err)
		d, err := ParseSHA256(in)
		check("ParseSHA256", 64, d.String, err)
		m, err := ParseMD5(in)
		check("ParseMD5", 32, m.String, err)
	})
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// FuzzFromRGBA: any buffer and dimensions give fingerprints or
// ErrInvalidImage, never a panic or an out-of-range read.
func FuzzFromRGBA(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, 1, 1)
	f.Add(make([]byte, 4*6*5), 6, 5)
	f.Add(make([]byte, 100), 600, 0)
	f.Fuzz(func(t *testing.T, pix []byte, w, h int) {
		fp, err := FromRGBA(pix, w, h)
		if err != nil {
			if !errors.Is(err, ErrInvalidImage) {
				t.Fatal(err)
			}
			return
		}
		if fp.Width != w || fp.Height != h || fp.PDQQuality < 0 || fp.PDQQuality > 100 {
			t.Fatalf("%+v", fp)
		}
	})
}
