package wire

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestHex(t *testing.T) {
	b := []byte{0, 0x0f, 0xa5, 0xff}
	if got := HexString(b); got != "000fa5ff" {
		t.Fatalf("HexString = %q", got)
	}
	for _, tt := range []struct {
		in    string
		lower bool
		want  int
	}{
		{"000fa5ff", true, -1}, {"000FA5FF", false, -1}, {"000FA5FF", true, 2},
		{"000fa5f", false, 7}, {"000fa5fg", false, 6}, {"x00fa5ff", false, 0},
	} {
		dst := make([]byte, 4)
		if got := DecodeHex(dst, tt.in, tt.lower); got != tt.want || got < 0 && !bytes.Equal(dst, b) {
			t.Errorf("DecodeHex(%q, %v) = %d (%x), want %d", tt.in, tt.lower, got, dst, tt.want)
		}
	}
	if !IsLowerHex("09af") || IsLowerHex("09aF") || IsLowerHex("g") || !IsLowerHex("") {
		t.Error("IsLowerHex")
	}
}

// FuzzDecodeHex is differential: DecodeHex against encoding/hex, in both
// modes and for both input types.
func FuzzDecodeHex(f *testing.F) {
	for _, s := range []string{"", "00", "aF", "zz", "abc", "0123456789abcdefABCDEF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := hex.DecodeString(s)
		n := len(s) / 2
		for _, lower := range []bool{false, true} {
			dst := make([]byte, n)
			got := DecodeHex(dst, s, lower)
			if got2 := DecodeHex(make([]byte, n), []byte(s), lower); got2 != got {
				t.Fatalf("string and []byte disagree on %q: %d, %d", s, got, got2)
			}
			ok := err == nil && (!lower || s == strings.ToLower(s))
			if (got < 0) != ok {
				t.Fatalf("DecodeHex(%q, %v) = %d, encoding/hex: %v", s, lower, got, err)
			}
			if ok && !bytes.Equal(dst, want) {
				t.Fatalf("DecodeHex(%q) = %x, want %x", s, dst, want)
			}
			if ok && HexString(dst) != strings.ToLower(s) {
				t.Fatalf("HexString(%x) = %q", dst, HexString(dst))
			}
		}
	})
}
