package wire

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A small, strict JSON reader and a canonical writer: the one JSON dialect
// of hashgate's hand-written JSON (manifests, signature files, the wasm
// checker's results, the edge's error bodies). encoding/json would pull
// reflect (and fmt) into the wasm module.
//
// Strict means: UTF-8 only, no duplicate object keys, no trailing bytes, no
// NaN/Infinity, nesting at most MaxDepth. Callers bound the input's size.

// MaxDepth bounds nesting so a hostile document cannot exhaust the stack.
const MaxDepth = 16

// Type is a JSON value's type.
type Type uint8

// The JSON value types.
const (
	Null Type = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is a parsed JSON value, or one to write. Numbers keep their text
// so integers survive without a float detour.
type Value struct {
	Type Type
	Bool bool
	Str  string // string value, or number text
	Arr  []Value
	Obj  []Member // in document order; AppendCanonical sorts
}

// Member is one name/value pair of an object.
type Member struct {
	Key string
	Val Value
}

// Get returns the member named key, or nil.
func (v *Value) Get(key string) *Value {
	for i := range v.Obj {
		if v.Obj[i].Key == key {
			return &v.Obj[i].Val
		}
	}
	return nil
}

// ErrSyntax is matched by every Parse error.
var ErrSyntax = errors.New("wire: malformed JSON")

type jparser struct {
	b   []byte
	pos int
}

func syntaxErr(p *jparser, msg string) error {
	return &SyntaxError{Offset: p.pos, Msg: msg}
}

// SyntaxError is a Parse error with its byte offset. It matches ErrSyntax.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "wire: malformed JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Parse parses exactly one JSON value filling b (white space around it
// allowed). Its errors are *SyntaxError.
func Parse(b []byte) (Value, error) {
	if !utf8.Valid(b) {
		return Value{}, &SyntaxError{Offset: 0, Msg: "not valid UTF-8"}
	}
	p := &jparser{b: b}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.pos != len(p.b) {
		return Value{}, syntaxErr(p, "trailing data after the value")
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

func (p *jparser) value(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, syntaxErr(p, "nested too deeply")
	}
	if p.pos >= len(p.b) {
		return Value{}, syntaxErr(p, "unexpected end of input")
	}
	switch c := p.b[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return Value{Type: String, Str: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.lit("true"):
		return Value{Type: Bool, Bool: true}, nil
	case p.lit("false"):
		return Value{Type: Bool}, nil
	case p.lit("null"):
		return Value{Type: Null}, nil
	}
	return Value{}, syntaxErr(p, "unexpected character")
}

func (p *jparser) lit(s string) bool {
	if len(p.b)-p.pos >= len(s) && string(p.b[p.pos:p.pos+len(s)]) == s {
		p.pos += len(s)
		return true
	}
	return false
}

func (p *jparser) object(depth int) (Value, error) {
	p.pos++ // '{'
	v := Value{Type: Object}
	var keys map[string]struct{} // duplicate check for large objects, so it stays linear
	p.skipSpace()
	if p.pos < len(p.b) && p.b[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.b) || p.b[p.pos] != '"' {
			return v, syntaxErr(p, "want an object key")
		}
		keyAt := p.pos
		k, err := p.str()
		if err != nil {
			return v, err
		}
		dup := false
		if len(v.Obj) < 16 {
			dup = v.Get(k) != nil
		} else {
			if keys == nil {
				keys = make(map[string]struct{}, 32)
				for _, m := range v.Obj {
					keys[m.Key] = struct{}{}
				}
			}
			_, dup = keys[k]
			keys[k] = struct{}{}
		}
		if dup {
			p.pos = keyAt
			return v, syntaxErr(p, "duplicate key "+Quote(k))
		}
		p.skipSpace()
		if p.pos >= len(p.b) || p.b[p.pos] != ':' {
			return v, syntaxErr(p, "want ':'")
		}
		p.pos++
		p.skipSpace()
		val, err := p.value(depth + 1)
		if err != nil {
			return v, err
		}
		v.Obj = append(v.Obj, Member{k, val})
		p.skipSpace()
		if p.pos >= len(p.b) {
			return v, syntaxErr(p, "unexpected end of input in object")
		}
		switch p.b[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v, nil
		default:
			return v, syntaxErr(p, "want ',' or '}'")
		}
	}
}

func (p *jparser) array(depth int) (Value, error) {
	p.pos++ // '['
	v := Value{Type: Array}
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
		v.Arr = append(v.Arr, e)
		p.skipSpace()
		if p.pos >= len(p.b) {
			return v, syntaxErr(p, "unexpected end of input in array")
		}
		switch p.b[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return v, syntaxErr(p, "want ',' or ']'")
		}
	}
}

// number accepts RFC 8259's grammar exactly (no leading zeros, no '+').
func (p *jparser) number() (Value, error) {
	start := p.pos
	if p.b[p.pos] == '-' {
		p.pos++
	}
	if !p.digits(true) {
		return Value{}, syntaxErr(p, "malformed number")
	}
	if p.pos < len(p.b) && p.b[p.pos] == '.' {
		p.pos++
		if !p.digits(false) {
			return Value{}, syntaxErr(p, "malformed number")
		}
	}
	if p.pos < len(p.b) && (p.b[p.pos] == 'e' || p.b[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.b) && (p.b[p.pos] == '+' || p.b[p.pos] == '-') {
			p.pos++
		}
		if !p.digits(false) {
			return Value{}, syntaxErr(p, "malformed number")
		}
	}
	return Value{Type: Number, Str: string(p.b[start:p.pos])}, nil
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
			return "", syntaxErr(p, "control character in string")
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
	return "", syntaxErr(p, "unterminated string")
}

// escape decodes one backslash escape at p.pos, surrogate pairs included.
func (p *jparser) escape() (rune, error) {
	p.pos++ // backslash
	if p.pos >= len(p.b) {
		return 0, syntaxErr(p, "unterminated escape")
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
			return 0, syntaxErr(p, "malformed \\u escape")
		}
		if r >= 0xD800 && r < 0xDC00 {
			if !p.lit(`\u`) {
				return 0, syntaxErr(p, "lone surrogate")
			}
			lo, ok := p.hex4()
			if !ok || lo < 0xDC00 || lo >= 0xE000 {
				return 0, syntaxErr(p, "lone surrogate")
			}
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), nil
		}
		if r >= 0xDC00 && r < 0xE000 {
			return 0, syntaxErr(p, "lone surrogate")
		}
		return r, nil
	}
	return 0, syntaxErr(p, "unknown escape")
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.b)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.pos : p.pos+4] {
		d := HexValue(c)
		if d > 15 {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	p.pos += 4
	return r, true
}

// Str, Uint and Float are values to write.
func Str(s string) Value  { return Value{Type: String, Str: s} }
func Uint(n uint64) Value { return Value{Type: Number, Str: strconv.FormatUint(n, 10)} }
func Float(f float64) Value {
	return Value{Type: Number, Str: strconv.FormatFloat(f, 'g', -1, 64)}
}

// AppendCanonical appends v in canonical form: object keys sorted, two
// spaces of indentation, one member or element per line, strings as
// AppendString writes them. The same value always gives the same bytes,
// which is what a signature over a manifest needs. No final newline.
func AppendCanonical(dst []byte, v Value) []byte { return appendValue(dst, v, 0) }

func appendValue(dst []byte, v Value, indent int) []byte {
	switch v.Type {
	case Null:
		return append(dst, "null"...)
	case Bool:
		return strconv.AppendBool(dst, v.Bool)
	case Number:
		return append(dst, v.Str...)
	case String:
		return AppendString(dst, v.Str)
	case Array:
		if len(v.Arr) == 0 {
			return append(dst, "[]"...)
		}
		dst = append(dst, '[')
		for i, e := range v.Arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = newline(dst, indent+1)
			dst = appendValue(dst, e, indent+1)
		}
		dst = newline(dst, indent)
		return append(dst, ']')
	case Object:
		if len(v.Obj) == 0 {
			return append(dst, "{}"...)
		}
		m := slices.Clone(v.Obj)
		slices.SortFunc(m, func(a, b Member) int { return strings.Compare(a.Key, b.Key) })
		dst = append(dst, '{')
		for i, e := range m {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = newline(dst, indent+1)
			dst = AppendString(dst, e.Key)
			dst = append(dst, ": "...)
			dst = appendValue(dst, e.Val, indent+1)
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

// AppendString appends s as a JSON string (RFC 8259), the one escaping
// hashgate writes: quote and backslash escaped, \n and \t as themselves,
// every other C0 control character and DEL as \u00XX, invalid UTF-8 as
// \ufffd (so the output is always valid UTF-8 JSON); all other text,
// non-ASCII included, stays as it is, readable.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', HexDigits[c>>4], HexDigits[c&15])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}
