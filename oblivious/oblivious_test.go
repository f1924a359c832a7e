package oblivious

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

func testKey(t testing.TB) *PrivateKey {
	t.Helper()
	k, err := DeriveKey(bytes.Repeat([]byte{7}, 32), []byte("hashgate test"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testInputs(n int) [][]byte {
	var in [][]byte
	for i := range n {
		in = append(in, []byte{'h', 'g', byte(i), byte(i >> 8), 1, 2, 3})
	}
	return in
}

func TestRoundTripMatchesPublisher(t *testing.T) {
	sk := testKey(t)
	c, ev := NewClient(sk.Public()), NewEvaluator(sk)
	for _, n := range []int{1, 2, 67, MaxElements} {
		in := testInputs(n)
		p, req, err := c.Blind(in)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ev.Evaluate(req)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := c.Keys(p, resp, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range keys {
			out, err := sk.Output(in[i])
			if err != nil || Key(out) != k {
				t.Fatalf("n=%d input %d: client key %x, publisher %x (%v)", n, i, k, Key(out), err)
			}
		}
	}
}

func TestBlindingHidesInputs(t *testing.T) {
	c := NewClient(testKey(t).Public())
	in := testInputs(1)
	_, a, _ := c.Blind(in)
	_, b, _ := c.Blind(in)
	if bytes.Equal(a, b) {
		t.Fatal("two blindings of one input are equal: the edge could link them")
	}
}

func TestTamperedResponsesRejected(t *testing.T) {
	sk := testKey(t)
	other, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(sk.Public())
	in := testInputs(3)
	p, req, err := c.Blind(in)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := NewEvaluator(sk).Evaluate(req)
	if err != nil {
		t.Fatal(err)
	}
	// An evaluator under another key answers with the pinned key's id: a
	// lying edge. Its proof is for its own key.
	lie := append([]byte(nil), req...)
	copy(lie[5:13], other.Public().id[:])
	liar, err := NewEvaluator(other).Evaluate(lie)
	if err != nil {
		t.Fatal(err)
	}
	copy(liar[5:13], sk.Public().id[:])
	swapped := append([]byte(nil), resp...) // two evaluations exchanged
	copy(swapped[headerLen:], resp[headerLen+ElementSize:headerLen+2*ElementSize])
	copy(swapped[headerLen+ElementSize:], resp[headerLen:headerLen+ElementSize])
	g := grp.NewElement().MulGen(grp.RandomScalar(rand.Reader))
	gb, _ := g.MarshalBinaryCompress()
	replaced := append([]byte(nil), resp...)
	copy(replaced[headerLen:], gb)
	cases := []struct {
		name string
		resp []byte
		want error
	}{
		{"other key's evaluation", liar, ErrProof},
		{"evaluations swapped", swapped, ErrProof},
		{"evaluation replaced", replaced, ErrProof},
		{"proof bit flipped", flip(resp, len(resp)-40), ErrProof},
		{"evaluation bit flipped", flip(resp, headerLen+3), nil}, // ErrFormat or ErrProof
		{"truncated", resp[:len(resp)-1], ErrFormat},
		{"extended", append(append([]byte(nil), resp...), 0), ErrFormat},
		{"header only", resp[:headerLen], ErrFormat},
		{"bad magic", flip(resp, 0), ErrFormat},
		{"other key id", flip(resp, 6), ErrKeyID},
		{"empty", nil, ErrFormat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := c.Keys(p, tc.resp, nil)
			if err == nil || len(keys) != 0 {
				t.Fatalf("accepted: keys %v", keys)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if tc.want == nil && !errors.Is(err, ErrProof) && !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v matches no sentinel", err)
			}
		})
	}
	if _, err := c.Keys(p, resp, nil); err != nil {
		t.Fatalf("the genuine response after the tampered ones: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

func TestRequestRefused(t *testing.T) {
	sk := testKey(t)
	ev := NewEvaluator(sk)
	_, req, err := NewClient(sk.Public()).Blind(testInputs(2))
	if err != nil {
		t.Fatal(err)
	}
	identity := append([]byte(nil), req...)
	clear(identity[headerLen : headerLen+ElementSize])
	over := header(nil, sk.Public().id, MaxElements+1)
	// All ones is no canonical field element, so no ristretto255 encoding.
	notPoint := append([]byte(nil), req...)
	copy(notPoint[headerLen:], bytes.Repeat([]byte{0xff}, ElementSize))
	for _, tc := range []struct {
		name string
		req  []byte
		want error
	}{
		{"truncated", req[:len(req)-1], ErrFormat},
		{"count zero", header(nil, sk.Public().id, 0), ErrFormat},
		{"count over the bound", append(over, make([]byte, (MaxElements+1)*ElementSize)...), ErrFormat},
		{"identity element", identity, ErrFormat},
		{"not an encoding", notPoint, ErrFormat},
		{"other key", flip(req, 5), ErrKeyID},
		{"other suite", flip(req, 4), ErrFormat},
	} {
		if _, err := ev.Evaluate(tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, _, err := NewClient(sk.Public()).Blind(testInputs(MaxElements + 1)); !errors.Is(err, ErrFormat) {
		t.Errorf("blinding %d inputs: %v", MaxElements+1, err)
	}
}

func TestKeysRefused(t *testing.T) {
	for _, b := range [][]byte{nil, make([]byte, 31), make([]byte, 32), bytes.Repeat([]byte{0xff}, 32)} {
		if _, err := ParsePrivateKey(b); !errors.Is(err, ErrKey) {
			t.Errorf("private key %x: %v", b, err)
		}
		if _, err := ParsePublicKey(b); !errors.Is(err, ErrKey) {
			t.Errorf("public key %x: %v", b, err)
		}
	}
	sk := testKey(t)
	back, err := ParsePrivateKey(sk.Bytes())
	if err != nil || !bytes.Equal(back.Public().Bytes(), sk.Public().Bytes()) {
		t.Fatalf("private key round trip: %v", err)
	}
}

func TestParsePrivateKeyFor(t *testing.T) {
	sk := testKey(t)
	other, _ := GenerateKey(nil)
	if _, err := ParsePrivateKeyFor(sk.Bytes(), sk.PublicBytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePrivateKeyFor(sk.Bytes(), other.PublicBytes()); !errors.Is(err, ErrKey) {
		t.Fatalf("another public key: %v", err)
	}
	k, err := sk.FilterKey([]byte("x"))
	out, _ := sk.Output([]byte("x"))
	if err != nil || k != Key(out) {
		t.Fatalf("FilterKey %x, Key(Output) %x (%v)", k, Key(out), err)
	}
}

func FuzzEvaluate(f *testing.F) {
	sk := testKey(f)
	_, req, _ := NewClient(sk.Public()).Blind(testInputs(2))
	f.Add(req)
	f.Add(req[:headerLen])
	ev := NewEvaluator(sk)
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := ev.Evaluate(b)
		if err == nil {
			_, n, _ := RequestCount(b)
			if len(resp) != headerLen+n*ElementSize+ProofSize {
				t.Fatalf("response of %d bytes for %d elements", len(resp), n)
			}
		}
	})
}

func FuzzFinalize(f *testing.F) {
	sk := testKey(f)
	c := NewClient(sk.Public())
	p, req, _ := c.Blind(testInputs(2))
	resp, _ := NewEvaluator(sk).Evaluate(req)
	f.Add(resp)
	f.Add(resp[:len(resp)-ProofSize])
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := c.Keys(p, b, nil)
		if err == nil && !bytes.Equal(b, resp) && len(keys) == 2 {
			// Another valid response (fresh proof randomness) is fine
			// only if it yields the same keys.
			want, _ := c.Keys(p, resp, nil)
			if keys[0] != want[0] || keys[1] != want[1] {
				t.Fatal("a different response verified with different keys")
			}
		}
	})
}

// TestEvaluateConcurrent: one Evaluator answers many requests at once (the
// edge's handlers share it); run with -race.
func TestEvaluateConcurrent(t *testing.T) {
	sk := testKey(t)
	c, ev := NewClient(sk.Public()), NewEvaluator(sk)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			p, req, err := c.Blind(testInputs(4))
			if err == nil {
				var resp []byte
				if resp, err = ev.Evaluate(req); err == nil {
					_, err = c.Keys(p, resp, nil)
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
