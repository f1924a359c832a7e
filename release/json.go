package release

import (
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file is a small, strict JSON reader and a canonical writer for the
// manifest. encoding/json would pull reflect (and fmt) into the wasm module;
// the manifest needs objects, arrays, strings, integers and one float.
//
// Strict means: UTF-8 only, no duplicate object keys, no trailing bytes, no
// NaN/Infinity, nesting at most maxDepth, at most maxManifestSize bytes.

// maxDepth bounds nesting so a hostile manifest cannot exhaust the stack.
const maxDepth = 16

// jkind is a JSON value's type.
type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jvalue is a parsed JSON value. Numbers keep their text so integers survive
// without a float detour.
type jvalue struct {
	kind jkind
	b    bool
	s    string // string value, or number text
	arr  []jvalue
	obj  []jmember
}

type jmember struct {
	key string
	val jvalue
}

// get returns the member named key, or nil.
func (v *jvalue) get(key string) *jvalue {
	for i := range v.obj {
		if v.obj[i].key == key {
			return &v.obj[i].val
		}
	}
	return nil
}

var errJSON = errors.New("release: malformed JSON")

type jparser struct {
	b   []byte
	pos int
}

func jsonErr(p *jparser, msg string) error {
	return &jsonError{off: p.pos, msg: msg}
}

// jsonError is a syntax error with its byte offset.
type jsonError struct {
	off int
	msg string
}

func (e *jsonError) Error() string {
	return "release: malformed JSON at byte " + strconv.Itoa(e.off) + ": " + e.msg
}

func (e *jsonError) Unwrap() error { return errJSON }

// parseJSON parses exactly one JSON value filling b (whitespace around it allowed).
func parseJSON(b []byte) (jvalue, error) {
	if !utf8.Valid(b) {
		return jvalue{}, &jsonError{off: 0, msg: "not valid UTF-8"}
	}
	p := &jparser{b: b}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return jvalue{}, err
	}
	p.skipSpace()
	if p.pos != len(p.b) {
		return jvalue{}, jsonErr(p, "trailing data after the value")
	}
	return v, nil
}

func (p *jparser) skipSpace() {
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) value(depth int) (jvalue, error) {
	if depth > maxDepth {
		return jvalue{}, jsonErr(p, "nested too deeply")
	}
	if p.pos >= len(p.b) {
		return jvalue{}, jsonErr(p, "unexpected end of input")
	}
	switch c := p.b[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return jvalue{kind: jString, s: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.lit("true"):
		return jvalue{kind: jBool, b: true}, nil
	case p.lit("false"):
		return jvalue{kind: jBool}, nil
	case p.lit("null"):
		return jvalue{kind: jNull}, nil
	}
	return jvalue{}, jsonErr(p, "unexpected character")
}

func (p *jparser) lit(s string) bool {
	if len(p.b)-p.pos >= len(s) && string(p.b[p.pos:p.pos+len(s)]) == s {
		p.pos += len(s)
		return true
	}
	return false
}

func (p *jparser) object(depth int) (jvalue, error) {
	p.pos++ // '{'
	v := jvalue{kind: jObject}
	var keys map[string]struct{} // duplicate check for large objects, so it stays linear
	p.skipSpace()
	if p.pos < len(p.b) && p.b[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.b) || p.b[p.pos] != '"' {
			return v, jsonErr(p, "want an object key")
		}
		keyAt := p.pos
		k, err := p.str()
		if err != nil {
			return v, err
		}
		dup := false
		if len(v.obj) < 16 {
			dup = v.get(k) != nil
		} else {
			if keys == nil {
				keys = make(map[string]struct{}, 32)
				for _, m := range v.obj {
					keys[m.key] = struct{}{}
				}
			}
			_, dup = keys[k]
			keys[k] = struct{}{}
		}
		if dup {
			p.pos = keyAt
			return v, jsonErr(p, "duplicate key "+quote(k))
		}
		p.skipSpace()
		if p.pos >= len(p.b) || p.b[p.pos] != ':' {
			return v, jsonErr(p, "want ':'")
		}
		p.pos++
		p.skipSpace()
		val, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		v.obj = append(v.obj, jmember{k, val})
		p.skipSpace()
		if p.pos >= len(p.b) {
			return v, jsonErr(p, "unexpected end of input in object")
		}
		switch p.b[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v, nil
		default:
			return v, jsonErr(p, "want ',' or '}'")
		}
	}
}

func (p *jparser) array(depth int) (jvalue, error) {
	p.pos++ // '['
	v := jvalue{kind: jArray}
	p.skipSpace()
	if p.pos < len(p.b) && p.b[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		e, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		v.arr = append(v.arr, e)
		p.skipSpace()
		if p.pos >= len(p.b) {
			return v, jsonErr(p, "unexpected end of input in array")
		}
		switch p.b[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return v, jsonErr(p, "want ',' or ']'")
		}
	}
}

