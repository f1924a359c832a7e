// Package wasmbench runs package oblivious's client compiled to wasip1
// inside wazero, the runtime hashgate tests its checker with: the checker's
// half of a check (blind, then verify and finalise the edge's answer) must
// give in WebAssembly the keys the publisher computes natively, and its
// cost there is measured here, for the suite comparison in RATIONALE.md.
package wasmbench

import (
	"encoding/binary"
	"strconv"
	"testing"

	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/oblivious"
)

// guest is one instance of the module built from ./guest.
type guest struct{ *testenv.WasmGuest }

func newGuest(t testing.TB) *guest { return &guest{testenv.NewWasmGuest(t, "./guest")} }

// result reads the answer at ptr (a call's return value).
func (g *guest) result(t testing.TB, ptr uint64) []byte {
	if ptr == 0 {
		t.Fatal("the guest failed")
	}
	n := uint32(g.Call(t, "result_len"))
	b, ok := g.Mod.Memory().Read(uint32(ptr), n)
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
	g.Write(t, sk.PublicBytes())
	const n = 67
	if g.Call(t, "setup", n) != 0 {
		t.Fatal("setup failed")
	}
	req := g.result(t, g.Call(t, "blind"))
	resp, err := oblivious.NewEvaluator(sk).Evaluate(req)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), resp...)
	bad[len(bad)-1] ^= 1
	g.Write(t, bad)
	if g.Call(t, "finalize") != 0 {
		t.Fatal("the guest finalised an answer with a broken proof")
	}
	g.Write(t, resp)
	checkKeys(t, sk, g.result(t, g.Call(t, "finalize")), n)

	// The same for package lite's client, the browser module's.
	g.Write(t, sk.PublicBytes())
	if g.Call(t, "lite_setup") != 0 {
		t.Fatal("lite setup failed")
	}
	req = g.result(t, g.Call(t, "lite_blind"))
	if resp, err = oblivious.NewEvaluator(sk).Evaluate(req); err != nil {
		t.Fatal(err)
	}
	bad = append([]byte(nil), resp...)
	bad[len(bad)-1] ^= 1
	g.Write(t, bad)
	if g.Call(t, "lite_finalize") != 0 {
		t.Fatal("lite finalised an answer with a broken proof")
	}
	req = g.result(t, g.Call(t, "lite_blind"))
	if resp, err = oblivious.NewEvaluator(sk).Evaluate(req); err != nil {
		t.Fatal(err)
	}
	g.Write(t, resp)
	checkKeys(t, sk, g.result(t, g.Call(t, "lite_finalize")), n)
}

func checkKeys(t *testing.T, sk *oblivious.PrivateKey, keys []byte, n int) {
	t.Helper()
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
// ristretto255 through package oblivious (circl) and package lite (the
// browser module's client), and P-256 through circl.
func BenchmarkWasmCheck(b *testing.B) {
	sk, err := oblivious.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{8, 67} {
		g := newGuest(b)
		g.Write(b, sk.PublicBytes())
		if g.Call(b, "setup", uint64(n)) != 0 {
			b.Fatal("setup failed")
		}
		req := g.result(b, g.Call(b, "blind"))
		resp, err := oblivious.NewEvaluator(sk).Evaluate(req)
		if err != nil {
			b.Fatal(err)
		}
		pre := "n=" + strconv.Itoa(n)
		b.Run("ristretto255/"+pre+"/blind", func(b *testing.B) {
			for b.Loop() {
				g.Call(b, "blind")
			}
		})
		b.Run("ristretto255/"+pre+"/finalize", func(b *testing.B) {
			g.result(b, g.Call(b, "blind"))
			// The pending state is the last blind's: answer that one.
			req := g.result(b, g.Call(b, "blind"))
			resp, _ = oblivious.NewEvaluator(sk).Evaluate(req)
			for b.Loop() {
				g.Write(b, resp)
				if g.Call(b, "finalize") == 0 {
					b.Fatal("finalize failed")
				}
			}
		})
		g.Write(b, sk.PublicBytes())
		if g.Call(b, "lite_setup") != 0 {
			b.Fatal("lite setup failed")
		}
		b.Run("lite/"+pre+"/blind", func(b *testing.B) {
			for b.Loop() {
				g.Call(b, "lite_blind")
			}
		})
		// lite's pending state is spent by a finalize: each round blinds
		// anew, outside the timer.
		b.Run("lite/"+pre+"/finalize", func(b *testing.B) {
			ev := oblivious.NewEvaluator(sk)
			for b.Loop() {
				b.StopTimer()
				resp, err := ev.Evaluate(g.result(b, g.Call(b, "lite_blind")))
				if err != nil {
					b.Fatal(err)
				}
				g.Write(b, resp)
				b.StartTimer()
				if g.Call(b, "lite_finalize") == 0 {
					b.Fatal("finalize failed")
				}
			}
		})
		if g.Call(b, "p256_setup") != 0 {
			b.Fatal("p256 setup failed")
		}
		b.Run("P256/"+pre+"/blind", func(b *testing.B) {
			for b.Loop() {
				g.Call(b, "p256_blind")
			}
		})
		b.Run("P256/"+pre+"/finalize", func(b *testing.B) {
			for b.Loop() {
				if g.Call(b, "p256_finalize") != 0 {
					b.Fatal("finalize failed")
				}
			}
		})
	}
}
