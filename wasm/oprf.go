//go:build wasip1 && oblivious

package main

import (
	"unsafe"

	"github.com/hashgate/hashgate/wasm/internal/checker"
)

// The oblivious-capable module (built with -tags oblivious, dist/
// hashgate-oblivious.wasm) adds two exports for oblivious-mode releases,
// whose filter keys only the edge can help compute:
//   - hg_oprf_blind(query): Check's query text in; the result is the raw
//     body of one POST /v1/oprf (not JSON). The module keeps the blinding.
//   - hg_oprf_finalize(answer): the edge's 200 answer in; verifies its proof,
//     unblinds, looks the keys up; the result is hg_check's JSON. Code 7
//     (a proof or key that does not verify) is an error, never a "clear".

var obl = checker.NewOblivious(state)

//go:wasmexport hg_oprf_blind
func hgOPRFBlind(p unsafe.Pointer, n uint32) int32 {
	b, ok := buf(p, n)
	if !ok {
		return argErr()
	}
	return code(obl.Blind(b))
}

//go:wasmexport hg_oprf_finalize
func hgOPRFFinalize(p unsafe.Pointer, n uint32) int32 {
	b, ok := buf(p, n)
	if !ok {
		return argErr()
	}
	return code(obl.Finalize(b))
}
