package fingerprint

import (
	"errors"
	"math/bits"
	"strconv"

	"github.com/hashgate/hashgate/internal/wire"
)

// ErrMalformedHash is returned (wrapped) by the Parse functions for text that
// is not a hash of the expected type: wrong length or a non-hex character.
var ErrMalformedHash = errors.New("fingerprint: malformed hash")

// PDQHash is a 256-bit PDQ hash. The bytes are those of the reference's hex
// form read as a big-endian number, so bit k of the hash (DCT coefficient k in
// row-major order, as the reference numbers them) is bit k%8 of byte 31-k/8.
type PDQHash [32]byte

// Bit reports bit k (0..255) in the reference's numbering.
func (h PDQHash) Bit(k int) bool { return h[31-k/8]>>(k%8)&1 == 1 }

// SetBit sets bit k (0..255) in the reference's numbering.
func (h *PDQHash) SetBit(k int) { h[31-k/8] |= 1 << (k % 8) }

// Distance is the Hamming distance between two PDQ hashes (0..256).
func (h PDQHash) Distance(o PDQHash) int { return hamming(h[:], o[:]) }

// String is the 64-character lowercase hex form the reference prints.
func (h PDQHash) String() string { return wire.HexString(h[:]) }

// ParsePDQ parses the 64-character hex form of a PDQ hash.
func ParsePDQ(s string) (PDQHash, error) {
	var h PDQHash
	return h, parseHex(h[:], s, "pdq")
}

// Hash64 is a 64-bit perceptual hash (pHash, dHash or aHash) as
// goimagehash computes it; its text form is 16 hex digits of the uint64.
type Hash64 uint64

// Distance is the Hamming distance between two 64-bit hashes (0..64).
func (h Hash64) Distance(o Hash64) int { return bits.OnesCount64(uint64(h ^ o)) }

// String is the 16-character lowercase hex form.
func (h Hash64) String() string {
	var b [8]byte
	for i := range b {
		b[i] = byte(h >> (56 - 8*i))
	}
	return wire.HexString(b[:])
}

// ParseHash64 parses the 16-character hex form of a 64-bit hash.
func ParseHash64(s string) (Hash64, error) {
	var b [8]byte
	if err := parseHex(b[:], s, "64-bit hash"); err != nil {
		return 0, err
	}
	var h Hash64
	for _, c := range b {
		h = h<<8 | Hash64(c)
	}
	return h, nil
}

// SHA256Digest is a SHA-256 digest of a file's bytes.
type SHA256Digest [32]byte

// String is the 64-character lowercase hex form.
func (d SHA256Digest) String() string { return wire.HexString(d[:]) }

// ParseSHA256 parses the 64-character hex form of a SHA-256 digest.
func ParseSHA256(s string) (SHA256Digest, error) {
	var d SHA256Digest
	return d, parseHex(d[:], s, "sha256")
}

// MD5Digest is an MD5 digest of a file's bytes. Hash lists carry MD5 for
// exact copies; it is an identifier here, not a security primitive.
type MD5Digest [16]byte

// String is the 32-character lowercase hex form.
func (d MD5Digest) String() string { return wire.HexString(d[:]) }

// ParseMD5 parses the 32-character hex form of an MD5 digest.
func ParseMD5(s string) (MD5Digest, error) {
	var d MD5Digest
	return d, parseHex(d[:], s, "md5")
}

func hamming(a, b []byte) int {
	n := 0
	for i := range a {
		n += bits.OnesCount8(a[i] ^ b[i])
	}
	return n
}

// parseHex fills dst from exactly 2*len(dst) hex digits (either case).
func parseHex(dst []byte, s, what string) error {
	if len(s) != 2*len(dst) {
		return &HashError{Type: what, Reason: "want " + strconv.Itoa(2*len(dst)) + " hex digits, got " + strconv.Itoa(len(s))}
	}
	if at := wire.DecodeHex(dst, s, false); at >= 0 {
		return &HashError{Type: what, Reason: "non-hex character at offset " + strconv.Itoa(at)}
	}
	return nil
}

// HashError describes text that failed to parse as a hash. It matches
// ErrMalformedHash with errors.Is.
type HashError struct {
	Type   string // "pdq", "sha256", ...
	Reason string
}

func (e *HashError) Error() string { return "fingerprint: malformed " + e.Type + " hash: " + e.Reason }

// Is makes errors.Is(err, ErrMalformedHash) true.
func (e *HashError) Is(target error) bool { return target == ErrMalformedHash }

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
