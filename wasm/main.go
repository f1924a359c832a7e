//go:build wasip1

// Command wasm is hashgate's in-browser checker: a WASI reactor module
// (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared) whose
// //go:wasmexport functions fingerprint pixels, digest bytes, accept a signed
// release and look fingerprints up in its filters. The same file runs in the
// browser (web/src) and in the Go tests (wasm/wasmtest, under wazero).
//
// The calling convention, for a host:
//   - Call _initialize once, then hg_alloc(n) for a buffer of n bytes in
//     linear memory and hg_free(ptr) when done with it. Buffers passed to
//     the other exports must be such a buffer (its start, a length up to
//     its size): anything else is refused with code 1.
//   - Every export except the allocator returns a status code (0 = OK; see
//     checker.Code); hg_result_ptr/hg_result_len then give the result: a JSON
//     document on success, the error message otherwise. Both stay valid until
//     the next call.
//   - Memory may grow during any call: re-create typed-array views after it.
//
// Exports are synchronous CPU work: nothing sleeps, waits or keeps running
// between calls. The module must not import fmt, reflect, encoding/json or
// an image decoder (wasmtest checks the dependency list).
package main

//lint:file-ignore U1000 the exports are called by the host through //go:wasmexport

import (
	"time"
	"unsafe"

	"github.com/hashgate/hashgate/wasm/internal/checker"
)

func main() {}

var state = checker.New()

// maxAlloc bounds one buffer: a 64-MP RGBA image and then some.
const maxAlloc = 1 << 30

// buffers keeps every buffer handed to the host reachable, so the GC does
// not reclaim memory the host still writes into. Go's GC does not move
// objects, so the address stays valid until hg_free.
var buffers = map[uintptr][]byte{}

//go:wasmexport hg_alloc
func hgAlloc(size uint32) unsafe.Pointer {
	if size == 0 || size > maxAlloc {
		return nil
	}
	b := make([]byte, size)
	p := unsafe.Pointer(unsafe.SliceData(b))
	buffers[uintptr(p)] = b
	return p
}

//go:wasmexport hg_free
func hgFree(p unsafe.Pointer) {
	delete(buffers, uintptr(p))
}

// buf returns the host's buffer at p, of n bytes, if p is the start of a
// live buffer at least n long.
func buf(p unsafe.Pointer, n uint32) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	b, ok := buffers[uintptr(p)]
	if !ok || uint64(n) > uint64(len(b)) {
		return nil, false
	}
	return b[:n], true
}

var errBuffer = []byte("wasm: pointer and length do not name a buffer from hg_alloc")

func badBuffer() int32 {
	return int32(checker.CodeArgument)
}

// lastErr holds the message for failures detected here, before the checker
// is reached.
var lastErr []byte

//go:wasmexport hg_result_ptr
func hgResultPtr() unsafe.Pointer {
	if lastErr != nil {
		return unsafe.Pointer(unsafe.SliceData(lastErr))
	}
	return unsafe.Pointer(unsafe.SliceData(state.Result()))
}

//go:wasmexport hg_result_len
func hgResultLen() uint32 {
	if lastErr != nil {
		return uint32(len(lastErr))
	}
	return uint32(len(state.Result()))
}

func code(c checker.Code) int32 {
	lastErr = nil
	return int32(c)
}

func argErr() int32 {
	lastErr = errBuffer
	return badBuffer()
}

// hg_set_trust pins the publisher keys (a hashgate public key file).
//
//go:wasmexport hg_set_trust
func hgSetTrust(p unsafe.Pointer, n uint32) int32 {
	b, ok := buf(p, n)
	if !ok {
		return argErr()
	}
	return code(state.SetTrust(b))
}

// hg_bundle_put adds a part of the next release: part 0 manifest.json,
// 1 manifest.sig, 2 an artifact named by the name buffer.
//
//go:wasmexport hg_bundle_put
func hgBundlePut(part int32, np unsafe.Pointer, nn uint32, dp unsafe.Pointer, dn uint32) int32 {
	name, ok1 := buf(np, nn)
	data, ok2 := buf(dp, dn)
	if !ok1 || !ok2 {
		return argErr()
	}
	return code(state.PutPart(part, string(name), data))
}

// hg_bundle_reset drops the parts given so far.
//
//go:wasmexport hg_bundle_reset
func hgBundleReset() int32 {
	state.ResetBundle()
	return code(checker.OK)
}

// hg_accept applies the acceptance rules to the parts given. lastVersion is
// the highest version the host accepted before; nowMillis the Unix time in
// milliseconds (0: the module's clock).
//
//go:wasmexport hg_accept
func hgAccept(lastVersion uint64, nowMillis int64) int32 {
	now := time.Now()
	if nowMillis != 0 {
		now = time.UnixMilli(nowMillis)
	}
	return code(state.Accept(lastVersion, now))
}

// hg_release_info describes the release in use.
//
//go:wasmexport hg_release_info
func hgReleaseInfo() int32 { return code(state.Info()) }

// hg_fingerprint hashes w×h RGBA pixels.
//
//go:wasmexport hg_fingerprint
func hgFingerprint(p unsafe.Pointer, n uint32, w, h int32) int32 {
	b, ok := buf(p, n)
	if !ok {
		return argErr()
	}
	return code(state.Fingerprint(b, int(w), int(h)))
}

// hg_digest_init opens a SHA-256 + MD5 digest; it returns the handle (> 0)
// or minus a status code.
//
//go:wasmexport hg_digest_init
func hgDigestInit() int32 {
	id, c := state.DigestInit()
	if c != checker.OK {
		return -code(c)
	}
	lastErr = nil
	return id
}

//go:wasmexport hg_digest_update
func hgDigestUpdate(id int32, p unsafe.Pointer, n uint32) int32 {
	b, ok := buf(p, n)
	if !ok {
		return argErr()
	}
	return code(state.DigestUpdate(id, b))
}

//go:wasmexport hg_digest_final
func hgDigestFinal(id int32) int32 { return code(state.DigestFinal(id)) }

// hg_check looks up fingerprints ("KIND HEX" lines) in the release's filters.
//
//go:wasmexport hg_check
func hgCheck(p unsafe.Pointer, n uint32) int32 {
	b, ok := buf(p, n)
	if !ok {
		return argErr()
	}
	return code(state.Check(b))
}
