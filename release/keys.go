package release

import (
	"bytes"
	"crypto/ed25519"
	"strconv"
	"strings"

	"github.com/cloudflare/circl/kem/xwing"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"

	"github.com/hashgate/hashgate/internal/wire"
)

// Key files are text: '#' comments and blank lines are ignored, every other
// line is "ALGORITHM BASE64". Public key files hold public keys
// (ed25519, ml-dsa-65, x-wing); private key files hold 32-byte seeds under
// the algorithm name plus "-seed" (ed25519-seed, ml-dsa-65-seed,
// x-wing-seed). Seeds are the compact, standard private forms: RFC 8032's
// Ed25519 seed, FIPS 204's ξ, X-Wing's seed.

const xwingPublicKeySize = xwing.PublicKeySize

const seedSuffix = "-seed"

// MarshalPublicKeys writes a public key file.
func MarshalPublicKeys(keys []PublicKey) []byte {
	var b bytes.Buffer
	b.WriteString("# hashgate public keys: ALGORITHM BASE64 (key id in the comment)\n")
	for _, k := range keys {
		b.WriteString("# id " + k.ID() + "\n")
		b.WriteString(k.Alg + " " + wire.Base64Encode(k.Key) + "\n")
	}
	return b.Bytes()
}

// ParsePublicKeys reads a public key file. Errors match ErrFormat.
func ParsePublicKeys(b []byte) ([]PublicKey, error) {
	var out []PublicKey
	err := keyLines(b, func(line int, alg string, val []byte) error {
		k := PublicKey{Alg: alg, Key: val}
		if err := k.check(); err != nil {
			return &FormatError{Msg: "key file line " + strconv.Itoa(line), Err: err}
		}
		out = append(out, k)
		return nil
	})
	if err == nil && len(out) == 0 {
		err = formatErr("key file holds no public keys")
	}
	return out, err
}

// ParseTrust reads a public key file into a Trust (edge keys in it are ignored).
func ParseTrust(b []byte) (Trust, error) {
	keys, err := ParsePublicKeys(b)
	if err != nil {
		return Trust{}, err
	}
	var t Trust
	for _, k := range keys {
		if knownAlg(k.Alg) {
			t.Keys = append(t.Keys, k)
		}
	}
	return t, nil
}

// MarshalPrivate writes the signer's private key file. Keep it secret: mode 0600.
func (s *Signer) MarshalPrivate() []byte {
	var b bytes.Buffer
	b.WriteString("# hashgate publisher private keys: SECRET, never share or print\n")
	b.WriteString(AlgEd25519 + seedSuffix + " " + wire.Base64Encode(s.ed.Seed()) + "\n")
	b.WriteString(AlgMLDSA65 + seedSuffix + " " + wire.Base64Encode(s.mlSeed[:]) + "\n")
	return b.Bytes()
}

// ParseSigner reads a private key file written by MarshalPrivate.
func ParseSigner(b []byte) (*Signer, error) {
	var ed []byte
	var ml *[mldsa65.SeedSize]byte
	err := keyLines(b, func(line int, alg string, val []byte) error {
		if len(val) != 32 {
			return formatErr("private key file line " + strconv.Itoa(line) + ": seed must be 32 bytes")
		}
		switch alg {
		case AlgEd25519 + seedSuffix:
			ed = val
		case AlgMLDSA65 + seedSuffix:
			ml = (*[mldsa65.SeedSize]byte)(val)
		default:
			return formatErr("private key file line " + strconv.Itoa(line) + ": unexpected " + wire.Quote(alg))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ed) != ed25519.SeedSize || ml == nil {
		return nil, formatErr("private key file needs an ed25519-seed and an ml-dsa-65-seed line")
	}
	return newSigner(ed, *ml), nil
}

func keyLines(b []byte, f func(line int, alg string, val []byte) error) error {
	if len(b) > 1<<20 {
		return formatErr("key file too large")
	}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		alg, val, ok := strings.Cut(line, " ")
		if !ok {
			return formatErr("key file line " + strconv.Itoa(i+1) + ": want ALGORITHM BASE64")
		}
		raw, ok := wire.Base64Decode(strings.TrimSpace(val))
		if !ok {
			return formatErr("key file line " + strconv.Itoa(i+1) + ": bad base64")
		}
		if err := f(i+1, alg, raw); err != nil {
			return err
		}
	}
	return nil
}
