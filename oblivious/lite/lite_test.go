package lite

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

type rfcVector struct {
	Identifier string `json:"identifier"`
	Mode       int    `json:"mode"`
	PkSm       string `json:"pkSm"`
	Vectors    []struct {
		Blind             string `json:"Blind"`
		BlindedElement    string `json:"BlindedElement"`
		EvaluationElement string `json:"EvaluationElement"`
		Input             string `json:"Input"`
		Output            string `json:"Output"`
		Proof             struct {
			Proof string `json:"proof"`
		} `json:"Proof"`
	} `json:"vectors"`
}

func unhexList(t *testing.T, s string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range strings.Split(s, ",") {
		b, err := hex.DecodeString(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func loadVectors(t *testing.T) rfcVector {
	t.Helper()
	raw, err := os.ReadFile("../testdata/rfc9497-ristretto255-SHA512-voprf.json")
	if err != nil {
		t.Fatal(err)
	}
	var v rfcVector
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if v.Identifier != SuiteName || v.Mode != 1 || len(v.Vectors) != 3 {
		t.Fatalf("testdata holds %s mode %d with %d vectors", v.Identifier, v.Mode, len(v.Vectors))
	}
	return v
}

// response builds the edge's answer from a vector's evaluations and proof.
func response(id [8]byte, evals [][]byte, proof []byte) []byte {
	out := header(nil, id, len(evals))
	for _, e := range evals {
		out = append(out, e...)
	}
	return append(out, proof...)
}

// TestRFC9497Vectors: RFC 9497's verifiable-mode vectors for
// ristretto255-SHA512 (A.1.2, batch sizes 1 and 2): this client's blinded
// elements are the RFC's, it accepts the RFC's evaluations and proof, and
// its outputs are the RFC's; the same answer with any one byte of the proof
// changed is refused with ErrProof.
func TestRFC9497Vectors(t *testing.T) {
	v := loadVectors(t)
	pkb, _ := hex.DecodeString(v.PkSm)
	pub, err := ParsePublicKey(pkb)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(pub)
	for i, vec := range v.Vectors {
		inputs := unhexList(t, vec.Input)
		p, req, err := c.BlindWith(inputs, unhexList(t, vec.Blind))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := req[headerLen:], bytes.Join(unhexList(t, vec.BlindedElement), nil); !bytes.Equal(got, want) {
			t.Errorf("vector %d: blinded elements %x, want %x", i, got, want)
		}
		proof := unhexList(t, vec.Proof.Proof)[0]
		resp := response(pub.KeyID(), unhexList(t, vec.EvaluationElement), proof)
		outs, err := c.Finalize(p, resp)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		for j, want := range unhexList(t, vec.Output) {
			if !bytes.Equal(outs[j], want) {
				t.Errorf("vector %d output %d: %x, want %x", i, j, outs[j], want)
			}
		}
		for _, k := range []int{0, 31, 32, 63} {
			p, _, err := c.BlindWith(inputs, unhexList(t, vec.Blind))
			if err != nil {
				t.Fatal(err)
			}
			bad := bytes.Clone(resp)
			bad[len(bad)-ProofSize+k] ^= 0x10
			if _, err := c.Finalize(p, bad); !errors.Is(err, ErrProof) && !errors.Is(err, ErrFormat) {
				t.Errorf("vector %d: proof byte %d changed: %v, want ErrProof or ErrFormat", i, k, err)
			} else if err == nil {
				t.Errorf("vector %d: proof byte %d changed and accepted", i, k)
			}
		}
	}
}

// TestFinalizeRefuses: answers that are not for this request are errors.
func TestFinalizeRefuses(t *testing.T) {
	v := loadVectors(t)
	pkb, _ := hex.DecodeString(v.PkSm)
	pub, err := ParsePublicKey(pkb)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(pub)
	vec := v.Vectors[2] // a batch of two
	inputs, blinds := unhexList(t, vec.Input), unhexList(t, vec.Blind)
	good := response(pub.KeyID(), unhexList(t, vec.EvaluationElement), unhexList(t, vec.Proof.Proof)[0])
	swapped := response(pub.KeyID(), [][]byte{unhexList(t, vec.EvaluationElement)[1], unhexList(t, vec.EvaluationElement)[0]}, unhexList(t, vec.Proof.Proof)[0])
	otherKey := bytes.Clone(good)
	otherKey[5] ^= 1
	identity := bytes.Clone(good)
	copy(identity[headerLen:headerLen+32], make([]byte, 32))
	for _, tc := range []struct {
		name string
		resp []byte
		want error
	}{
		{"truncated", good[:len(good)-1], ErrFormat},
		{"empty", nil, ErrFormat},
		{"other key", otherKey, ErrKeyID},
		{"evaluations swapped", swapped, ErrProof},
		{"identity evaluation", identity, ErrFormat},
		{"bad magic", append([]byte("XGO1"), good[4:]...), ErrFormat},
	} {
		p, _, err := c.BlindWith(inputs, blinds)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Finalize(p, tc.resp); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	p, _, _ := c.BlindWith(inputs, blinds)
	if _, err := c.Finalize(p, good); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Finalize(p, good); !errors.Is(err, ErrFormat) {
		t.Errorf("a pending request finalised twice: %v", err)
	}
}

// FuzzFinalize: no answer, however malformed, panics or verifies unless it
// is the edge's (the only proof this fuzzer can know is the RFC's).
func FuzzFinalize(f *testing.F) {
	pkb, _ := hex.DecodeString("c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e")
	pub, err := ParsePublicKey(pkb)
	if err != nil {
		f.Fatal(err)
	}
	c := NewClient(pub)
	in := [][]byte{{0}}
	blind, _ := hex.DecodeString("64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706")
	ev, _ := hex.DecodeString("aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e")
	pr, _ := hex.DecodeString("ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd066d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d")
	good := response(pub.KeyID(), [][]byte{ev}, pr)
	f.Add(good)
	f.Add(good[:20])
	f.Fuzz(func(t *testing.T, resp []byte) {
		p, _, err := c.BlindWith(in, [][]byte{blind})
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Finalize(p, resp)
		if err == nil && !bytes.Equal(resp, good) {
			t.Fatalf("accepted an answer that is not the edge's: %x (%d outputs)", resp, len(out))
		}
	})
}
