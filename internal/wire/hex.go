package wire

// Hex without encoding/hex, whose error types bring fmt into the wasm
// module.

// HexDigits is the lowercase hex alphabet hashgate writes.
const HexDigits = "0123456789abcdef"

// AppendHex appends the lowercase hex form of src to dst.
func AppendHex(dst, src []byte) []byte {
	for _, c := range src {
		dst = append(dst, HexDigits[c>>4], HexDigits[c&15])
	}
	return dst
}

// HexString is the lowercase hex form of b.
//
//go:noinline
func HexString(b []byte) string { return string(AppendHex(make([]byte, 0, 2*len(b)), b)) }

// HexValue is the value (0..15) of a hex digit of either case, or 0xff.
func HexValue(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0xff
}

// DecodeHex fills dst from the hex digits in s, which must be exactly
// 2*len(dst) of them; with lower, only lowercase digits are accepted (the
// canonical form of manifests and queries). It returns -1, or the offset
// of the first pair of s that holds a bad digit (len(s) for a wrong length).
func DecodeHex[T string | []byte](dst []byte, s T, lower bool) int {
	if len(s) != 2*len(dst) {
		return len(s)
	}
	for i := range dst {
		hi, lo := HexValue(s[2*i]), HexValue(s[2*i+1])
		if hi > 15 || lo > 15 || lower && (s[2*i] >= 'A' && s[2*i] <= 'F' || s[2*i+1] >= 'A' && s[2*i+1] <= 'F') {
			return 2 * i
		}
		dst[i] = hi<<4 | lo
	}
	return -1
}

// IsLowerHex reports whether s is all lowercase hex digits (any length).
func IsLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; HexValue(c) > 15 || 'A' <= c && c <= 'F' {
			return false
		}
	}
	return true
}
