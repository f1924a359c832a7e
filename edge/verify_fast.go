package edge

// fastVerify decodes the common shape of a /v1/verify body without
// encoding/json: one object whose keys are the request's own (lowercase,
// unescaped, each at most once) and whose values are plain strings, small
// integers, null, or arrays of plain strings. It returns false for anything
// else, and parseVerify then decodes with encoding/json, which also words
// the errors; so the fast path only ever accepts what encoding/json would
// decode to the same request (FuzzFastVerify checks that). A plain string
// here has no escapes, control characters or non-ASCII bytes, as every hex
// hash has.
func fastVerify(b []byte, r *verifyRequest) bool {
	p := fastParser{b: b}
	if !p.byte('{') {
		return false
	}
	var seen [6]bool
	if !p.byte('}') {
		for {
			key, ok := p.str()
			if !ok || !p.byte(':') {
				return false
			}
			f := fieldIndex(key)
			if f < 0 || seen[f] {
				return false
			}
			seen[f] = true
			if !p.value(f, r) {
				return false
			}
			if p.byte(',') {
				continue
			}
			if p.byte('}') {
				break
			}
			return false
		}
	}
	p.space()
	return p.i == len(p.b)
}

var verifyFields = [6]string{"pdq", "pdq_quality", "pdq_dihedral", "phash", "sha256", "md5"}

func fieldIndex(key []byte) int {
	for i, f := range verifyFields {
		if string(key) == f {
			return i
		}
	}
	return -1
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c (after white space) if it comes next.
func (p *fastParser) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a plain string: printable ASCII without '"' or '\'.
func (p *fastParser) str() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, false
		}
		p.i++
	}
	return nil, false
}

func (p *fastParser) null() bool {
	p.space()
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// int reads -?(0|[1-9][0-9]*) of at most nine digits, so it cannot overflow
// and is an integer in JSON's grammar (no fraction or exponent follows).
func (p *fastParser) int() (int, bool) {
	p.space()
	neg := p.i < len(p.b) && p.b[p.i] == '-'
	if neg {
		p.i++
	}
	start, v := p.i, 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		v = v*10 + int(p.b[p.i]-'0')
		p.i++
	}
	n := p.i - start
	if n == 0 || n > 9 || (n > 1 && p.b[start] == '0') {
		return 0, false
	}
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	return v, true
}

// value reads the value of field f into r. A null leaves the field nil, as
// encoding/json does for pointers and slices.
func (p *fastParser) value(f int, r *verifyRequest) bool {
	if p.null() {
		switch f {
		case 0:
			r.PDQ = nil
		case 1:
			r.PDQQuality = nil
		case 2:
			r.PDQDihedral = nil
		case 3:
			r.PHash = nil
		case 4:
			r.SHA256 = nil
		case 5:
			r.MD5 = nil
		}
		return true
	}
	switch f {
	case 1:
		v, ok := p.int()
		if !ok {
			return false
		}
		r.PDQQuality = &v
		return true
	case 2:
		if !p.byte('[') {
			return false
		}
		r.PDQDihedral = []string{}
		if p.byte(']') {
			return true
		}
		for {
			s, ok := p.str()
			if !ok || len(r.PDQDihedral) == 9 {
				return false // more than 8 is refused; let encoding/json word it
			}
			r.PDQDihedral = append(r.PDQDihedral, string(s))
			if p.byte(',') {
				continue
			}
			return p.byte(']')
		}
	}
	s, ok := p.str()
	if !ok {
		return false
	}
	v := string(s)
	switch f {
	case 0:
		r.PDQ = &v
	case 3:
		r.PHash = &v
	case 4:
		r.SHA256 = &v
	case 5:
		r.MD5 = &v
	}
	return true
}
