package wire

import "strconv"

// ObjectWriter writes one flat JSON object member by member, compactly
// (no spaces), for results and error bodies built on hot paths.
type ObjectWriter struct {
	b     []byte
	first bool
}

// NewObject starts an object, reusing dst's memory.
func NewObject(dst []byte) *ObjectWriter {
	return &ObjectWriter{b: append(dst[:0], '{'), first: true}
}

// Key writes a member's name; the value must follow.
func (w *ObjectWriter) Key(k string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = AppendString(w.b, k)
	w.b = append(w.b, ':')
}

// Str writes a string member.
func (w *ObjectWriter) Str(k, v string) {
	w.Key(k)
	w.b = AppendString(w.b, v)
}

// Int writes an integer member.
func (w *ObjectWriter) Int(k string, v int64) {
	w.Key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

// Uint writes an unsigned integer member.
func (w *ObjectWriter) Uint(k string, v uint64) {
	w.Key(k)
	w.b = strconv.AppendUint(w.b, v, 10)
}

// Bool writes a boolean member.
func (w *ObjectWriter) Bool(k string, v bool) {
	w.Key(k)
	w.b = strconv.AppendBool(w.b, v)
}

// Raw writes a member whose value v is already encoded JSON.
func (w *ObjectWriter) Raw(k string, v []byte) {
	w.Key(k)
	w.b = append(w.b, v...)
}

// Done closes the object and returns its bytes.
func (w *ObjectWriter) Done() []byte { return append(w.b, '}') }
