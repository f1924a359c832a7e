package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"sync"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/wire"
)

// Oblivious mode (package oblivious has the protocol). The manifest's
// oblivious field pins the VOPRF public key: {"suite": "ristretto255-SHA512",
// "public_key": base64 of 32 bytes}; the filter's key id is that key's
// KeyID and filter.release_key is absent. The private key travels like the
// list: an artifact of role "oprf-key", oprfkey-<sha256>.hpke, the list's
// encryption (listcrypt.go) over the plaintext
//
//	"HGK1" | 32-byte private key (a ristretto255 scalar, little-endian)
//
// OpenOPRFKey returns the scalar; an edge parses it with
// oblivious.ParsePrivateKeyFor, which checks that it is the private half of
// the pinned public key.
//
// A VOPRF input binds the value to the release epoch, the fingerprint type
// and the band, so that keys of two epochs, two types or two bands never
// coincide (obliviousInput):
//
//	"hashgate oprf v1" (16 bytes) | 0x00
//	epoch             uint64 big-endian
//	type              1 byte: bloom.Type (1 pdq, 2 phash, 3 sha256, 4 md5)
//	bands             1 byte: 0 for an exact value, else the PDQ layout's band count
//	band              1 byte: the band's index (0 for an exact value)
//	value             the exact value, or the band's bytes (256/bands bits)
//
// This file does not import package oblivious, which does the arithmetic:
// circl's group package would bring crypto/ecdh into the open-mode wasm
// module, which imports release. The publisher's key comes in as OPRFKey.

// RoleOPRFKey is the artifact role of the encrypted VOPRF private key.
const RoleOPRFKey = "oprf-key"

const oprfKeyMagic = "HGK1"

// DefaultObliviousLayout is the layout of `hashgate build --mode oblivious`:
// 8 bands of 32 bits, which keeps open mode's guarantee (a copy within 7
// bits of a listed hash shares a band with it) with 8 evaluations per PDQ
// hash instead of 4x64+p1's 260 look-ups. 32-bit bands are safe here
// because no key can be computed without the edge (docs/filter.md).
var DefaultObliviousLayout = bloom.Layout{Bands: 8, BandBits: 32, Mode: bloom.ModeOblivious}

// OPRFKey is the publisher's VOPRF private key (*oblivious.PrivateKey).
type OPRFKey interface {
	Bytes() []byte                          // the 32-byte scalar, encrypted to the edges
	PublicBytes() []byte                    // the 32-byte public key the manifest pins
	FilterKey(input []byte) (uint64, error) // the filter key of one input
}

const (
	oprfSuite   = "ristretto255-SHA512" // oblivious.SuiteName
	oprfKeySize = 32
	oprfLabel   = "hashgate oprf v1\x00"
)

// obliviousKeyID is the filter's key id in oblivious mode: oblivious's
// KeyID of the public key (the same formula; a test holds them equal).
// Sum256 rather than sha256.New: the hash.Hash interface would link the
// digest's marshalling methods into the wasm module (about 2 KB brotli).
func obliviousKeyID(pub []byte) [8]byte {
	sum := sha256.Sum256(append([]byte("hashgate oprf key id v1"), pub...))
	return [8]byte(sum[:8])
}

// obliviousInput appends the input of one exact value or band.
func obliviousInput(dst []byte, epoch uint64, t bloom.Type, bands, band int, value []byte) []byte {
	dst = append(dst, oprfLabel...)
	dst = binary.BigEndian.AppendUint64(dst, epoch)
	dst = append(dst, byte(t), byte(bands), byte(band))
	return append(dst, value...)
}

// ErrOblivious: an oblivious-mode release or key is inconsistent.
var ErrOblivious = errors.New("release: oblivious mode")

func obliviousErr(msg string, causes ...error) error {
	for _, c := range causes {
		msg += ": " + c.Error()
	}
	return wire.NewError("release: "+msg, append(causes, ErrOblivious)...)
}

// obliviousInputs appends the VOPRF inputs of one value: the exact value,
// or for PDQ under a banded layout each band (and with query and one-bit
// probes, each band with one bit flipped), in the order of bloom's Keyer.
func obliviousInputs(epoch uint64, l bloom.Layout, t bloom.Type, value []byte, query bool, dst [][]byte) [][]byte {
	if t.ValueLen() == 0 || len(value) != t.ValueLen() {
		return dst
	}
	if t != bloom.TypePDQ || l.Bands == 0 {
		return append(dst, obliviousInput(nil, epoch, t, 0, 0, value))
	}
	w := l.BandBits / 8
	for i := range l.Bands {
		band := value[i*w : (i+1)*w]
		dst = append(dst, obliviousInput(nil, epoch, t, l.Bands, i, band))
		if query && l.Probes == 1 {
			for j := range 8 * w {
				in := obliviousInput(nil, epoch, t, l.Bands, i, band)
				in[len(in)-w+j/8] ^= 1 << (j % 8)
				dst = append(dst, in)
			}
		}
	}
	return dst
}

