// Package canon makes robust fingerprints: PDQ hashes of the part of an
// image a repost keeps, computed identically on the edge, in the browser's
// wasm module and by the publisher, so that a file with a border, a caption
// band or a blurred pillarbox still lands near the listed original.
//
// It works on the canonical image (fingerprint.Canonical: at most 512×512,
// the same pixels in the browser and on the edge) and only adds hashes: the
// raw PDQ stays the reference's, bit for bit. Trim finds the picture inside
// uniform or near-uniform borders of any colour (JPEG noise tolerated),
// flat bands carrying text, and blurred fill; Robust hashes the trimmed
// region; ListCrops gives the publisher's hashes of sub-crops of a listed
// image, so that a crop of it matches one of them. docs/fingerprint.md
// states the rules and bench/variants measures them.
//
// canon imports only the standard library and package fingerprint; it is
// compiled into the wasm module, so it must not import fmt, reflect or
// encoding/json.
package canon
