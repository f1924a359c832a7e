// Package fingerprint turns media into the fingerprints hash lists carry:
// PDQ (Meta's 256-bit perceptual hash, bit-exact with the reference), its
// eight dihedral variants and quality; pHash, dHash and aHash through
// github.com/corona10/goimagehash; SHA-256 and MD5 of the bytes.
//
// The same code runs natively on the edge and inside the wasm checker, so a
// browser and an edge agree bit for bit on the same pixels. For that reason
// the code on the wasm path avoids fmt, reflect and encoding/json.
//
// It must not import any other hashgate package.
package fingerprint
