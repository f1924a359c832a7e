package release

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"io"
	"strconv"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"

	"github.com/hashgate/hashgate/internal/wire"
)

// Key algorithms. Signing keys are Ed25519 (RFC 8032) and ML-DSA-65
// (FIPS 204); edge keys are X-Wing (X25519 + ML-KEM-768) for HPKE.
const (
	AlgEd25519 = "ed25519"
	AlgMLDSA65 = "ml-dsa-65"
	AlgXWing   = "x-wing"
)

// keyIDLen is the length in bytes of a key id: a truncated SHA-256.
const keyIDLen = 16

// mldsaContext is the FIPS 204 context string bound into every ML-DSA
// signature, so a manifest signature cannot be replayed as another message.
var mldsaContext = []byte("hashgate-manifest-v1")

// PublicKey is a public key with its algorithm; Key holds the algorithm's
// standard encoding (32 bytes for Ed25519, 1952 for ML-DSA-65, 1216 for
// X-Wing).
type PublicKey struct {
	Alg string
	Key []byte
}

// ID is the key id: the first 16 bytes of SHA-256 over the encoded public
// key, in lowercase hex.
func (k PublicKey) ID() string {
	sum := sha256.Sum256(k.Key)
	return wire.HexString(sum[:keyIDLen])
}

// Ref is the KeyRef naming k.
func (k PublicKey) Ref() KeyRef { return KeyRef{Alg: k.Alg, ID: k.ID()} }

func (k PublicKey) check() error {
	want := 0
	switch k.Alg {
	case AlgEd25519:
		want = ed25519.PublicKeySize
	case AlgMLDSA65:
		want = mldsa65.PublicKeySize
	case AlgXWing:
		want = xwingPublicKeySize
	default:
		return formatErr("unknown key algorithm " + wire.Quote(k.Alg))
	}
	if len(k.Key) != want {
		return formatErr(k.Alg + " public key must be " + strconv.Itoa(want) + " bytes, got " + strconv.Itoa(len(k.Key)))
	}
	return nil
}

func knownAlg(a string) bool { return a == AlgEd25519 || a == AlgMLDSA65 }

// Trust is the set of pinned publisher keys a client accepts signatures
// from. A release must carry a valid Ed25519 signature and a valid ML-DSA-65
// signature, each by a key in Trust. After a release that names NextKeys is
// accepted, the caller persists Release.NextTrust() in place of its Trust.
type Trust struct {
	Keys []PublicKey
}

// Signer holds a publisher's private keys: one Ed25519 and one ML-DSA-65.
type Signer struct {
	ed     ed25519.PrivateKey
	mlSeed [mldsa65.SeedSize]byte
	ml     *mldsa65.PrivateKey
	mlPub  *mldsa65.PublicKey
}

// GenerateSigner makes a new publisher key pair set from rand
// (crypto/rand.Reader when nil).
func GenerateSigner(rand io.Reader) (*Signer, error) {
	if rand == nil {
		rand = cryptoRandReader
	}
	var edSeed [ed25519.SeedSize]byte
	var mlSeed [mldsa65.SeedSize]byte
	if _, err := io.ReadFull(rand, edSeed[:]); err != nil {
		return nil, wrap("release: reading randomness", err)
	}
	if _, err := io.ReadFull(rand, mlSeed[:]); err != nil {
		return nil, wrap("release: reading randomness", err)
	}
	return newSigner(edSeed[:], mlSeed), nil
}

func newSigner(edSeed []byte, mlSeed [mldsa65.SeedSize]byte) *Signer {
	pk, sk := mldsa65.NewKeyFromSeed(&mlSeed)
	return &Signer{ed: ed25519.NewKeyFromSeed(edSeed), mlSeed: mlSeed, ml: sk, mlPub: pk}
}

// Public returns the signer's public keys: Ed25519 first, then ML-DSA-65.
func (s *Signer) Public() []PublicKey {
	return []PublicKey{
		{Alg: AlgEd25519, Key: []byte(s.ed.Public().(ed25519.PublicKey))},
		{Alg: AlgMLDSA65, Key: s.mlPub.Bytes()},
	}
}

// Refs returns the key ids to record in Manifest.PublisherKeys.
func (s *Signer) Refs() []KeyRef {
	pub := s.Public()
	return []KeyRef{pub[0].Ref(), pub[1].Ref()}
}

// Trust returns a Trust pinning exactly this signer's public keys.
func (s *Signer) Trust() Trust { return Trust{Keys: s.Public()} }

// Sign returns manifest.sig for the exact manifest bytes: an Ed25519
// signature over them and an ML-DSA-65 signature (deterministic variant,
// context "hashgate-manifest-v1").
func (s *Signer) Sign(manifest []byte) ([]byte, error) {
	pub := s.Public()
	mlSig := make([]byte, mldsa65.SignatureSize)
	if err := mldsa65.SignTo(s.ml, manifest, mldsaContext, false, mlSig); err != nil {
		return nil, wrap("release: ML-DSA-65 signing failed", err)
	}
	sigs := []Signature{
		{Alg: AlgEd25519, KeyID: pub[0].ID(), Sig: ed25519.Sign(s.ed, manifest)},
		{Alg: AlgMLDSA65, KeyID: pub[1].ID(), Sig: mlSig},
	}
	return MarshalSignatures(sigs), nil
}

