package fingerprint

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	// Hashes from the reference's output for bridge-mods/aaa-orig (expected.tsv).
	const pdq = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	h, err := ParsePDQ(strings.ToUpper(pdq))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.String(); got != pdq {
		t.Errorf("String() = %s, want %s", got, pdq)
	}
	// The last hex digit is 2 = 0b0010: bit 1 set, bits 0, 2, 3 clear.
	if h.Bit(0) || !h.Bit(1) || h.Bit(2) || h.Bit(3) {
		t.Errorf("bit order: low bits of %s read wrong", pdq)
	}
	// The first hex digit is d = 0b1101: bits 255, 254 and 252 set.
	if !h.Bit(255) || !h.Bit(254) || h.Bit(253) || !h.Bit(252) {
		t.Errorf("bit order: high bits of %s read wrong", pdq)
	}
	var z PDQHash
	z.SetBit(0)
	z.SetBit(255)
	if got := z.String(); got != "80000000000000000000000000000000000000000000000000000000000000"+"01" {
		t.Errorf("SetBit(0), SetBit(255) = %s", got)
	}

	p, err := ParseHash64("f8f0e0c0a0908000")
	if err != nil || p != 0xf8f0e0c0a0908000 || p.String() != "f8f0e0c0a0908000" {
		t.Errorf("ParseHash64 = %x, %v", uint64(p), err)
	}
	s, err := ParseSHA256(strings.Repeat("ab", 32))
	if err != nil || s.String() != strings.Repeat("ab", 32) {
		t.Errorf("ParseSHA256 = %s, %v", s, err)
	}
	m, err := ParseMD5(strings.Repeat("0f", 16))
	if err != nil || m.String() != strings.Repeat("0f", 16) {
		t.Errorf("ParseMD5 = %s, %v", m, err)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) error
		in    string
	}{
		{"pdq short", func(s string) error { _, err := ParsePDQ(s); return err }, strings.Repeat("a", 63)},
		{"pdq long", func(s string) error { _, err := ParsePDQ(s); return err }, strings.Repeat("a", 65)},
		{"pdq non-hex", func(s string) error { _, err := ParsePDQ(s); return err }, strings.Repeat("a", 63) + "g"},
		{"phash empty", func(s string) error { _, err := ParseHash64(s); return err }, ""},
		{"phash prefix", func(s string) error { _, err := ParseHash64(s); return err }, "p:f8f0e0c0a09080"},
		{"sha256 space", func(s string) error { _, err := ParseSHA256(s); return err }, " " + strings.Repeat("a", 63)},
		{"md5 sha256-length", func(s string) error { _, err := ParseMD5(s); return err }, strings.Repeat("a", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.in)
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("err = %v, want ErrMalformedHash", err)
			}
			if !strings.HasPrefix(err.Error(), "fingerprint: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	a, _ := ParsePDQ(strings.Repeat("0", 64))
	b, _ := ParsePDQ(strings.Repeat("f", 64))
	c, _ := ParsePDQ("1" + strings.Repeat("0", 62) + "3")
	for _, tt := range []struct {
		x, y PDQHash
		want int
	}{{a, a, 0}, {a, b, 256}, {a, c, 3}, {b, c, 253}} {
		if got := tt.x.Distance(tt.y); got != tt.want {
			t.Errorf("Distance(%s, %s) = %d, want %d", tt.x, tt.y, got, tt.want)
		}
	}
	if got := Hash64(0xff00).Distance(0x0f0f); got != 8 {
		t.Errorf("Hash64 distance = %d, want 8", got)
	}
}

func TestKind(t *testing.T) {
	// The numbers and lengths are in binary formats: pinned, never renumbered.
	for _, tt := range []struct {
		k    Kind
		num  uint8
		name string
		n    int
	}{
		{KindPDQ, 1, "pdq", 32}, {KindPHash, 2, "phash", 8}, {KindSHA256, 3, "sha256", 32},
		{KindMD5, 4, "md5", 16}, {KindDHash, 5, "dhash", 8}, {KindAHash, 6, "ahash", 8},
		{KindVPDQ, 7, "vpdq", 0},
	} {
		if uint8(tt.k) != tt.num || tt.k.String() != tt.name || tt.k.ValueLen() != tt.n {
			t.Errorf("kind %d = (%d, %q, %d), want (%d, %q, %d)", tt.k, tt.k, tt.k, tt.k.ValueLen(), tt.num, tt.name, tt.n)
		}
	}
	for i, k := range Kinds() {
		if k != Kind(i+1) || (k.ValueLen() == 0) != (k == KindVPDQ) {
			t.Errorf("Kinds()[%d] = %v (%d bytes)", i, k, k.ValueLen())
		}
		if got := ParseKind(strings.ToUpper(k.String())); got != k {
			t.Errorf("ParseKind(%q) = %v, want %v", k.String(), got, k)
		}
	}
	if ParseKind("video_md5") != KindUnknown || ParseKind("") != KindUnknown || ParseKind("unknown") != KindUnknown {
		t.Error("ParseKind accepted an unknown name")
	}
	if n := Kind(len(Kinds()) + 1); n.ValueLen() != 0 || n.String() != "unknown" {
		t.Errorf("kind %d past the table = (%q, %d)", n, n, n.ValueLen())
	}
}
