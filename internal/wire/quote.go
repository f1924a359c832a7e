package wire

// Quote is strconv.Quote for error messages, without its Unicode
// printability tables (~4 KB of the compressed wasm module): printable
// ASCII stays, quote and backslash are escaped, every other byte is \xNN.
// For printable ASCII the two agree.
func Quote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20 && c < 0x7f:
			b = append(b, c)
		default:
			b = append(b, '\\', 'x', HexDigits[c>>4], HexDigits[c&15])
		}
	}
	return string(append(b, '"'))
}
