// Package media decodes untrusted image files for fingerprinting: it reads
// the header first (image.DecodeConfig, and libjpeg-turbo's or libheif's
// header reader), refuses anything over a pixel limit or a decode-memory
// budget before a pixel buffer exists, decodes JPEG, PNG, GIF (first
// frame), WebP, BMP (golang.org/x/image) and, with libheif, HEIC and AVIF,
// never TIFF, and applies a JPEG's EXIF orientation the way browsers do
// (EXIF 2.3, tag 0x0112), so that the edge hashes the upright image a
// browser would.
//
// With cgo, JPEG is decoded by libjpeg-turbo (internal/tjpeg) and, for
// fingerprinting, at the smallest DCT scale that still covers the
// canonical 512×512 grid; without cgo (or with the purego tag) by
// image/jpeg at full size. JPEGDecoder and HEIFDecoder name the build's
// decoders.
//
// It is the native side of the canonical pipeline described in
// docs/fingerprint.md: decode, orient, then fingerprint.FromImage. The
// edge's query regions (regions.go: PDQ of fixed sub-regions of an upload,
// extra look-ups for framed pictures and off-centre crops) live here, not
// in fingerprint/canon, because canon is linked into the wasm module and
// the regions are the edge's alone.
//
// It imports image decoders and C libraries and so stays out of the wasm
// module; the root fingerprint package must not import it. It imports no
// other hashgate packages than fingerprint, fingerprint/canon (the robust
// hashes) and its own internal bindings.
package media