// number accepts RFC 8259's grammar exactly (no leading zeros, no '+').
func (p *jparser) number() (jvalue, error) {
	start := p.pos
	if p.b[p.pos] == '-' {
		p.pos++
	}
	if !p.digits(true) {
		return jvalue{}, jsonErr(p, "malformed number")
	}
	if p.pos < len(p.b) && p.b[p.pos] == '.' {
		p.pos++
		if !p.digits(false) {
			return jvalue{}, jsonErr(p, "malformed number")
		}
	}
	if p.pos < len(p.b) && (p.b[p.pos] == 'e' || p.b[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.b) && (p.b[p.pos] == '+' || p.b[p.pos] == '-') {
			p.pos++
		}
		if !p.digits(false) {
			return jvalue{}, jsonErr(p, "malformed number")
		}
	}
	return jvalue{kind: jNumber, s: string(p.b[start:p.pos])}, nil
}

// digits consumes one or more digits; with intPart, a leading 0 must stand alone.
func (p *jparser) digits(intPart bool) bool {
	start := p.pos
	for p.pos < len(p.b) && p.b[p.pos] >= '0' && p.b[p.pos] <= '9' {
		p.pos++
	}
	n := p.pos - start
	if n == 0 {
		return false
	}
	return !intPart || n == 1 || p.b[start] != '0'
}

func (p *jparser) str() (string, error) {
	p.pos++ // opening quote
	var out []byte
	start := p.pos
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case c == '"':
			s := string(append(out, p.b[start:p.pos]...))
			p.pos++
			return s, nil
		case c < 0x20:
			return "", jsonErr(p, "control character in string")
		case c == '\\':
			out = append(out, p.b[start:p.pos]...)
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			out = utf8.AppendRune(out, r)
			start = p.pos
		default:
			p.pos++
		}
	}
	return "", jsonErr(p, "unterminated string")
}

// escape decodes one backslash escape at p.pos, surrogate pairs included.
func (p *jparser) escape() (rune, error) {
	p.pos++ // backslash
	if p.pos >= len(p.b) {
		return 0, jsonErr(p, "unterminated escape")
	}
	c := p.b[p.pos]
	p.pos++
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return 0, jsonErr(p, "malformed \\u escape")
		}
		if r >= 0xD800 && r < 0xDC00 {
			if !p.lit(`\u`) {
				return 0, jsonErr(p, "lone surrogate")
			}
			lo, ok := p.hex4()
			if !ok || lo < 0xDC00 || lo >= 0xE000 {
				return 0, jsonErr(p, "lone surrogate")
			}
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), nil
		}
		if r >= 0xDC00 && r < 0xE000 {
			return 0, jsonErr(p, "lone surrogate")
		}
		return r, nil
	}
	return 0, jsonErr(p, "unknown escape")
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.b)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// Canonical writer. Object keys are written sorted, two-space indented, one
// member per line, a final newline: the same Manifest always gives the same
// bytes, which is what the signatures cover.

func jstr(s string) jvalue  { return jvalue{kind: jString, s: s} }
func juint(n uint64) jvalue { return jvalue{kind: jNumber, s: strconv.FormatUint(n, 10)} }
func jfloat(f float64) jvalue {
	return jvalue{kind: jNumber, s: strconv.FormatFloat(f, 'g', -1, 64)}
}

func appendJSON(dst []byte, v jvalue, indent int) []byte {
	switch v.kind {
	case jNull:
		return append(dst, "null"...)
	case jBool:
		if v.b {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case jNumber:
		return append(dst, v.s...)
	case jString:
		return appendJSONString(dst, v.s)
	case jArray:
		if len(v.arr) == 0 {
			return append(dst, "[]"...)
		}
		dst = append(dst, '[')
		for i, e := range v.arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = newline(dst, indent+1)
			dst = appendJSON(dst, e, indent+1)
		}
		dst = newline(dst, indent)
		return append(dst, ']')
	case jObject:
		if len(v.obj) == 0 {
			return append(dst, "{}"...)
		}
		m := slices.Clone(v.obj)
		slices.SortFunc(m, func(a, b jmember) int {
			switch {
			case a.key < b.key:
				return -1
			case a.key > b.key:
				return 1
			}
			return 0
		})
		dst = append(dst, '{')
		for i, e := range m {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = newline(dst, indent+1)
			dst = appendJSONString(dst, e.key)
			dst = append(dst, ": "...)
			dst = appendJSON(dst, e.val, indent+1)
		}
		dst = newline(dst, indent)
		return append(dst, '}')
	}
	return dst
}

func newline(dst []byte, indent int) []byte {
	dst = append(dst, '\n')
	for range indent {
		dst = append(dst, ' ', ' ')
	}
	return dst
}

// appendJSONString escapes only what JSON requires (quote, backslash,
// control characters), so non-ASCII text stays readable.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"
