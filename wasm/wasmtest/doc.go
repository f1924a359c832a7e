// Package wasmtest runs hashgate's wasm checker (the module built from
// ../, GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared) inside wazero, the
// way a browser runs it, and holds it to the native packages: its
// fingerprints equal fingerprint.FromRGBA's, its filter answers equal the
// release's bloom filters', and it refuses tampered, old and expired
// releases as release.Accept does.
//
// Module is a small host for the module's calling convention (see
// ../main.go); the tests find the module in $HASHGATE_WASM (the Makefile
// sets it after building dist/hashgate.wasm) or build it themselves.
//
// It must not be imported by anything that goes into the module.
package wasmtest
