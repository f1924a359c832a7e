package lite

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"io"

	"filippo.io/edwards25519"

	"github.com/hashgate/hashgate/oblivious/internal/msg"
)

// The wire format's constants (package oblivious/internal/msg, which
// package oblivious shares).
const (
	SuiteName   = msg.SuiteName
	ElementSize = msg.ElementSize
	ProofSize   = msg.ProofSize
	KeySize     = msg.KeySize
	MaxElements = msg.MaxElements
	headerLen   = msg.HeaderLen
)

// Sentinel errors; every error of this package matches one. They are
// package oblivious's too.
var (
	ErrFormat = msg.ErrFormat
	ErrKey    = msg.ErrKey
	// ErrProof: the edge's evaluation does not verify against the pinned
	// public key. A checker must report an error, never "clear".
	ErrProof = msg.ErrProof
	// ErrKeyID: a response names another key than the request.
	ErrKeyID = msg.ErrKeyID
)

func wrap(sentinel error, m string) error { return msg.Wrap(sentinel, m) }

// RFC 9497 section 3.1's context string for verifiable mode (0x01) and the
// domain separation tags built on it.
const (
	contextString = "OPRFV1-\x01-" + SuiteName
	dstGroup      = "HashToGroup-" + contextString
	dstScalar     = "HashToScalar-" + contextString
	dstSeed       = "Seed-" + contextString
)

// PublicKey is the VOPRF public key a manifest pins.
type PublicKey struct {
	e   *edwards25519.Point
	raw [KeySize]byte
	id  [8]byte
}

// ParsePublicKey decodes a 32-byte ristretto255 public key (not the
// identity).
func ParsePublicKey(b []byte) (*PublicKey, error) {
	if len(b) != KeySize {
		return nil, wrap(ErrKey, "public key is not 32 bytes")
	}
	e, err := decodeElement(b)
	if err != nil {
		return nil, wrap(ErrKey, "public key is not a ristretto255 element other than the identity")
	}
	p := &PublicKey{e: e}
	copy(p.raw[:], b)
	p.id = KeyID(b)
	return p, nil
}

// KeyID is the id requests and responses carry: the first 8 bytes of
// SHA-256 over "hashgate oprf key id v1" and the encoded key.
func KeyID(pub []byte) [8]byte { return msg.KeyID(pub) }

// KeyID names the key in requests and responses.
func (p *PublicKey) KeyID() [8]byte { return p.id }

// Client blinds inputs and finalises the edge's evaluations under one
// pinned public key. It is safe for concurrent use.
type Client struct {
	pub  *PublicKey
	rand io.Reader
}

// NewClient returns a client for the manifest's public key.
func NewClient(pub *PublicKey) *Client { return &Client{pub: pub, rand: rand.Reader} }

// Pending is one blinded request's secret state, kept until the response
// arrives. Use it once.
type Pending struct {
	inputs  [][]byte
	blinds  []*edwards25519.Scalar
	blinded []byte // the request's elements, encoded
	used    bool
}

// Blind blinds 1..MaxElements inputs with fresh random scalars and returns
// the state and the request body for POST /v1/oprf.
func (c *Client) Blind(inputs [][]byte) (*Pending, []byte, error) {
	blinds := make([][]byte, len(inputs))
	var wide [64]byte
	for i := range blinds {
		if _, err := io.ReadFull(c.rand, wide[:]); err != nil {
			return nil, nil, wrap(ErrFormat, "reading randomness: "+err.Error())
		}
		r, err := edwards25519.NewScalar().SetUniformBytes(wide[:])
		if err != nil {
			return nil, nil, wrap(ErrFormat, err.Error())
		}
		blinds[i] = r.Bytes()
	}
	return c.BlindWith(inputs, blinds)
}

