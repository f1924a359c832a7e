// Package fingerprint turns media into the fingerprints hash lists carry:
// PDQ (Meta's 256-bit perceptual hash, bit-exact with the reference), its
// eight dihedral variants and quality; pHash, dHash and aHash bit-identical
// with github.com/corona10/goimagehash v1.1.0 (its DCT and statistics
// subpackages, and in resize.go its bilinear resize, nfnt/resize's, written
// out for the one image type the pipeline has); SHA-256 and MD5 of the
// bytes.
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
// it must not import fmt, reflect, encoding/json, image decoders, the
// root goimagehash package (which pulls in fmt, gob and reflect) or
// nfnt/resize (its paths for every image type cost the wasm module ~35 KB);
// internal/deps checks this with go list. Tests keep both as the reference.
//
// It must not import any other hashgate package than internal/wire (hex).
package fingerprint