// Signature is one entry of manifest.sig.
type Signature struct {
	Alg   string
	KeyID string
	Sig   []byte
}

// MarshalSignatures writes manifest.sig: a JSON object
// {"format": "1.0", "signatures": [{"alg", "key_id", "sig" (base64)}...]}.
func MarshalSignatures(sigs []Signature) []byte {
	root := wire.Value{Type: wire.Object}
	arr := wire.Value{Type: wire.Array}
	for _, s := range sigs {
		o := wire.Value{Type: wire.Object}
		o.Obj = append(o.Obj,
			wire.Member{Key: "alg", Val: wire.Str(s.Alg)},
			wire.Member{Key: "key_id", Val: wire.Str(s.KeyID)},
			wire.Member{Key: "sig", Val: wire.Str(wire.Base64Encode(s.Sig))})
		arr.Arr = append(arr.Arr, o)
	}
	root.Obj = append(root.Obj,
		wire.Member{Key: "format", Val: wire.Str(strconv.Itoa(FormatMajor) + "." + strconv.Itoa(FormatMinor))},
		wire.Member{Key: "signatures", Val: arr})
	return append(wire.AppendCanonical(nil, root), '\n')
}

// ParseSignatures reads manifest.sig. Errors match ErrFormat.
func ParseSignatures(b []byte) ([]Signature, error) {
	if len(b) > 256<<10 {
		return nil, formatErr("manifest.sig too large")
	}
	root, err := wire.Parse(b)
	if err != nil {
		return nil, &FormatError{Msg: "manifest.sig", Err: err}
	}
	if root.Type != wire.Object {
		return nil, formatErr("manifest.sig is not a JSON object")
	}
	fv := root.Get("format")
	if fv == nil || fv.Type != wire.String {
		return nil, formatErr(`manifest.sig: missing "format"`)
	}
	_, minor, err := parseFormat(fv.Str)
	if err != nil {
		return nil, err
	}
	r := &objReader{tolerant: minor > FormatMinor}
	o := r.object(&root, "sig")
	r.str(o, "format")
	var out []Signature
	for _, v := range r.array(o, "signatures", maxKeys) {
		so := r.object(&v, "signatures[]")
		out = append(out, Signature{Alg: r.str(so, "alg"), KeyID: r.str(so, "key_id"), Sig: r.b64(so, "sig")})
		r.done(so)
	}
	r.done(o)
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// verifySignatures checks that sigFile holds, for each of Ed25519 and
// ML-DSA-65, a signature over manifest by a key that is both pinned in t and
// named in m.PublisherKeys. A signature by a pinned key that does not verify
// is an error even if another one does: a corrupted signature is never
// silently ignored.
func verifySignatures(manifest []byte, m *Manifest, sigFile []byte, t Trust) error {
	sigs, err := ParseSignatures(sigFile)
	if err != nil {
		return err
	}
	good := map[string]bool{}
	for _, s := range sigs {
		if !knownAlg(s.Alg) {
			continue // a newer algorithm this version cannot check
		}
		k := t.find(s.Alg, s.KeyID)
		if k == nil || !m.names(s.Alg, s.KeyID) {
			continue // not a key we pin: neither helps nor hurts
		}
		if !verifyOne(*k, manifest, s.Sig) {
			return errors.New("release: " + s.Alg + " signature by key " + s.KeyID + " does not verify")
		}
		good[s.Alg] = true
	}
	for _, alg := range [...]string{AlgEd25519, AlgMLDSA65} {
		if !good[alg] {
			return errors.New("release: no valid " + alg + " signature by a pinned publisher key")
		}
	}
	return nil
}

func verifyOne(k PublicKey, msg, sig []byte) bool {
	switch k.Alg {
	case AlgEd25519:
		return len(k.Key) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
			ed25519.Verify(ed25519.PublicKey(k.Key), msg, sig)
	case AlgMLDSA65:
		var pk mldsa65.PublicKey
		if pk.UnmarshalBinary(k.Key) != nil || len(sig) != mldsa65.SignatureSize {
			return false
		}
		return mldsa65.Verify(&pk, msg, mldsaContext, sig)
	}
	return false
}

func (t Trust) find(alg, id string) *PublicKey {
	for i := range t.Keys {
		if t.Keys[i].Alg == alg && t.Keys[i].ID() == id {
			return &t.Keys[i]
		}
	}
	return nil
}

func (m *Manifest) names(alg, id string) bool {
	for _, k := range m.PublisherKeys {
		if k.Alg == alg && k.ID == id {
			return true
		}
	}
	return false
}

// RotateTrust follows one link of a key-rotation chain: it verifies the
// manifest (exact bytes) and its signatures against t and returns the Trust
// for the releases after it — its NextKeys if it names any, t otherwise. A
// client that missed releases replays the archived manifests that rotated
// keys, in order, to reach the current Trust. It checks signatures and
// format only, not expiry: an old link stays valid evidence.
func RotateTrust(t Trust, manifest, sig []byte) (Trust, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return t, &RuleError{Rule: RuleFormat, Err: err}
	}
	if err := verifySignatures(manifest, m, sig, t); err != nil {
		return t, &RuleError{Rule: RuleSignature, Err: err}
	}
	return m.nextTrust(t), nil
}

func (m *Manifest) nextTrust(t Trust) Trust {
	if len(m.NextKeys) == 0 {
		return t
	}
	return Trust{Keys: append([]PublicKey(nil), m.NextKeys...)}
}
