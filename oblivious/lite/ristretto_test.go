package lite

import (
	"bytes"
	"crypto/rand"
	"testing"

	"filippo.io/edwards25519"
	"github.com/cloudflare/circl/group"
)

// TestRistrettoAgainstCircl: for random scalars k, this package's encoding
// of k·G, and of the one-way map of random bytes, is circl's (another
// ristretto255 implementation); decoding it and encoding again is the
// identity map.
func TestRistrettoAgainstCircl(t *testing.T) {
	g := group.Ristretto255
	for range 200 {
		var wide [64]byte
		rand.Read(wide[:])
		k, _ := edwards25519.NewScalar().SetUniformBytes(wide[:])
		mine := encodeRistretto(nil, new(edwards25519.Point).ScalarBaseMult(k))
		ck := g.NewScalar()
		if err := ck.UnmarshalBinary(k.Bytes()); err != nil {
			t.Fatal(err)
		}
		theirs, _ := g.NewElement().MulGen(ck).MarshalBinary()
		if !bytes.Equal(mine, theirs) {
			t.Fatalf("k·G: %x, circl %x", mine, theirs)
		}
		p, err := decodeRistretto(mine)
		if err != nil {
			t.Fatalf("%x does not decode: %v", mine, err)
		}
		if again := encodeRistretto(nil, p); !bytes.Equal(again, mine) {
			t.Fatalf("decode-encode %x gave %x", mine, again)
		}
		msg := wide[:17]
		mapped := encodeRistretto(nil, hashToGroup(msg))
		ch, _ := g.HashToElement(msg, []byte(dstGroup)).MarshalBinary()
		if !bytes.Equal(mapped, ch) {
			t.Fatalf("hash to group: %x, circl %x", mapped, ch)
		}
	}
	if !isIdentity(edwards25519.NewIdentityPoint()) || isIdentity(edwards25519.NewGeneratorPoint()) {
		t.Fatal("isIdentity")
	}
	if _, err := decodeRistretto(make([]byte, 32)); err != nil {
		t.Fatal("the identity's encoding must decode (the caller refuses it)")
	}
}

// FuzzDecodeRistretto: this package and circl accept exactly the same
// 32-byte strings as ristretto255 encodings, and what both accept encodes
// back to itself.
func FuzzDecodeRistretto(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	gen, _ := group.Ristretto255.Generator().MarshalBinary()
	f.Add(gen)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeRistretto(b)
		e := group.Ristretto255.NewElement()
		cerr := e.UnmarshalBinary(b)
		if (err == nil) != (cerr == nil) {
			t.Fatalf("%x: lite %v, circl %v", b, err, cerr)
		}
		if err == nil && !bytes.Equal(encodeRistretto(nil, p), b) {
			t.Fatalf("%x re-encodes as %x", b, encodeRistretto(nil, p))
		}
	})
}