// BlindWith is Blind with the blinding scalars given (32-byte canonical
// encodings, none zero): for RFC 9497's test vectors only. Reusing a
// blind links requests.
func (c *Client) BlindWith(inputs, blinds [][]byte) (*Pending, []byte, error) {
	if len(inputs) == 0 || len(inputs) > MaxElements {
		return nil, nil, wrap(ErrFormat, "want 1 to 512 inputs")
	}
	if len(blinds) != len(inputs) {
		return nil, nil, wrap(ErrFormat, "one blind per input")
	}
	p := &Pending{inputs: make([][]byte, len(inputs)), blinds: make([]*edwards25519.Scalar, len(inputs))}
	body := header(make([]byte, 0, headerLen+len(inputs)*ElementSize), c.pub.id, len(inputs))
	zero := edwards25519.NewScalar()
	for i, in := range inputs {
		if len(in) > 0xffff {
			return nil, nil, wrap(ErrFormat, "input over 65535 bytes")
		}
		r, err := edwards25519.NewScalar().SetCanonicalBytes(blinds[i])
		if err != nil || r.Equal(zero) == 1 {
			return nil, nil, wrap(ErrFormat, "blind is not a non-zero canonical scalar")
		}
		e := hashToGroup(in)
		if isIdentity(e) {
			return nil, nil, wrap(ErrFormat, "input hashes to the identity")
		}
		body = encodeRistretto(body, new(edwards25519.Point).ScalarMult(r, e))
		p.inputs[i] = append([]byte(nil), in...)
		p.blinds[i] = r
	}
	p.blinded = append([]byte(nil), body[headerLen:]...)
	return p, body, nil
}

// Finalize parses the edge's response, verifies its batched DLEQ proof
// against the pinned key and returns the VOPRF output of each input, in
// order (RFC 9497 section 3.3.2). A response that does not parse matches
// ErrFormat, one for another key ErrKeyID, one whose proof fails ErrProof:
// the caller must treat each as an error, never as "no match".
func (c *Client) Finalize(p *Pending, resp []byte) ([][]byte, error) {
	if p == nil || p.used {
		return nil, wrap(ErrFormat, "no pending request (or one already finalised)")
	}
	p.used = true
	id, n, rest, err := parseHeader(resp)
	if err != nil {
		return nil, err
	}
	if id != c.pub.id {
		return nil, wrap(ErrKeyID, "response is for another key")
	}
	if n != len(p.inputs) || len(rest) != n*ElementSize+ProofSize {
		return nil, wrap(ErrFormat, "response length or count does not match the request")
	}
	evals := make([]*edwards25519.Point, n)
	blinded := make([]*edwards25519.Point, n)
	for i := range evals {
		if evals[i], err = decodeElement(rest[i*ElementSize : (i+1)*ElementSize]); err != nil {
			return nil, wrap(ErrFormat, "evaluated element is not a ristretto255 element other than the identity")
		}
		if blinded[i], err = decodeElement(p.blinded[i*ElementSize : (i+1)*ElementSize]); err != nil {
			return nil, wrap(ErrFormat, "blinded element does not decode")
		}
	}
	proof := rest[n*ElementSize:]
	pc, err1 := edwards25519.NewScalar().SetCanonicalBytes(proof[:32])
	ps, err2 := edwards25519.NewScalar().SetCanonicalBytes(proof[32:])
	if err1 != nil || err2 != nil {
		return nil, wrap(ErrFormat, "proof scalars are not canonical")
	}
	if !c.verify(blinded, p.blinded, evals, rest[:n*ElementSize], pc, ps) {
		return nil, wrap(ErrProof, "the edge's proof does not verify against the release's public key")
	}
	out := make([][]byte, n)
	var enc [ElementSize]byte
	for i, ev := range evals {
		inv := edwards25519.NewScalar().Invert(p.blinds[i])
		u := encodeRistretto(enc[:0], new(edwards25519.Point).ScalarMult(inv, ev))
		h := sha512.New()
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(len(p.inputs[i])))
		h.Write(l[:])
		h.Write(p.inputs[i])
		binary.BigEndian.PutUint16(l[:], uint16(len(u)))
		h.Write(l[:])
		h.Write(u)
		h.Write([]byte("Finalize"))
		out[i] = h.Sum(nil)
	}
	return out, nil
}

// Keys is Finalize followed by Key on each output.
func (c *Client) Keys(p *Pending, resp []byte, dst []uint64) ([]uint64, error) {
	out, err := c.Finalize(p, resp)
	if err != nil {
		return dst, err
	}
	for _, o := range out {
		dst = append(dst, Key(o))
	}
	return dst, nil
}

// Key is the filter key of a VOPRF output: its first 8 bytes as a
// little-endian uint64 (package oblivious's Key).
func Key(output []byte) uint64 { return msg.Key(output) }

