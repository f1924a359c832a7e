package release

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"io"
	"strconv"

	"github.com/cloudflare/circl/kem/xwing"

	"github.com/hashgate/hashgate/internal/wire"
)

// The encrypted list (list-*.hpke). The list is encrypted once under a fresh
// 256-bit data key with AES-256-GCM; the data key is wrapped for each edge
// with HPKE (RFC 9180, base mode) using X-Wing (X25519 + ML-KEM-768, a
// post-quantum/traditional hybrid KEM), HKDF-SHA256 and AES-256-GCM:
//
//	"HGE1"
//	kem, kdf, aead    3 × uint16 big-endian: HPKE suite ids (0x647a, 0x0001, 0x0002)
//	nrecipients       uint16, 1..256
//	per recipient:    key id (16 bytes) | uint16 len | enc | uint16 len | wrapped data key
//	nonce             12 bytes
//	ciphertext        AES-256-GCM(data key, nonce, plaintext list, aad = every byte above)
//
// The HPKE info string is "hashgate-list-v1"; a wrapped key's aad is its
// recipient's key id. Binding the whole header as the list's aad means a
// recipient entry cannot be added, dropped or swapped without detection.
// HPKE itself is hpke.go.

const (
	cryptMagic    = "HGE1"
	maxRecipients = 256
)

var listInfo = []byte("hashgate-list-v1")

// EdgePrivateKey is an edge's X-Wing private key for opening edge lists.
type EdgePrivateKey struct {
	seed [32]byte
	sk   *xwing.PrivateKey
	pub  PublicKey
}

// GenerateEdgeKey makes a new edge key pair from rand (crypto/rand if nil).
func GenerateEdgeKey(rand io.Reader) (*EdgePrivateKey, error) {
	if rand == nil {
		rand = cryptoRandReader
	}
	var seed [32]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, wrap("release: reading randomness", err)
	}
	return newEdgeKey(seed)
}

func newEdgeKey(seed [32]byte) (*EdgePrivateKey, error) {
	sk, pk := xwingKeyPair(seed[:])
	raw := make([]byte, xwing.PublicKeySize)
	pk.Pack(raw)
	return &EdgePrivateKey{seed: seed, sk: sk, pub: PublicKey{Alg: AlgXWing, Key: raw}}, nil
}

// Public is the edge's public key, to give to publishers.
func (k *EdgePrivateKey) Public() PublicKey { return k.pub }

// MarshalPrivate writes the edge's private key file (keep it 0600).
func (k *EdgePrivateKey) MarshalPrivate() []byte {
	return []byte("# hashgate edge private key: SECRET, never share or print\n" +
		AlgXWing + seedSuffix + " " + wire.Base64Encode(k.seed[:]) + "\n")
}

// ParseEdgeKey reads an edge private key file.
func ParseEdgeKey(b []byte) (*EdgePrivateKey, error) {
	var seed []byte
	err := keyLines(b, func(line int, alg string, val []byte) error {
		if alg != AlgXWing+seedSuffix || len(val) != 32 {
			return formatErr("edge key file line " + strconv.Itoa(line) + ": want x-wing-seed and 32 bytes")
		}
		seed = val
		return nil
	})
	if err != nil {
		return nil, err
	}
	if seed == nil {
		return nil, formatErr("edge key file has no x-wing-seed line")
	}
	return newEdgeKey([32]byte(seed))
}

// EncryptList encodes entries and encrypts them to every recipient (X-Wing
// public keys). rand supplies the data key, nonce and HPKE randomness
// (crypto/rand if nil).
func EncryptList(entries []ListEntry, recipients []PublicKey, rand io.Reader) ([]byte, error) {
	enc, err := newListEncoder(entries)
	if err != nil {
		return nil, err
	}
	return encryptList(enc, recipients, rand)
}

