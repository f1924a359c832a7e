// Package fingerprint turns media into the fingerprints hash lists carry:
// PDQ (Meta's 256-bit perceptual hash, bit-exact with the reference), its
// eight dihedral variants and quality; pHash, dHash and aHash through
// github.com/corona10/goimagehash; SHA-256 and MD5 of the bytes.
//
// PDQ follows Meta's "The TMK+PDQF and PDQ hashing algorithms" paper
// (facebook/ThreatExchange, pdq/) and the behaviour of its C++ reference
// hasher, including the reference's first step: an image with a side over
// 512 px is sampled to 512×512 by nearest neighbour (CImg's resize). That
// step, then PDQ and the 64-bit hashes of the same 512×512 image, is the
// canonical pipeline (docs/fingerprint.md); FromRGBA and FromImage run it.
// Decoding files is fingerprint/media's job.
//
// The same code runs natively on the edge and inside the wasm checker, so a
// browser and an edge agree bit for bit on the same pixels. For that reason
// it must not import fmt, reflect, encoding/json, image decoders or the
// root goimagehash package (which pulls in fmt, gob and reflect); a test
// checks this with go list.
//
// It must not import any other hashgate package.
package fingerprint
