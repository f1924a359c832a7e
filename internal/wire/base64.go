package wire

// Standard base64 (RFC 4648 §4, padded), written out because
// encoding/base64's general encoder (every alphabet, padding mode and
// streaming form, built at start-up) is ~6 KB of the compressed wasm
// module, which needs only this one form. Tests hold both functions to
// encoding/base64's StdEncoding (decoding: its Strict mode) on every input,
// by fuzzing.

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// Base64Encode is base64.StdEncoding.EncodeToString.
func Base64Encode(src []byte) string {
	dst := make([]byte, 0, (len(src)+2)/3*4)
	for len(src) >= 3 {
		v := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		dst = append(dst, base64Alphabet[v>>18&63], base64Alphabet[v>>12&63], base64Alphabet[v>>6&63], base64Alphabet[v&63])
		src = src[3:]
	}
	switch len(src) {
	case 1:
		v := uint(src[0]) << 16
		dst = append(dst, base64Alphabet[v>>18&63], base64Alphabet[v>>12&63], '=', '=')
	case 2:
		v := uint(src[0])<<16 | uint(src[1])<<8
		dst = append(dst, base64Alphabet[v>>18&63], base64Alphabet[v>>12&63], base64Alphabet[v>>6&63], '=')
	}
	return string(dst)
}

// base64Value is the 6-bit value of an alphabet byte, or 0xff.
func base64Value(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A'
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26
	case '0' <= c && c <= '9':
		return c - '0' + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return 0xff
}

// Base64Decode is base64.StdEncoding.Strict().DecodeString, down to what it
// accepts: CR and LF are ignored wherever they are; what remains is whole
// four-character groups, only the last of which may end in "=" or "==";
// and the bits padding leaves over must be zero. It reports only whether
// s is valid (the callers' errors name the field).
func Base64Decode(s string) ([]byte, bool) {
	b := []byte(s)
	n := 0
	for _, c := range b {
		if c != '\r' && c != '\n' {
			b[n] = c
			n++
		}
	}
	b = b[:n]
	if len(b)%4 != 0 {
		return nil, false
	}
	out := make([]byte, 0, len(b)/4*3)
	for i := 0; i < len(b); i += 4 {
		q := b[i : i+4]
		pad := 0
		if i+4 == len(b) {
			switch {
			case q[2] == '=' && q[3] == '=':
				pad = 2
			case q[3] == '=':
				pad = 1
			}
		}
		var v uint
		for _, c := range q[:4-pad] {
			d := base64Value(c)
			if d == 0xff {
				return nil, false
			}
			v = v<<6 | uint(d)
		}
		switch pad {
		case 0:
			out = append(out, byte(v>>16), byte(v>>8), byte(v))
		case 1: // 18 bits: two bytes and two bits that must be zero
			if v&3 != 0 {
				return nil, false
			}
			out = append(out, byte(v>>10), byte(v>>2))
		case 2: // 12 bits: one byte and four bits that must be zero
			if v&15 != 0 {
				return nil, false
			}
			out = append(out, byte(v>>4))
		}
	}
	return out, true
}
