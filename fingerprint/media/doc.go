// Package media decodes untrusted image files for fingerprinting: it reads
// the header first (image.DecodeConfig), refuses anything over a pixel
// limit before a pixel buffer exists, decodes JPEG, PNG, GIF (first frame),
// WebP and BMP (golang.org/x/image), never TIFF, and applies a JPEG's EXIF
// orientation the way browsers do (EXIF 2.3, tag 0x0112), so that the edge
// hashes the upright image a browser's createImageBitmap would give.
//
// It is the native side of the canonical pipeline described in
// docs/fingerprint.md: decode, orient, then fingerprint.FromImage.
//
// It imports image decoders and so stays out of the wasm module; the root
// fingerprint package must not import it. It imports no other hashgate
// packages than fingerprint and fingerprint/canon (the robust hashes).
package media
