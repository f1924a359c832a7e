package lite

import (
	"errors"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// ristretto255 (RFC 9496) over filippo.io/edwards25519's points and field:
// the encoding, decoding, equality and one-way map the VOPRF needs. An
// element is an edwards25519 point standing for its coset; only these
// functions look at its coordinates.

// RFC 9496 section 4.1's constants. sqrtADMinusOne is the negative root,
// as the RFC takes it.
var (
	feD              = fe("a3785913ca4deb75abd841414d0a700098e879777940c78c73fe6f2bee6c0352")
	feSqrtM1         = fe("b0a00e4a271beec478e42fad0618432fa7d7fb3d99004d2b0bdfc14f8024832b")
	feSqrtADMinusOne = fe("1b2e7b49a0f6977ebd54781b0c8e9daffdd1f531c9fc3c0fac48832bbf316937")
	feInvSqrtAMinusD = fe("ea405d80aafdc899be72415a17162f9d40d801fe917bc216a2fcafcf05896c78")
	feOneMinusDSq    = fe("76c15f94c1097ce20f355ecd38a1812ce4df70beddab9499d7e0b3b2a8729002")
	feDMinusOneSq    = fe("204ded44aa5aad3199191eb02c4a9ed2eb4e9b522fd3dc4c41226cf67ab36859")
	feOne            = new(field.Element).One()
)

// fe decodes a constant's little-endian hex (by hand: encoding/hex's
// error type would link fmt into the module).
func fe(h string) *field.Element {
	var b [32]byte
	for i := range b {
		b[i] = unhexDigit(h[2*i])<<4 | unhexDigit(h[2*i+1])
	}
	e, err := new(field.Element).SetBytes(b[:])
	if err != nil {
		panic(err)
	}
	return e
}

func unhexDigit(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

var errEncoding = errors.New("not a canonical ristretto255 encoding")

// decodeRistretto is RFC 9496 section 4.3.1's DECODE.
func decodeRistretto(b []byte) (*edwards25519.Point, error) {
	if len(b) != 32 {
		return nil, errEncoding
	}
	s, err := new(field.Element).SetBytes(b)
	if err != nil {
		return nil, errEncoding
	}
	// Canonical (s < p) and non-negative.
	if string(s.Bytes()) != string(b) || s.IsNegative() == 1 {
		return nil, errEncoding
	}
	ss := new(field.Element).Square(s)
	u1 := new(field.Element).Subtract(feOne, ss)
	u2 := new(field.Element).Add(feOne, ss)
	u2sq := new(field.Element).Square(u2)
	// v = -(D * u1^2) - u2^2
	v := new(field.Element).Square(u1)
	v.Multiply(v, feD).Negate(v).Subtract(v, u2sq)
	invsqrt, wasSquare := new(field.Element).SqrtRatio(feOne, new(field.Element).Multiply(v, u2sq))
	denX := new(field.Element).Multiply(invsqrt, u2)
	denY := new(field.Element).Multiply(invsqrt, denX)
	denY.Multiply(denY, v)
	x := new(field.Element).Add(s, s)
	x.Multiply(x, denX).Absolute(x)
	y := new(field.Element).Multiply(u1, denY)
	t := new(field.Element).Multiply(x, y)
	if wasSquare == 0 || t.IsNegative() == 1 || y.Equal(new(field.Element).Zero()) == 1 {
		return nil, errEncoding
	}
	p, err := new(edwards25519.Point).SetExtendedCoordinates(x, y, new(field.Element).One(), t)
	if err != nil {
		return nil, errEncoding
	}
	return p, nil
}

// encodeRistretto is RFC 9496 section 4.3.2's ENCODE, appended to dst.
func encodeRistretto(dst []byte, p *edwards25519.Point) []byte {
	x0, y0, z0, t0 := p.ExtendedCoordinates()
	u1 := new(field.Element).Add(z0, y0)
	u1.Multiply(u1, new(field.Element).Subtract(z0, y0))
	u2 := new(field.Element).Multiply(x0, y0)
	// invsqrt = 1/sqrt(u1 * u2^2)
	w := new(field.Element).Square(u2)
	w.Multiply(w, u1)
	invsqrt, _ := new(field.Element).SqrtRatio(feOne, w)
	den1 := new(field.Element).Multiply(invsqrt, u1)
	den2 := new(field.Element).Multiply(invsqrt, u2)
	zInv := new(field.Element).Multiply(den1, den2)
	zInv.Multiply(zInv, t0)
	ix0 := new(field.Element).Multiply(x0, feSqrtM1)
	iy0 := new(field.Element).Multiply(y0, feSqrtM1)
	enchanted := new(field.Element).Multiply(den1, feInvSqrtAMinusD)
	rotate := new(field.Element).Multiply(t0, zInv).IsNegative()
	x := new(field.Element).Select(iy0, x0, rotate)
	y := new(field.Element).Select(ix0, y0, rotate)
	denInv := new(field.Element).Select(enchanted, den2, rotate)
	negY := new(field.Element).Negate(y)
	y.Select(negY, y, new(field.Element).Multiply(x, zInv).IsNegative())
	s := new(field.Element).Subtract(z0, y)
	s.Multiply(s, denInv).Absolute(s)
	return append(dst, s.Bytes()...)
}

// isIdentity: the identity's coset is the points with x = 0 or y = 0.
func isIdentity(p *edwards25519.Point) bool {
	x, y, _, _ := p.ExtendedCoordinates()
	zero := new(field.Element).Zero()
	return x.Equal(zero)|y.Equal(zero) == 1
}

// mapRistretto is RFC 9496 section 4.3.4's MAP of one field element.
func mapRistretto(t *field.Element) *edwards25519.Point {
	r := new(field.Element).Square(t)
	r.Multiply(r, feSqrtM1)
	u := new(field.Element).Add(r, feOne)
	u.Multiply(u, feOneMinusDSq)
	// v = (-1 - r*D) * (r + D)
	v := new(field.Element).Multiply(r, feD)
	v.Add(v, feOne).Negate(v)
	v.Multiply(v, new(field.Element).Add(r, feD))
	s, wasSquare := new(field.Element).SqrtRatio(u, v)
	sPrime := new(field.Element).Multiply(s, t)
	sPrime.Absolute(sPrime).Negate(sPrime)
	s.Select(s, sPrime, wasSquare)
	minusOne := new(field.Element).Negate(feOne)
	c := new(field.Element).Select(minusOne, r, wasSquare)
	// N = c * (r - 1) * D_MINUS_ONE_SQ - v
	n := new(field.Element).Subtract(r, feOne)
	n.Multiply(n, c).Multiply(n, feDMinusOneSq).Subtract(n, v)
	ss := new(field.Element).Square(s)
	w0 := new(field.Element).Add(s, s)
	w0.Multiply(w0, v)
	w1 := new(field.Element).Multiply(n, feSqrtADMinusOne)
	w2 := new(field.Element).Subtract(feOne, ss)
	w3 := new(field.Element).Add(feOne, ss)
	p, err := new(edwards25519.Point).SetExtendedCoordinates(
		new(field.Element).Multiply(w0, w3), new(field.Element).Multiply(w2, w1),
		new(field.Element).Multiply(w1, w3), new(field.Element).Multiply(w0, w2))
	if err != nil {
		panic("lite: ristretto255 map left the curve") // cannot happen: MAP's output is on the curve
	}
	return p
}

// fromUniformBytes is RFC 9496 section 4.3.4's one-way map of 64 bytes:
// MAP of each half (top bit cleared) and their sum.
func fromUniformBytes(b *[64]byte) *edwards25519.Point {
	var h [32]byte
	copy(h[:], b[:32])
	h[31] &= 0x7f
	t1, _ := new(field.Element).SetBytes(h[:])
	copy(h[:], b[32:])
	h[31] &= 0x7f
	t2, _ := new(field.Element).SetBytes(h[:])
	return new(edwards25519.Point).Add(mapRistretto(t1), mapRistretto(t2))
}
