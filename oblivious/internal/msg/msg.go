// Package msg is what package oblivious (the publisher's, the edge's and
// the Go checker's VOPRF, on circl) and package oblivious/lite (the browser
// module's client) share of POST /v1/oprf: the wire format's constants and
// header, the key id, the filter key of an output, and the sentinel errors,
// so that the two implementations cannot drift apart in what they send.
//
// It must not import anything but the standard library's crypto/sha256 and
// encoding/binary (it goes into the wasm module).
package msg

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// The wire format (package oblivious's doc has the layout).
const (
	SuiteName   = "ristretto255-SHA512" // RFC 9497's identifier, as a manifest records it
	SuiteID     = 1                     // the suite's byte in the wire format
	ElementSize = 32                    // a ristretto255 element or scalar, encoded
	ProofSize   = 2 * ElementSize
	KeySize     = ElementSize
	// MaxElements bounds one request: a photo with its dihedral variants
	// needs 67 under the default oblivious layout; the bound leaves room for
	// the trimmed hashes' variants and for short video clips.
	MaxElements = 512
	Magic       = "HGO1"
	HeaderLen   = 4 + 1 + 8 + 2
)

// Sentinel errors; every error of both packages matches one.
var (
	ErrFormat = errors.New("oblivious: malformed input")
	ErrKey    = errors.New("oblivious: invalid key")
	// ErrProof: the edge's evaluation does not verify against the pinned
	// public key. A checker must report an error, never "clear".
	ErrProof = errors.New("oblivious: evaluation proof does not verify")
	// ErrKeyID: a request or response names another key than expected.
	ErrKeyID = errors.New("oblivious: wrong key id")
)

type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// Wrap returns an error saying msg that matches sentinel.
func Wrap(sentinel error, msg string) error {
	return &wrapped{msg: "oblivious: " + msg, err: sentinel}
}

// AppendHeader appends the header of a request or response for key id
// with n elements.
func AppendHeader(dst []byte, id [8]byte, n int) []byte {
	dst = append(dst, Magic...)
	dst = append(dst, SuiteID)
	dst = append(dst, id[:]...)
	return binary.BigEndian.AppendUint16(dst, uint16(n))
}

// ParseHeader checks magic, suite and count and returns the key id, the
// element count and the rest of b. Its errors match ErrFormat.
func ParseHeader(b []byte) (id [8]byte, n int, rest []byte, err error) {
	if len(b) < HeaderLen || string(b[:4]) != Magic {
		return id, 0, nil, Wrap(ErrFormat, "not an oprf message (bad magic or truncated)")
	}
	if b[4] != SuiteID {
		return id, 0, nil, Wrap(ErrFormat, "unsupported oprf suite")
	}
	copy(id[:], b[5:13])
	n = int(binary.BigEndian.Uint16(b[13:]))
	if n == 0 || n > MaxElements {
		return id, 0, nil, Wrap(ErrFormat, "element count out of range")
	}
	return id, n, b[HeaderLen:], nil
}

// KeyID is the id requests, responses and the filter's header carry: the
// first 8 bytes of SHA-256 over "hashgate oprf key id v1" and the encoded
// public key. (Package release computes the same; its tests hold the two
// equal.)
func KeyID(pub []byte) [8]byte {
	h := sha256.New()
	h.Write([]byte("hashgate oprf key id v1"))
	h.Write(pub)
	var id [8]byte
	copy(id[:], h.Sum(nil))
	return id
}

// Key is the filter key of a VOPRF output: its first 8 bytes read as a
// little-endian uint64 (0 for a shorter output).
func Key(output []byte) uint64 {
	if len(output) < 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(output)
}
