// Package release is a publisher's signed, versioned release of the hash
// list, and the one function (Accept) that browsers, edges and the CLI use to
// decide whether to take it.
//
// A release directory holds:
//
//	manifest.json          the signed description (canonical JSON, below)
//	manifest.sig           Ed25519 and ML-DSA-65 signatures over manifest.json's exact bytes
//	filter-<sha256>.bin    the base filter (bloom's binary format), content-addressed
//	delta-<sha256>.bin     delta filters, ORed with the base (zero or more)
//	list-<sha256>.hpke     the full list for edges, HPKE-encrypted (listcrypt.go, hpke.go)
//	oprfkey-<sha256>.hpke  oblivious mode: the VOPRF private key, encrypted like the list
//	listdelta-<sha256>.hpke entries added since list-*.hpke (delta releases)
//
// # Manifest (format 1.0)
//
// A JSON object written canonically by Manifest.Marshal: keys sorted, two
// spaces of indentation, a final newline; times in RFC 3339 UTC with whole
// seconds; digests and the release key in lowercase hex; public keys in
// standard base64. Fields:
//
//	format          "MAJOR.MINOR"; a newer minor may add fields (skipped), a newer major is refused
//	channel         [A-Za-z0-9._-]{1,128}
//	version         uint64 >= 1, strictly increasing per channel
//	epoch           uint64; the release key changes with the epoch, deltas keep it
//	created/expires RFC 3339 UTC; clients refuse the release from expires on
//	publisher_keys  [{alg, id}]: the keys whose signatures manifest.sig carries
//	filter          {kind, layout, release_key (open mode), target_fpr, keys, entries {kind: count}}
//	oblivious       optional {suite, public_key}: oblivious mode (oblivious.go)
//	artifacts       [{role, name, length, sha256}], role filter|delta|list|list-delta|withdrawals|oprf-key, exactly one filter
//	previous        optional: SHA-256 of the previous release's manifest.json
//	next_keys       optional [{alg, key}]: the publisher keys of the following releases
//
// The parser is strict (no duplicate keys, no unknown fields at this minor,
// no trailing data, bounded size and depth) and hand-written: the wasm
// checker imports this package, and encoding/json would bring reflect and
// fmt with it. testdata/manifest-1.0.json pins the format.
//
// # Signatures
//
// manifest.sig is {"format": "1.0", "signatures": [{alg, key_id, sig}]}.
// Ed25519 is RFC 8032 (pure) over the manifest bytes; ML-DSA-65 is FIPS 204
// (github.com/cloudflare/circl/sign/mldsa/mldsa65, not the pre-standard
// Dilithium) with context string "hashgate-manifest-v1". A key id is the
// first 16 bytes of SHA-256 over the encoded public key. Both an Ed25519
// and an ML-DSA-65 signature by pinned keys (Trust) must verify: a break of
// either scheme alone does not let a forged release in.
//
// Key rotation: a manifest may carry next_keys. Once a client accepts it,
// it replaces its pinned Trust with Release.NextTrust() and persists that,
// exactly as it persists the accepted version. A client that missed the
// rotating release replays it with RotateTrust; new keys are never accepted
// except through a manifest signed by the keys already pinned.
//
// # Acceptance
//
// Accept applies every rule, in order: format, channel, signatures, expiry,
// rollback (version greater than the last accepted one, which the caller
// persists), then for each artifact present: length and SHA-256, and that
// filters load and match the manifest. Each failure is a *RuleError naming
// the rule and matching one sentinel (ErrFormat, ErrSignature, ...). A
// refused release never replaces the one in use: Current holds the accepted
// release and swaps atomically only on success.
//
// # Edge lists
//
// An edge opens the list with its X-Wing key. DecryptList and
// Release.Entries return every entry at once; for large lists,
// Release.EntriesFunc (and DecryptListFunc, DecryptListInPlace,
// DecodeListFunc) hand entries to a callback one at a time, decrypting in
// place, so a load allocates nothing of the list's size (see
// BenchmarkDecryptListForms).
//
// What this package must not import: encoding/json, fmt, reflect (in the
// code the wasm checker links: manifest, signatures, Accept, filters);
// circl/hpke, crypto/hpke or crypto/ecdh, whose package inits keep the NIST
// curves alive in the wasm checker although it never opens a list (HPKE for
// the one suite the list uses is hpke.go, held to circl/hpke by its tests);
// and nothing of hashgate but bloom, fingerprint, oblivious and internal/wire (the
// table in internal/deps). For the same reason (the module's size) the
// manifest's JSON, base64, numbers and quoting in messages come from
// internal/wire, and RFC 3339 times are parsed here (parseTime), rather
// than from encoding/json, encoding/base64, strconv.Parse*, strconv.Quote
// and time.Parse; differential tests and fuzz targets hold each to the
// standard library's answer. Publisher-side code (Build, Delta,
// EncryptList) is here too but unreachable from Accept, so the linker
// leaves it out of the module; parsing hash-list files is release/hashlist.
package release