// ObliviousInputs appends to dst the VOPRF inputs of one computed
// fingerprint of an oblivious release (nothing for an open release, an
// unknown kind or a wrong length): the checker blinds them, the edge
// evaluates them, and Contains looks the finalised keys up.
func (r *Release) ObliviousInputs(kind fingerprint.Kind, value []byte, dst [][]byte) [][]byte {
	if r.Manifest.Oblivious == nil {
		return dst
	}
	return obliviousInputs(r.Manifest.Epoch, r.layout, bloom.Type(kind), value, true, dst)
}

// Contains reports whether the release's filters hold key, a finalised
// VOPRF output's filter key (oblivious.Key, Client.Keys).
func (r *Release) Contains(key uint64) bool { return r.Filters.Contains(bloom.Key(key)) }

// obliviousKeys computes the filter keys of entries under sk: the same
// values a checker's Finalize gives for its query inputs.
func obliviousKeys(sk OPRFKey, epoch uint64, l bloom.Layout, entries []ListEntry) ([]bloom.Key, error) {
	var inputs [][]byte
	for _, e := range entries {
		if e.Kind == fingerprint.KindVPDQ {
			_, frames, msg := splitVideoValue(e.Value)
			if msg != "" {
				continue
			}
			for i := 0; i < len(frames); i += videoFrameSize {
				inputs = obliviousInputs(epoch, l, bloom.TypePDQ, frames[i:i+32], false, inputs)
			}
			continue
		}
		inputs = obliviousInputs(epoch, l, bloom.Type(e.Kind), e.Value, false, inputs)
	}
	// One evaluation is a hash to the group and a scalar multiplication,
	// about 0.1 ms: spread them over the cores.
	keys := make([]bloom.Key, len(inputs))
	workers := min(runtime.GOMAXPROCS(0), 1+len(inputs)/256)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(inputs); i += workers {
				k, err := sk.FilterKey(inputs[i])
				if err != nil {
					errs[w] = err
					return
				}
				keys[i] = bloom.Key(k)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return keys, nil
}

type oprfKeyPlain struct{ key []byte }

func plainOf(k OPRFKey) oprfKeyPlain { return oprfKeyPlain{k.Bytes()} }

func (p oprfKeyPlain) encodedSize() int { return len(oprfKeyMagic) + oprfKeySize }
func (p oprfKeyPlain) append(dst []byte) []byte {
	return append(append(dst, oprfKeyMagic...), p.key...)
}

// EncryptOPRFKey encrypts the VOPRF private key to every recipient, as the
// list is encrypted.
func EncryptOPRFKey(sk OPRFKey, recipients []PublicKey, rand io.Reader) ([]byte, error) {
	return encryptList(plainOf(sk), recipients, rand)
}

// parseOPRFKey decodes the decrypted artifact into the scalar's bytes.
func parseOPRFKey(b []byte) ([]byte, error) {
	if len(b) != len(oprfKeyMagic)+oprfKeySize || string(b[:len(oprfKeyMagic)]) != oprfKeyMagic {
		return nil, obliviousErr("oprf key artifact is not \"HGK1\" and 32 bytes")
	}
	return bytes.Clone(b[len(oprfKeyMagic):]), nil
}

// OpenOPRFKey decrypts an oblivious release's VOPRF private key (32 bytes)
// with an edge key. Parse it with oblivious.ParsePrivateKeyFor and the
// manifest's public key, which refuses a key that is not its private half.
// Errors match ErrList (cannot open) or ErrOblivious.
func (r *Release) OpenOPRFKey(edgeKey *EdgePrivateKey) ([]byte, error) {
	if r.Manifest.Oblivious == nil {
		return nil, obliviousErr("an open-mode release has no oprf key")
	}
	if r.OPRFKey == nil {
		return nil, obliviousErr("the bundle has no oprf-key artifact")
	}
	plain, err := decryptBytes(r.OPRFKey, edgeKey, false)
	if err != nil {
		return nil, err
	}
	sk, err := parseOPRFKey(plain)
	clear(plain)
	return sk, err
}

// checkOblivious applies the oblivious-mode rules of Accept to a parsed
// manifest. (One message per rule, without the values: this runs in the
// wasm module, which is near its size budget.)
func (r *Release) checkOblivious(m *Manifest, layout bloom.Layout) error {
	var msg string
	switch o := m.Oblivious; {
	case layout.Mode != bloom.ModeOblivious:
		if o == nil {
			return nil
		}
		msg = "an open-mode layout with an oblivious public key"
	case o == nil:
		msg = "an oblivious layout without the oblivious public key"
	case m.Filter.ReleaseKey != [32]byte{}:
		msg = "an oblivious release must not carry a release key"
	case o.Suite != oprfSuite:
		msg = "oblivious suite is not " + oprfSuite
	case len(o.PublicKey) != oprfKeySize:
		// The point itself is decoded where it is used
		// (oblivious.ParsePublicKey, in the checker and the edge).
		msg = "oblivious public key is not 32 bytes"
	case r.Filters.CheckKeyID(obliviousKeyID(o.PublicKey)) != nil:
		msg = "filters do not match the oblivious public key"
	default:
		return nil
	}
	return obliviousErr(msg)
}
