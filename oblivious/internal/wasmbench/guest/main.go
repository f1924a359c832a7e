//go:build wasip1

// Command guest is the checker's side of package oblivious built for
// wasip1, so the wasmbench tests can run it in wazero: Client.Blind and
// Client.Keys exactly as a browser checker module would call them, and, for
// the suite comparison, circl's P-256 client.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o guest.wasm .
package main

//lint:file-ignore U1000 the host calls these through //go:wasmexport, which staticcheck does not follow.

import (
	"crypto/rand"
	"encoding/binary"
	"unsafe"

	"github.com/cloudflare/circl/oprf"

	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/oblivious/lite"
)

func main() {}

var (
	scratch []byte // the buffer the host last asked for
	out     []byte // the last answer for the host
	client  *oblivious.Client
	pending *oblivious.Pending
	inputs  [][]byte

	liteClient  *lite.Client // the browser module's client
	litePending *lite.Pending

	p256     oprf.VerifiableClient
	p256Srv  oprf.VerifiableServer
	p256Fin  *oprf.FinalizeData
	p256Eval *oprf.Evaluation
)

//go:wasmexport alloc
func alloc(n uint32) uint32 {
	scratch = make([]byte, n)
	if n == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&scratch[0])))
}

// result hands b to the host: its address; resultLen is its length.
func result(b []byte) uint32 {
	out = b
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&out[0])))
}

//go:wasmexport result_len
func resultLen() uint32 { return uint32(len(out)) }

// setup takes the public key from scratch and makes n inputs; 0 is success.
//
//go:wasmexport setup
func setup(n uint32) uint32 {
	pub, err := oblivious.ParsePublicKey(scratch)
	if err != nil {
		return 1
	}
	client = oblivious.NewClient(pub)
	inputs = make([][]byte, n)
	for i := range inputs {
		inputs[i] = binary.BigEndian.AppendUint32([]byte("hashgate wasm input "), uint32(i))
	}
	return 0
}

// blind blinds the inputs and returns the request body's address (0 on
// failure).
//
//go:wasmexport blind
func blind() uint32 {
	p, req, err := client.Blind(inputs)
	if err != nil {
		return 0
	}
	pending = p
	return result(req)
}

// finalize verifies and unblinds the response in scratch and returns the
// keys (8 bytes each, little-endian) or 0 on failure.
//
//go:wasmexport finalize
func finalize() uint32 {
	keys, err := client.Keys(pending, scratch, nil)
	if err != nil {
		return 0
	}
	return result(keyBytes(keys))
}

// keyBytes is the keys, 8 bytes each, little-endian: finalize's answer.
func keyBytes(keys []uint64) []byte {
	b := make([]byte, 0, 8*len(keys))
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint64(b, k)
	}
	return b
}

// liteSetup is setup for package lite's client (the one the browser's
// oblivious-capable module uses), on the same inputs.
//
//go:wasmexport lite_setup
func liteSetup() uint32 {
	pub, err := lite.ParsePublicKey(scratch)
	if err != nil {
		return 1
	}
	liteClient = lite.NewClient(pub)
	return 0
}

//go:wasmexport lite_blind
func liteBlind() uint32 {
	p, req, err := liteClient.Blind(inputs)
	if err != nil {
		return 0
	}
	litePending = p
	return result(req)
}

//go:wasmexport lite_finalize
func liteFinalize() uint32 {
	keys, err := liteClient.Keys(litePending, scratch, nil)
	if err != nil {
		return 0
	}
	return result(keyBytes(keys))
}

// p256Setup makes a P-256 key, client and one evaluated batch of the same
// inputs, for p256Blind and p256Finalize; 0 is success.
//
//go:wasmexport p256_setup
func p256Setup() uint32 {
	sk, err := oprf.GenerateKey(oprf.SuiteP256, rand.Reader)
	if err != nil {
		return 1
	}
	p256Srv = oprf.NewVerifiableServer(oprf.SuiteP256, sk)
	p256 = oprf.NewVerifiableClient(oprf.SuiteP256, sk.Public())
	fin, req, err := p256.Blind(inputs)
	if err != nil {
		return 1
	}
	ev, err := p256Srv.Evaluate(req)
	if err != nil {
		return 1
	}
	p256Fin, p256Eval = fin, ev
	return 0
}

//go:wasmexport p256_blind
func p256Blind() uint32 {
	if _, _, err := p256.Blind(inputs); err != nil {
		return 1
	}
	return 0
}

//go:wasmexport p256_finalize
func p256Finalize() uint32 {
	if _, err := p256.Finalize(p256Fin, p256Eval); err != nil {
		return 1
	}
	return 0
}
