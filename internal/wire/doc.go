// Package wire holds the small text encodings every other package writes
// by hand to keep fmt, reflect, encoding/json, encoding/hex,
// encoding/base64 and strconv's parsers out of the wasm module: hex,
// standard base64, decimal and JSON-number parsing, one JSON dialect (a
// strict reader, a canonical writer for signed documents, a compact
// object writer, one string escaping), strconv.Quote for messages, and
// one error type that stands in for fmt.Errorf with %w.
//
// Each piece is held to the standard library by differential tests and
// fuzz targets (encoding/hex, encoding/base64, strconv, encoding/json).
// In the manner of wazero's internal/leb128 and internal/ieee754: small,
// one purpose, no state.
//
// It imports only the standard library, and of it not fmt, reflect or
// encoding/json (internal/deps checks this).
package wire
