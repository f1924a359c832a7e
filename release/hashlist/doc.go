// Package hashlist reads the hash lists publishers start from and turns them
// into release.ListEntry values: de-duplicated, with every bad line reported
// by file and line number.
//
// Three text forms are read, detected per line (CSV per file, by its header):
//
//   - python-threatexchange's local-file exchange (LocalFileSignalExchangeAPI):
//     "<signal_type> <signal>" per line, the type being the SignalType name
//     ("pdq", "video_md5", "photo_md5"; class_name_to_human_name of the
//     signal class). Types that are not image/video hashes hashgate knows
//     ("url", "raw_text", "video_tmk_pdqf", ...) are reported and skipped.
//   - "TYPE<TAB>HEX[<TAB>labels]", labels separated by commas.
//   - CSV with a header naming at least the columns signal_type and signal;
//     optional columns labels (separated by ';' or ','), quality (PDQ
//     quality 0-100), source, added (RFC 3339 or YYYY-MM-DD).
//
// Blank lines and lines starting with '#' are skipped. A line with a bare
// hash takes Options.DefaultKind. PDQ hashes with a known quality below
// Options.MinPDQQuality (50, Meta's recommended floor) are dropped and
// counted unless Options.KeepLowQuality.
//
// This package is publisher-side only (it uses encoding/csv and fmt); it
// never goes into the wasm checker. It imports fingerprint (hash text forms)
// and release (ListEntry) and nothing else of hashgate.
package hashlist
