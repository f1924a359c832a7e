// Package lite is the checker's half of hashgate's oblivious mode for the
// browser: an RFC 9497 verifiable-mode client (suite ristretto255-SHA512)
// that blinds inputs, verifies the edge's batched DLEQ proof and finalises
// the VOPRF outputs, with the request and response formats of package
// oblivious (POST /v1/oprf).
//
// It exists for the oblivious-capable wasm module's size: circl's group
// package, which package oblivious uses (publisher, edge and the Go
// checker), registers the NIST curves at start-up and brings fmt, reflect,
// math/big and crypto/ecdh with them: the module built on it was 1,117 KB
// brotli-compressed, on this package 786 KB, against a budget of 850 KB
// (RATIONALE.md). The group is filippo.io/edwards25519's with RFC 9496's
// ristretto255 encoding, decoding and one-way map written here
// (ristretto.go). Its tests hold it to RFC 9497's vectors, to circl's
// encodings and hash-to-group, and to circl's evaluator; package
// oblivious's tests hold the two clients' keys equal.
//
// Verification uses variable-time multi-scalar multiplication (the proof's
// scalars are public); blinding and unblinding, whose scalars are secret,
// use constant-time scalar multiplication.
//
// What this package must not import: anything of hashgate, circl, fmt,
// reflect or encoding/json (it goes into the wasm module).
package lite
