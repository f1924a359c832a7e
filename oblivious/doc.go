// Package oblivious computes hashgate's oblivious-mode filter keys through a
// verifiable oblivious pseudorandom function: RFC 9497 (OPRF, VOPRF and
// POPRF), verifiable mode, suite ristretto255-SHA512, implemented by
// github.com/cloudflare/circl/oprf.
//
// In an oblivious release a filter key is VOPRF(sk, input) and sk never
// leaves the publisher and the edges, so whoever holds the filter alone
// cannot compute a single key. A checker blinds its inputs (Client.Blind),
// sends the blinded elements to the edge in one request (POST /v1/oprf), the
// edge evaluates them under sk and proves with one batched DLEQ proof that
// it used the key whose public half the signed manifest carries
// (Evaluator.Evaluate), and the checker verifies the proof and unblinds
// (Client.Finalize). The edge sees only uniformly random group elements; the
// checker learns the keys of its own inputs and nothing else.
//
// # Inputs
//
// An input binds the value to the release epoch, the fingerprint type and
// the band, so that keys of two epochs, two types or two bands never
// coincide (Input):
//
//	"hashgate oprf v1" (16 bytes) | 0x00
//	epoch             uint64 big-endian
//	type              1 byte: bloom.Type (1 pdq, 2 phash, 3 sha256, 4 md5)
//	bands             1 byte: 0 for an exact value, else the PDQ layout's band count
//	band              1 byte: the band's index (0 for an exact value)
//	value             the exact value, or the band's bytes (256/bands bits)
//
// The filter key is the first 8 bytes of the 64-byte VOPRF output read as a
// little-endian uint64 (Key).
//
// # Wire format of POST /v1/oprf
//
//	request:  "HGO1" | suite 1 byte (1 = ristretto255-SHA512) | key id 8 bytes |
//	          count uint16 big-endian (1..MaxElements) | count × 32-byte blinded elements
//	response: "HGO1" | suite | key id | count | count × 32-byte evaluated elements |
//	          proof 64 bytes (c | s, RFC 9497's batched DLEQ proof)
//
// The key id (KeyID) is the first 8 bytes of SHA-256 over "hashgate oprf
// key id v1" and the encoded public key; the edge refuses a request for a
// key it does not hold, so a checker with a stale release fails clearly
// rather than on the proof. Every parser here returns ErrFormat on bad input
// and never allocates by a size the input claims beyond MaxElements.
//
// What this package must not import: anything of hashgate but internal/wire
// (it sits below bloom and release in internal/deps' table), and fmt,
// reflect or encoding/json: the client half (Input, Client, ParsePublicKey)
// goes into the wasm checker. circl's group package brings fmt and math/big
// in by itself; that cost is circl's, measured by `make wasm`.
package oblivious