// sealable is a plaintext that knows its encoded size and appends itself:
// the list (listEncoder) and the withdrawals (withdraw.go).
type sealable interface {
	encodedSize() int
	append(dst []byte) []byte
}

func (e *listEncoder) encodedSize() int { return e.size }

// encryptList writes header and encoded list into one buffer and seals the
// list in place, so a large list is held once, not three times.
func encryptList(enc sealable, recipients []PublicKey, rand io.Reader) ([]byte, error) {
	if rand == nil {
		rand = cryptoRandReader
	}
	if len(recipients) == 0 || len(recipients) > maxRecipients {
		return nil, listErr("want 1 to 256 recipients")
	}
	var dataKey [32]byte
	if _, err := io.ReadFull(rand, dataKey[:]); err != nil {
		return nil, wrap("release: reading randomness", err)
	}
	hdr := []byte(cryptMagic)
	hdr = binary.BigEndian.AppendUint16(hdr, hpkeKEMXWing)
	hdr = binary.BigEndian.AppendUint16(hdr, hpkeKDFSHA256)
	hdr = binary.BigEndian.AppendUint16(hdr, hpkeAEADAES256)
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(recipients)))
	for _, r := range recipients {
		if r.Alg != AlgXWing {
			return nil, listErr("recipient key is " + r.Alg + ", want " + AlgXWing)
		}
		var pk xwing.PublicKey
		if len(r.Key) != xwing.PublicKeySize {
			return nil, listErr("recipient key is not an X-Wing public key")
		}
		if err := pk.Unpack(r.Key); err != nil {
			return nil, wrap("release: recipient key", err)
		}
		var id [keyIDLen]byte
		wire.DecodeHex(id[:], r.ID(), true)
		enc, wrapped, err := hpkeSeal(&pk, rand, listInfo, id[:], dataKey[:])
		if err != nil {
			return nil, err
		}
		hdr = append(hdr, id[:]...)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(enc)))
		hdr = append(hdr, enc...)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(wrapped)))
		hdr = append(hdr, wrapped...)
	}
	nonce := make([]byte, 12)
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, wrap("release: reading randomness", err)
	}
	hdr = append(hdr, nonce...)
	gcm, err := newGCM(dataKey[:])
	if err != nil {
		return nil, err
	}
	h := len(hdr)
	buf := make([]byte, h, h+enc.encodedSize()+gcm.Overhead())
	copy(buf, hdr)
	buf = enc.append(buf)
	// Seal in place: dst is the plaintext's own storage (allowed by
	// cipher.AEAD when the overlap is exact); the header is the aad.
	sealed := gcm.Seal(buf[h:h], nonce, buf[h:], buf[:h])
	return buf[:h+len(sealed)], nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, wrap("release: AES", err)
	}
	return cipher.NewGCM(block)
}

// ListRecipients returns the key ids an encrypted list is wrapped for.
func ListRecipients(ciphertext []byte) ([]string, error) {
	h, err := parseCryptHeader(ciphertext)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(h.recips))
	for i, r := range h.recips {
		ids[i] = wire.HexString(r.id)
	}
	return ids, nil
}

type cryptRecipient struct{ id, enc, wrapped []byte }

type cryptHeader struct {
	recips []cryptRecipient
	nonce  []byte
	end    int // offset of the GCM ciphertext
}

