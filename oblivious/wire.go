package oblivious

import (
	"github.com/cloudflare/circl/group"

	"github.com/hashgate/hashgate/oblivious/internal/msg"
)

const headerLen = msg.HeaderLen

func header(dst []byte, id [8]byte, n int) []byte { return msg.AppendHeader(dst, id, n) }

func parseHeader(b []byte) (id [8]byte, n int, rest []byte, err error) { return msg.ParseHeader(b) }

// RequestCount returns the key id and element count of a request without
// decoding its elements: what the edge charges its budget before any
// group arithmetic. Its errors match ErrFormat.
func RequestCount(req []byte) (id [8]byte, n int, err error) {
	id, n, rest, err := parseHeader(req)
	if err != nil {
		return id, 0, err
	}
	if len(rest) != n*ElementSize {
		return id, 0, wrap(ErrFormat, "request length does not match its element count")
	}
	return id, n, nil
}

// decodeElements decodes n elements, refusing the identity (RFC 9497
// section 3.3.1: a blinded or evaluated element is never the identity).
func decodeElements(b []byte, n int) ([]group.Element, error) {
	out := make([]group.Element, n)
	for i := range out {
		e := grp.NewElement()
		if err := e.UnmarshalBinary(b[i*ElementSize : (i+1)*ElementSize]); err != nil {
			return nil, wrap(ErrFormat, "element is not a ristretto255 encoding")
		}
		if e.IsIdentity() {
			return nil, wrap(ErrFormat, "element is the identity")
		}
		out[i] = e
	}
	return out, nil
}

func appendElements(dst []byte, es []group.Element) ([]byte, error) {
	for _, e := range es {
		b, err := e.MarshalBinaryCompress()
		if err != nil {
			return nil, wrap(ErrFormat, err.Error())
		}
		dst = append(dst, b...)
	}
	return dst, nil
}
