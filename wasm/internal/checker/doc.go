// Package checker is the state and logic behind the wasm module's exports:
// pinned trust, release assembly and acceptance (release.Accept), RGBA
// fingerprints (fingerprint.FromRGBA), video frames' PDQ from a luma plane
// (fingerprint.PDQFromLuma), streaming digests, and filter look-ups with
// the release's keys (bloom.Keyer.QueryKeys). It builds for every platform
// so that it is tested and fuzzed natively; the wasm module
// in the parent folder is a thin layer of //go:wasmexport functions over it.
//
// Results are small JSON documents written by hand (internal/wire's object writer); errors are
// a Code plus a message. Like the packages it wraps, it must not import fmt,
// reflect, encoding/json or any image decoder: it goes into the .wasm,
// whose size budget is 750 KB brotli-compressed. It must not import edge,
// match or cmd.
package checker