func parseCryptHeader(b []byte) (*cryptHeader, error) {
	if len(b) < 14 || string(b[:4]) != cryptMagic {
		return nil, listErr("not an encrypted edge list (bad magic)")
	}
	if binary.BigEndian.Uint16(b[4:]) != hpkeKEMXWing || binary.BigEndian.Uint16(b[6:]) != hpkeKDFSHA256 ||
		binary.BigEndian.Uint16(b[8:]) != hpkeAEADAES256 {
		return nil, listErr("unsupported HPKE suite")
	}
	n := int(binary.BigEndian.Uint16(b[10:]))
	if n == 0 || n > maxRecipients {
		return nil, listErr("bad recipient count")
	}
	h := &cryptHeader{}
	pos := 12
	take := func(k int) []byte {
		if k < 0 || k > len(b)-pos {
			return nil
		}
		out := b[pos : pos+k]
		pos += k
		return out
	}
	take16 := func() []byte {
		l := take(2)
		if l == nil {
			return nil
		}
		return take(int(binary.BigEndian.Uint16(l)))
	}
	for range n {
		r := cryptRecipient{id: take(keyIDLen), enc: take16(), wrapped: take16()}
		if r.id == nil || r.enc == nil || r.wrapped == nil {
			return nil, listErr("truncated header")
		}
		h.recips = append(h.recips, r)
	}
	if h.nonce = take(12); h.nonce == nil {
		return nil, listErr("truncated header")
	}
	h.end = pos
	return h, nil
}

// DecryptList opens an encrypted list with an edge's private key and
// decodes it. Errors match ErrList; a list not wrapped for this key says so.
func DecryptList(ciphertext []byte, edgeKey *EdgePrivateKey) ([]ListEntry, error) {
	plain, err := decryptBytes(ciphertext, edgeKey, false)
	if err != nil {
		return nil, err
	}
	return DecodeList(plain)
}

// DecryptListFunc is DecryptList without the slice of entries: it opens
// the list into one new plaintext buffer and calls fn with each entry in
// turn (see DecodeListFunc), so the caller never holds a []ListEntry of
// the whole list. The whole ciphertext is authenticated before fn sees the
// first entry. ciphertext is left as it was.
func DecryptListFunc(ciphertext []byte, edgeKey *EdgePrivateKey, fn func(ListEntry) error) error {
	plain, err := decryptBytes(ciphertext, edgeKey, false)
	if err != nil {
		return err
	}
	return DecodeListFunc(plain, fn)
}

// DecryptListInPlace is DecryptListFunc decrypting into ciphertext's own
// storage, so opening the list allocates nothing of its size: for a caller
// done with the ciphertext, as an edge is once its index is built.
// Afterwards ciphertext holds the plaintext list behind the header (or, if
// it did not authenticate, zeros there), and entry values alias it.
func DecryptListInPlace(ciphertext []byte, edgeKey *EdgePrivateKey, fn func(ListEntry) error) error {
	plain, err := decryptBytes(ciphertext, edgeKey, true)
	if err != nil {
		return err
	}
	return DecodeListFunc(plain, fn)
}

// decryptBytes returns the plaintext list: in new storage, or with inPlace
// in ciphertext's own (cipher.AEAD allows the exact overlap).
func decryptBytes(ciphertext []byte, edgeKey *EdgePrivateKey, inPlace bool) ([]byte, error) {
	if edgeKey == nil {
		return nil, listErr("no edge key")
	}
	h, err := parseCryptHeader(ciphertext)
	if err != nil {
		return nil, err
	}
	var id [keyIDLen]byte
	wire.DecodeHex(id[:], edgeKey.pub.ID(), true)
	for _, r := range h.recips {
		if !bytes.Equal(r.id, id[:]) {
			continue
		}
		dataKey, err := hpkeOpen(edgeKey.sk, r.enc, listInfo, r.id, r.wrapped)
		if err != nil {
			return nil, err
		}
		if len(dataKey) != 32 {
			return nil, listErr("cannot open the wrapped key")
		}
		gcm, err := newGCM(dataKey)
		if err != nil {
			return nil, err
		}
		var dst []byte
		if inPlace {
			dst = ciphertext[h.end:h.end]
		}
		plain, err := gcm.Open(dst, h.nonce, ciphertext[h.end:], ciphertext[:h.end])
		if err != nil {
			return nil, listErr("ciphertext does not authenticate")
		}
		return plain, nil
	}
	return nil, listErr("not encrypted to edge key " + edgeKey.pub.ID())
}