// verify is RFC 9497's VerifyProof for the batch: the composites M and Z
// (ComputeComposites, with the client's per-element weights), then
// t2 = s·G + c·pk, t3 = s·M + c·Z, and c must be the challenge's hash.
// cEnc and dEnc are the encodings of the blinded and evaluated elements.
func (c *Client) verify(cs []*edwards25519.Point, cEnc []byte, ds []*edwards25519.Point, dEnc []byte, pc, ps *edwards25519.Scalar) bool {
	h := sha512.New()
	writeLen(h, c.pub.raw[:])
	writeLen(h, []byte(dstSeed))
	seed := h.Sum(nil)

	n := len(cs)
	weights := make([]*edwards25519.Scalar, n)
	var buf []byte
	for i := range weights {
		buf = buf[:0]
		buf = appendLen(buf, seed)
		buf = binary.BigEndian.AppendUint16(buf, uint16(i))
		buf = appendLen(buf, cEnc[i*ElementSize:(i+1)*ElementSize])
		buf = appendLen(buf, dEnc[i*ElementSize:(i+1)*ElementSize])
		buf = append(buf, "Composite"...)
		weights[i] = hashToScalar(buf)
	}
	m := new(edwards25519.Point).VarTimeMultiScalarMult(weights, cs)
	z := new(edwards25519.Point).VarTimeMultiScalarMult(weights, ds)

	t2 := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(pc, c.pub.e, ps)
	t3 := new(edwards25519.Point).VarTimeMultiScalarMult([]*edwards25519.Scalar{ps, pc}, []*edwards25519.Point{m, z})

	buf = buf[:0]
	buf = appendLen(buf, c.pub.raw[:])
	for _, e := range []*edwards25519.Point{m, z, t2, t3} {
		var enc [ElementSize]byte
		buf = appendLen(buf, encodeRistretto(enc[:0], e))
	}
	buf = append(buf, "Challenge"...)
	return hashToScalar(buf).Equal(pc) == 1
}

// hashToGroup is ristretto255's hash_to_group (RFC 9380 appendix B, RFC
// 9496's one-way map) over expand_message_xmd with SHA-512.
func hashToGroup(msg []byte) *edwards25519.Point {
	var u [64]byte
	expandXMD(u[:], msg, dstGroup)
	return fromUniformBytes(&u)
}

// hashToScalar is the suite's HashToScalar: 64 bytes of
// expand_message_xmd reduced modulo the group order.
func hashToScalar(msg []byte) *edwards25519.Scalar {
	var u [64]byte
	expandXMD(u[:], msg, dstScalar)
	s, _ := edwards25519.NewScalar().SetUniformBytes(u[:]) // 64 bytes: cannot fail
	return s
}

// expandXMD is RFC 9380 section 5.3.1's expand_message_xmd with SHA-512
// for exactly 64 output bytes (one block: ell = 1).
func expandXMD(out []byte, msg []byte, dst string) {
	h := sha512.New()
	var zpad [128]byte // the hash's block size
	h.Write(zpad[:])
	h.Write(msg)
	h.Write([]byte{0, 64, 0}) // I2OSP(64, 2) || I2OSP(0, 1)
	h.Write([]byte(dst))
	h.Write([]byte{byte(len(dst))})
	b0 := h.Sum(nil)
	h.Reset()
	h.Write(b0)
	h.Write([]byte{1})
	h.Write([]byte(dst))
	h.Write([]byte{byte(len(dst))})
	h.Sum(out[:0])
}

func writeLen(w io.Writer, b []byte) {
	var l [2]byte
	binary.BigEndian.PutUint16(l[:], uint16(len(b)))
	w.Write(l[:])
	w.Write(b)
}

func appendLen(dst, b []byte) []byte {
	return append(binary.BigEndian.AppendUint16(dst, uint16(len(b))), b...)
}

// decodeElement decodes a canonical encoding that is not the identity
// (RFC 9497 section 2.1: DeserializeElement refuses it).
func decodeElement(b []byte) (*edwards25519.Point, error) {
	e, err := decodeRistretto(b)
	if err != nil {
		return nil, err
	}
	if isIdentity(e) {
		return nil, errors.New("identity")
	}
	return e, nil
}

func header(dst []byte, id [8]byte, n int) []byte { return msg.AppendHeader(dst, id, n) }

func parseHeader(b []byte) (id [8]byte, n int, rest []byte, err error) { return msg.ParseHeader(b) }
