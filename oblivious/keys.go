package oblivious

import (
	"crypto"
	"crypto/rand"
	"crypto/subtle"
	"io"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"

	"github.com/hashgate/hashgate/oblivious/internal/msg"
)

// SuiteName is the RFC 9497 identifier of the one suite hashgate uses, as
// a manifest records it. RATIONALE.md has the measurements behind the choice.
const SuiteName = msg.SuiteName

// The wire format's sizes (package oblivious/internal/msg, shared with the
// browser module's client, oblivious/lite).
const (
	ElementSize = msg.ElementSize // a ristretto255 element or scalar, encoded
	ProofSize   = msg.ProofSize
	KeySize     = msg.KeySize // private and public keys
	// MaxElements bounds one request: a photo with its dihedral variants
	// needs 67 under the default oblivious layout; the bound leaves room
	// for the trimmed hashes' variants and for short video clips.
	MaxElements = msg.MaxElements
)

// Sentinel errors; every error of this package matches one. They are
// package oblivious/lite's too.
var (
	ErrFormat = msg.ErrFormat
	ErrKey    = msg.ErrKey
	// ErrProof: the edge's evaluation does not verify against the pinned
	// public key. A checker must report an error, never "clear".
	ErrProof = msg.ErrProof
	// ErrKeyID: a request or response names another key than expected.
	ErrKeyID = msg.ErrKeyID
)

func wrap(sentinel error, m string) error { return msg.Wrap(sentinel, m) }

var (
	suite = oprf.SuiteRistretto255
	grp   = group.Ristretto255
	// dleqParams are RFC 9497's for verifiable mode (section 2.2: the
	// context string "OPRFV1-" || mode || "-" || identifier is the DST),
	// the same that circl's oprf client verifies with.
	dleqParams = dleq.Params{G: grp, H: crypto.SHA512, DST: []byte("OPRFV1-\x01-" + SuiteName)}
)

// PublicKey is the VOPRF public key a manifest pins.
type PublicKey struct {
	k   oprf.PublicKey
	raw [KeySize]byte
	id  [8]byte
}

// ParsePublicKey decodes a 32-byte public key. Its errors match ErrKey.
func ParsePublicKey(b []byte) (*PublicKey, error) {
	if len(b) != KeySize {
		return nil, wrap(ErrKey, "public key is not 32 bytes")
	}
	p := &PublicKey{}
	if err := p.k.UnmarshalBinary(suite, b); err != nil {
		return nil, wrap(ErrKey, "public key: "+err.Error())
	}
	copy(p.raw[:], b)
	p.id = keyID(b)
	return p, nil
}

// keyID is also release's obliviousKeyID (the filter's key id), which
// cannot call it (see doc.go); release's tests hold the two equal.
func keyID(pub []byte) [8]byte { return msg.KeyID(pub) }

// Bytes is the key's 32-byte encoding.
func (p *PublicKey) Bytes() []byte { return append([]byte(nil), p.raw[:]...) }

// KeyID names the key in requests, responses and the filter's header.
func (p *PublicKey) KeyID() [8]byte { return p.id }

// PrivateKey is the VOPRF key: the publisher's and the edges' secret.
type PrivateKey struct {
	k   oprf.PrivateKey
	s   group.Scalar
	pub *PublicKey
	pe  group.Element // the public key as an element, for proofs
}

// GenerateKey makes a new private key from rnd (crypto/rand if nil).
func GenerateKey(rnd io.Reader) (*PrivateKey, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	k, err := oprf.GenerateKey(suite, rnd)
	if err != nil {
		return nil, wrap(ErrKey, "generating a key: "+err.Error())
	}
	b, err := k.MarshalBinary()
	if err != nil {
		return nil, wrap(ErrKey, err.Error())
	}
	return ParsePrivateKey(b)
}

// DeriveKey is RFC 9497's DeriveKeyPair (verifiable mode) from a 32-byte
// seed and info; the test vectors use it.
func DeriveKey(seed, info []byte) (*PrivateKey, error) {
	k, err := oprf.DeriveKey(suite, oprf.VerifiableMode, seed, info)
	if err != nil {
		return nil, wrap(ErrKey, "deriving a key: "+err.Error())
	}
	b, err := k.MarshalBinary()
	if err != nil {
		return nil, wrap(ErrKey, err.Error())
	}
	return ParsePrivateKey(b)
}

// ParsePrivateKey decodes a 32-byte scalar (little-endian, canonical,
// nonzero). Its errors match ErrKey.
func ParsePrivateKey(b []byte) (*PrivateKey, error) {
	if len(b) != KeySize {
		return nil, wrap(ErrKey, "private key is not 32 bytes")
	}
	k := &PrivateKey{s: grp.NewScalar()}
	if err := k.k.UnmarshalBinary(suite, b); err != nil {
		return nil, wrap(ErrKey, "private key: "+err.Error())
	}
	if err := k.s.UnmarshalBinary(b); err != nil || k.s.IsZero() {
		return nil, wrap(ErrKey, "private key is not a nonzero canonical scalar")
	}
	pb, err := k.k.Public().MarshalBinary()
	if err != nil {
		return nil, wrap(ErrKey, err.Error())
	}
	if k.pub, err = ParsePublicKey(pb); err != nil {
		return nil, err
	}
	k.pe = grp.NewElement()
	if err := k.pe.UnmarshalBinary(pb); err != nil {
		return nil, wrap(ErrKey, err.Error())
	}
	return k, nil
}

// Bytes is the key's 32-byte encoding. Keep it secret.
func (k *PrivateKey) Bytes() []byte {
	b, _ := k.s.MarshalBinary() // a ristretto255 scalar always encodes
	return b
}

// Public is the key's public half.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// Output is the full, unblinded evaluation of one input under k, as a
// publisher computes the keys it inserts (RFC 9497's Evaluate without
// blinding; equal to what a client's Finalize returns for the input).
func (k *PrivateKey) Output(input []byte) ([]byte, error) {
	out, err := oprf.NewVerifiableServer(suite, &k.k).FullEvaluate(input)
	if err != nil {
		return nil, wrap(ErrFormat, "evaluating: "+err.Error())
	}
	return out, nil
}

// PublicBytes is the public key's 32-byte encoding, as a manifest pins it.
func (k *PrivateKey) PublicBytes() []byte { return k.pub.Bytes() }

// FilterKey is Key(Output(input)): what a publisher inserts for input.
func (k *PrivateKey) FilterKey(input []byte) (uint64, error) {
	out, err := k.Output(input)
	if err != nil {
		return 0, err
	}
	return Key(out), nil
}

// ParsePrivateKeyFor is ParsePrivateKey that also requires the key to be
// the private half of the public key pub (a manifest's): an edge opening
// a release's key artifact. A mismatch matches ErrKey.
func ParsePrivateKeyFor(raw, pub []byte) (*PrivateKey, error) {
	k, err := ParsePrivateKey(raw)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(k.pub.raw[:], pub) != 1 {
		return nil, wrap(ErrKey, "the private key is not the private half of the release's public key")
	}
	return k, nil
}

// Key is the filter key of a VOPRF output: its first 8 bytes, little-endian.
func Key(output []byte) uint64 { return msg.Key(output) }
