// Package bloom holds hashgate's approximate-membership filters: the compact,
// keyed filter every browser downloads, the keys derived from fingerprints,
// and the filter's binary format.
//
// # Filters
//
// Two kinds sit behind the Filter interface:
//
//   - SplitBlock, a split-block Bloom filter (Putze, Sanders and Singler,
//     2007; hashing as in the Apache Parquet specification): 256-bit blocks
//     of eight 32-bit words, one cache line per look-up, any target rate,
//     Add and Union for incremental use. It is sized from (n, rate) by a
//     Poisson block-load model (SplitBlockFPR) rather than the Parquet
//     formula, which under-sizes it at low rates; docs/filter.md shows both
//     against measured rates.
//   - Fuse, a binary fuse filter (Graf and Lemire, 2022) built by
//     github.com/FastFilter/xorfilter with 8- or 16-bit fingerprints: rates
//     2^-8 and 2^-16 at about 9 and 18 bits per key. Immutable.
//
// Build with KindAuto picks whichever is smaller at the target rate
// (ChooseKind). A release is a Set: a base filter plus deltas, looked up as
// the OR of all of them.
//
// # Keys
//
// Filters store 64-bit keys, never fingerprints. A Keyer derives them with
// SipHash-2-4 (Aumasson and Bernstein, 2012) under per-(type, band) keys
// expanded from the 256-bit release key with HKDF-Expand-SHA256 (RFC 5869),
// so two releases of the same list share no key and nothing can be diffed
// between epochs. SipHash was chosen over a keyed BLAKE2 or HMAC-SHA256
// because the checker computes up to 263 keys per image inside WebAssembly,
// which has no SIMD or assembly here: SipHash is a few dozen 64-bit
// add/rotate/xor operations, measured at about 11 ns per key natively and
// 32 ns in wasm (wazero), where HMAC-SHA256 took 176 ns natively and
// 3.7 µs in wasm per key (docs/filter.md). Its 128-bit key is the
// per-domain subkey; the 256-bit release key only feeds HKDF, once per
// Keyer.
//
// PDQ hashes give one key (Layout "exact") or one key per band; with
// one-bit probes a query also looks up every one-bit variant of each band.
// Open mode refuses bands under 64 bits: the release key is public to every
// client, and a 32-bit band could be enumerated offline. Oblivious mode
// (keys only the edge can compute) allows them.
//
// # Format
//
// format.go documents the byte layout next to the code that parses it.
// Load is zero-copy and allocation-bounded, and refuses truncated,
// oversized and inconsistent input with errors matching ErrFormat.
//
// # Imports
//
// bloom imports nothing of hashgate but internal/wire (its error type), not
// even fingerprint: dependencies
// point one way (release imports bloom), and the same code runs natively on
// the edge and in the checker's WebAssembly module, where every package
// pulled in costs download size. Values arrive as raw bytes with a Type
// whose numbers match fingerprint.Kind. For the same reason the package
// avoids fmt, reflect and encoding/json: errors are built by concatenation.
package bloom
