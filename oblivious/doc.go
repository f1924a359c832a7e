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
// What is evaluated is the caller's business: package release defines the
// inputs (a value bound to the release epoch, fingerprint type and band)
// and keeps that encoding out of this package, so that the open-mode
// checker, which imports release, does not link circl's group arithmetic.
// The filter key of an input is the first 8 bytes of its 64-byte VOPRF
// output read as a little-endian uint64 (Key).
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
// What this package must not import: anything of hashgate (it sits beside
// bloom in internal/deps' table, and release must not import it: circl's
// group package brings crypto/ecdh, fmt and math/big, which the open-mode
// wasm module bans), and itself no fmt, reflect or encoding/json: its
// client half (ParsePublicKey, Client) is meant for an oblivious-capable
// checker module.
package oblivious
