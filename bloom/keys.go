package bloom

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
)

// Type names the fingerprint a value is. The numbers are those of
// fingerprint.Kind, so callers convert with Type(kind).
type Type uint8

// The types with filter keys, and the length of the raw value each takes.
const (
	TypePDQ    Type = 1 // 32 bytes: fingerprint.PDQHash (reference hex order)
	TypePHash  Type = 2 // 8 bytes: the 64-bit hash big-endian (its hex order)
	TypeSHA256 Type = 3 // 32 bytes
	TypeMD5    Type = 4 // 16 bytes
)

var typeLen = [...]int{TypePDQ: 32, TypePHash: 8, TypeSHA256: 32, TypeMD5: 16}

// ValueLen is the byte length of a value of type t, 0 for an unknown type.
func (t Type) ValueLen() int {
	if t == 0 || int(t) >= len(typeLen) {
		return 0
	}
	return typeLen[t]
}

// Keyer derives filter keys from fingerprints under one release key. The
// publisher inserts InsertKeys of every listed hash; a client looks up
// QueryKeys of what it hashed and has a candidate if any key hits.
//
// Every (type, band) pair has its own SipHash-2-4 key, expanded from the
// 256-bit release key with HKDF-Expand-SHA256 (RFC 5869; the release key is
// already uniform, so no Extract step). Keys of two releases are
// independent: nothing carries over from one epoch's filter to the next.
// A Keyer is immutable and safe for concurrent use.
type Keyer struct {
	layout Layout
	keyID  [8]byte
	exact  [len(typeLen)]sipKey
	bands  []sipKey
}

// NewKeyer returns the Keyer for releaseKey and layout l. Its errors match
// ErrLayout.
func NewKeyer(releaseKey [32]byte, l Layout) (*Keyer, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	k := &Keyer{layout: l}
	id, err := hkdf.Expand(sha256.New, releaseKey[:], "hashgate bloom v1 key id", 8)
	if err != nil {
		return nil, wrap(ErrOptions, "bloom: key derivation: "+err.Error())
	}
	copy(k.keyID[:], id)
	for t := TypePDQ; int(t) < len(typeLen); t++ {
		if k.exact[t], err = subkey(releaseKey, "hashgate bloom v1 exact "+itoa(uint64(t))); err != nil {
			return nil, err
		}
	}
	k.bands = make([]sipKey, l.Bands)
	for i := range k.bands {
		if k.bands[i], err = subkey(releaseKey, "hashgate bloom v1 pdq band "+l.String()+" "+itoa(uint64(i))); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func subkey(releaseKey [32]byte, info string) (sipKey, error) {
	b, err := hkdf.Expand(sha256.New, releaseKey[:], info, 16)
	if err != nil {
		return sipKey{}, wrap(ErrOptions, "bloom: key derivation: "+err.Error())
	}
	return sipKey{binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])}, nil
}

// KeyID names the release key without revealing it; filters record it.
func (k *Keyer) KeyID() [8]byte { return k.keyID }

// Layout is the layout the Keyer derives PDQ keys for.
func (k *Keyer) Layout() Layout { return k.layout }

// InsertKeys appends to dst the keys a publisher inserts for one listed
// value: the exact key, or for PDQ under a banded layout one key per band.
// A value of the wrong length for t (see Type.ValueLen), or an unknown t,
// yields no keys.
func (k *Keyer) InsertKeys(t Type, value []byte, dst []Key) []Key {
	return k.keys(t, value, dst, false)
}

// QueryKeys appends to dst the keys a client looks up for one computed
// value: InsertKeys plus, with one-bit probes, every band with one bit
// flipped (Layout.QueryKeysPerPDQ keys for a PDQ hash). Like InsertKeys it
// yields no keys for a malformed value.
func (k *Keyer) QueryKeys(t Type, value []byte, dst []Key) []Key {
	return k.keys(t, value, dst, true)
}

func (k *Keyer) keys(t Type, value []byte, dst []Key, query bool) []Key {
	if t.ValueLen() == 0 || len(value) != t.ValueLen() {
		return dst
	}
	if t != TypePDQ || k.layout.Bands == 0 {
		return append(dst, Key(k.exact[t].sum(value)))
	}
	probes := query && k.layout.Probes == 1
	w := k.layout.BandBits / 8
	for i, sk := range k.bands {
		band := value[i*w : (i+1)*w]
		if w == 8 {
			// The common 64-bit band: hash a register, flip bits in it.
			m := binary.LittleEndian.Uint64(band)
			dst = append(dst, Key(sk.sum8(m)))
			if probes {
				for j := range 64 {
					dst = append(dst, Key(sk.sum8(m^1<<j)))
				}
			}
			continue
		}
		dst = append(dst, Key(sk.sum(band)))
		if probes {
			var buf [32]byte
			b := buf[:w]
			copy(b, band)
			for j := range 8 * w {
				b[j/8] ^= 1 << (j % 8)
				dst = append(dst, Key(sk.sum(b)))
				b[j/8] ^= 1 << (j % 8)
			}
		}
	}
	return dst
}
