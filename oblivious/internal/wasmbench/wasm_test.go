// Package wasmbench runs package oblivious's client compiled to wasip1
// inside wazero, the runtime hashgate tests its checker with: the checker's
// half of a check (blind, then verify and finalise the edge's answer) must
// give in WebAssembly the keys the publisher computes natively, and its
// cost there is measured here, for the suite comparison in RATIONALE.md.
package wasmbench

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/hashgate/hashgate/oblivious"
)

var (
	buildOnce sync.Once
	wasmBytes []byte
	buildErr  error
)

func guestWasm(t testing.TB) []byte {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "oblwasm")
		if err != nil {
			buildErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "guest.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./guest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if msg, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{string(msg), err}
			return
		}
		wasmBytes, buildErr = os.ReadFile(out)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return wasmBytes
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "building the guest: " + e.err.Error() + "\n" + e.out }

type guest struct {
	ctx context.Context
	mod api.Module
}

func newGuest(t testing.TB) *guest {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, guestWasm(t))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().
		WithStartFunctions("_initialize").WithStderr(os.Stderr).WithSysNanotime().WithRandSource(rand.Reader))
	if err != nil {
		t.Fatal(err)
	}
	return &guest{ctx, mod}
}

func (g *guest) call(t testing.TB, name string, args ...uint64) uint64 {
	res, err := g.mod.ExportedFunction(name).Call(g.ctx, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

func (g *guest) write(t testing.TB, b []byte) {
	ptr := uint32(g.call(t, "alloc", uint64(len(b))))
	if !g.mod.Memory().Write(ptr, b) {
		t.Fatal("write outside guest memory")
	}
}

// result reads the answer at ptr (a call's return value).
func (g *guest) result(t testing.TB, ptr uint64) []byte {
	if ptr == 0 {
		t.Fatal("the guest failed")
	}
	n := uint32(g.call(t, "result_len"))
	b, ok := g.mod.Memory().Read(uint32(ptr), n)
	if !ok {
		t.Fatal("read outside guest memory")
	}
	return append([]byte(nil), b...)
}

func guestInput(i int) []byte {
	return binary.BigEndian.AppendUint32([]byte("hashgate wasm input "), uint32(i))
}

// TestWasmClientMatchesPublisher: the guest blinds 67 inputs, the native
// Evaluator answers, the guest verifies and finalises: its keys are the
// publisher's native FilterKey of each input, and a tampered answer gives
// no keys.
func TestWasmClientMatchesPublisher(t *testing.T) {
	sk, err := oblivious.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := newGuest(t)
	g.write(t, sk.PublicBytes())
	const n = 67
	if g.call(t, "setup", n) != 0 {
		t.Fatal("setup failed")
	}
	req := g.result(t, g.call(t, "blind"))
	resp, err := oblivious.NewEvaluator(sk).Evaluate(req)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), resp...)
	bad[len(bad)-1] ^= 1
	g.write(t, bad)
	if g.call(t, "finalize") != 0 {
		t.Fatal("the guest finalised an answer with a broken proof")
	}
	g.write(t, resp)
	keys := g.result(t, g.call(t, "finalize"))
	if len(keys) != 8*n {
		t.Fatalf("%d key bytes", len(keys))
	}
	for i := range n {
		want, err := sk.FilterKey(guestInput(i))
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint64(keys[8*i:]); got != want {
			t.Fatalf("input %d: wasm key %x, native %x", i, got, want)
		}
	}
}

// BenchmarkWasmCheck is the checker's CPU for one check in wasm (wazero's
// compiler): blind and finalize (proof check, unblinding) for n inputs,
// ristretto255 through package oblivious and P-256 through circl.
func BenchmarkWasmCheck(b *testing.B) {
	sk, err := oblivious.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{8, 67} {
		g := newGuest(b)
		g.write(b, sk.PublicBytes())
		if g.call(b, "setup", uint64(n)) != 0 {
			b.Fatal("setup failed")
		}
		req := g.result(b, g.call(b, "blind"))
		resp, err := oblivious.NewEvaluator(sk).Evaluate(req)
		if err != nil {
			b.Fatal(err)
		}
		pre := "n=" + strconv.Itoa(n)
		b.Run("ristretto255/"+pre+"/blind", func(b *testing.B) {
			for b.Loop() {
				g.call(b, "blind")
			}
		})
		b.Run("ristretto255/"+pre+"/finalize", func(b *testing.B) {
			g.result(b, g.call(b, "blind"))
			// The pending state is the last blind's: answer that one.
			req := g.result(b, g.call(b, "blind"))
			resp, _ = oblivious.NewEvaluator(sk).Evaluate(req)
			for b.Loop() {
				g.write(b, resp)
				if g.call(b, "finalize") == 0 {
					b.Fatal("finalize failed")
				}
			}
		})
		if g.call(b, "p256_setup") != 0 {
			b.Fatal("p256 setup failed")
		}
		b.Run("P256/"+pre+"/blind", func(b *testing.B) {
			for b.Loop() {
				g.call(b, "p256_blind")
			}
		})
		b.Run("P256/"+pre+"/finalize", func(b *testing.B) {
			for b.Loop() {
				if g.call(b, "p256_finalize") != 0 {
					b.Fatal("finalize failed")
				}
			}
		})
	}
}
