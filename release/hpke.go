package release

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/binary"
	"errors"
	"io"

	"github.com/cloudflare/circl/kem/xwing"
)

// HPKE (RFC 9180), base mode, single-shot, for the one suite the edge list
// uses: KEM X-Wing (0x647a), KDF HKDF-SHA256 (0x0001), AEAD AES-256-GCM
// (0x0002). Only the key schedule is written here; the KEM is circl's
// X-Wing, HKDF and AES-GCM are the standard library's.
//
// Why not circl/hpke: its package init builds a table of every KEM it
// knows, crypto/ecdh's P-256, P-384 and P-521 among them, and the linker
// cannot drop what an init keeps. This package is linked into the wasm
// checker, which never opens a list, and that table alone was a sixth of
// the module. The tests hold this code to circl/hpke byte for byte.

const (
	hpkeKEMXWing   = 0x647a
	hpkeKDFSHA256  = 0x0001
	hpkeAEADAES256 = 0x0002

	hpkeNk = 32 // AES-256 key
	hpkeNn = 12 // GCM nonce
)

// hpkeSuiteID is RFC 9180's suite_id for the context: "HPKE" || kem || kdf || aead.
var hpkeSuiteID = []byte{'H', 'P', 'K', 'E', hpkeKEMXWing >> 8, hpkeKEMXWing & 0xff,
	0, hpkeKDFSHA256, 0, hpkeAEADAES256}

// labeledExtract is RFC 9180's LabeledExtract with HKDF-SHA256.
func labeledExtract(salt []byte, label string, ikm []byte) ([]byte, error) {
	in := make([]byte, 0, 7+len(hpkeSuiteID)+len(label)+len(ikm))
	in = append(in, "HPKE-v1"...)
	in = append(in, hpkeSuiteID...)
	in = append(in, label...)
	in = append(in, ikm...)
	return hkdf.Extract(sha256.New, in, salt)
}

// labeledExpand is RFC 9180's LabeledExpand with HKDF-SHA256.
func labeledExpand(prk []byte, label string, info []byte, n int) ([]byte, error) {
	in := binary.BigEndian.AppendUint16(nil, uint16(n))
	in = append(in, "HPKE-v1"...)
	in = append(in, hpkeSuiteID...)
	in = append(in, label...)
	in = append(in, info...)
	return hkdf.Expand(sha256.New, prk, string(in), n)
}

// hpkeKeySchedule is RFC 9180's KeySchedule in mode_base (no PSK): the
// AEAD key and base nonce for shared secret ss and info. A single-shot
// Seal/Open uses sequence number 0, so the nonce is the base nonce. (HKDF
// fails only in FIPS 140-only mode on inputs shorter than these.)
func hpkeKeySchedule(ss, info []byte) (key, nonce []byte, err error) {
	pskIDHash, err1 := labeledExtract(nil, "psk_id_hash", nil)
	infoHash, err2 := labeledExtract(nil, "info_hash", info)
	secret, err3 := labeledExtract(ss, "secret", nil)
	ctx := append(append([]byte{0x00}, pskIDHash...), infoHash...) // mode_base
	key, err4 := labeledExpand(secret, "key", ctx, hpkeNk)
	nonce, err5 := labeledExpand(secret, "base_nonce", ctx, hpkeNn)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, nil, wrap("release: HPKE key schedule", err)
	}
	return key, nonce, nil
}

// xwingKeyPair derives an edge's X-Wing key pair from its 32-byte seed as
// RFC 9180's DeriveKeyPair does for this KEM (in circl and the X-Wing
// draft): SHAKE-256 of the input keying material, cut to X-Wing's seed size.
func xwingKeyPair(ikm []byte) (*xwing.PrivateKey, *xwing.PublicKey) {
	seed := sha3.SumSHAKE256(ikm, xwing.SeedSize)
	return xwing.DeriveKeyPair(seed)
}

// hpkeSeal encrypts pt to pk in base mode: it returns the KEM's enc and
// the AEAD ciphertext. rand supplies X-Wing's 64 bytes of encapsulation
// randomness.
func hpkeSeal(pk *xwing.PublicKey, rand io.Reader, info, aad, pt []byte) (enc, ct []byte, err error) {
	seed := make([]byte, xwing.EncapsulationSeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, nil, wrap("release: reading randomness", err)
	}
	enc = make([]byte, xwing.CiphertextSize)
	ss := make([]byte, xwing.SharedKeySize)
	pk.EncapsulateTo(enc, ss, seed)
	key, nonce, err := hpkeKeySchedule(ss, info)
	if err != nil {
		return nil, nil, err
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, nil, err
	}
	return enc, gcm.Seal(nil, nonce, pt, aad), nil
}

// hpkeOpen decrypts ct, sealed to sk's public key with KEM output enc.
func hpkeOpen(sk *xwing.PrivateKey, enc, info, aad, ct []byte) ([]byte, error) {
	if len(enc) != xwing.CiphertextSize {
		return nil, listErr("cannot open the wrapped key")
	}
	ss := make([]byte, xwing.SharedKeySize)
	sk.DecapsulateTo(ss, enc)
	key, nonce, err := hpkeKeySchedule(ss, info)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	pt, err := gcm.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, listErr("cannot open the wrapped key")
	}
	return pt, nil
}
