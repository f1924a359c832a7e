package oblivious

import (
	"bytes"
	"errors"
	"testing"

	"github.com/hashgate/hashgate/oblivious/lite"
)

// TestLiteInterop: the browser module's client (package lite, another
// group implementation) and this package's agree: lite's requests are
// answered by the Evaluator, its outputs are the publisher's Output of each
// input, a tampered evaluation or proof is ErrProof in lite, and the wire
// constants and key ids are the same.
func TestLiteInterop(t *testing.T) {
	if lite.SuiteName != SuiteName || lite.ElementSize != ElementSize || lite.ProofSize != ProofSize ||
		lite.KeySize != KeySize || lite.MaxElements != MaxElements {
		t.Fatal("package lite's wire constants differ from this package's")
	}
	for _, n := range []int{1, 2, 67} {
		sk, err := GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := lite.ParsePublicKey(sk.PublicBytes())
		if err != nil {
			t.Fatal(err)
		}
		if pub.KeyID() != sk.Public().KeyID() {
			t.Fatal("key ids differ")
		}
		c, ev := lite.NewClient(pub), NewEvaluator(sk)
		in := testInputs(n)
		p, req, err := c.Blind(in)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ev.Evaluate(req)
		if err != nil {
			t.Fatal(err)
		}
		// Tampering first: each uses a fresh blinding of the same inputs.
		for _, at := range []int{headerLen, headerLen + n*ElementSize - 1, len(resp) - ProofSize, len(resp) - 1} {
			p2, req2, err := c.Blind(in)
			if err != nil {
				t.Fatal(err)
			}
			resp2, err := ev.Evaluate(req2)
			if err != nil {
				t.Fatal(err)
			}
			resp2[at] ^= 0x04
			if _, err := c.Finalize(p2, resp2); err == nil || !(errors.Is(err, lite.ErrProof) || errors.Is(err, lite.ErrFormat)) {
				t.Errorf("n=%d: byte %d changed: %v, want a refusal", n, at, err)
			}
		}
		outs, err := c.Finalize(p, resp)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		for i, o := range outs {
			want, err := sk.Output(in[i])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(o, want) {
				t.Fatalf("n=%d input %d: lite output %x, publisher %x", n, i, o, want)
			}
		}
		// And the other way: this package's client finalises an answer to
		// lite's request just as lite does (same request format).
		p3, req3, err := c.Blind(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := RequestCount(req3); err != nil {
			t.Fatalf("lite's request does not parse here: %v", err)
		}
		resp3, err := ev.Evaluate(req3)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := c.Keys(p3, resp3, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range keys {
			want, _ := sk.FilterKey(in[i])
			if k != want {
				t.Fatalf("n=%d input %d: lite key %x, publisher %x", n, i, k, want)
			}
		}
	}
}
