package oblivious

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cloudflare/circl/oprf"
)

type rfcVector struct {
	Identifier string `json:"identifier"`
	Mode       int    `json:"mode"`
	Seed       string `json:"seed"`
	KeyInfo    string `json:"keyInfo"`
	SkSm       string `json:"skSm"`
	PkSm       string `json:"pkSm"`
	Vectors    []struct {
		Batch             int    `json:"Batch"`
		Blind             string `json:"Blind"`
		BlindedElement    string `json:"BlindedElement"`
		EvaluationElement string `json:"EvaluationElement"`
		Input             string `json:"Input"`
		Output            string `json:"Output"`
		Proof             struct {
			Proof string `json:"proof"`
			R     string `json:"r"`
		} `json:"Proof"`
	} `json:"vectors"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhexList(t *testing.T, s string) [][]byte {
	var out [][]byte
	for _, p := range strings.Split(s, ",") {
		out = append(out, unhex(t, p))
	}
	return out
}

// TestRFC9497Vectors runs RFC 9497's verifiable-mode vectors for
// ristretto255-SHA512 through the code hashgate uses: key derivation,
// the client's blinding and request encoding, the edge's Evaluator (with
// the vector's proof randomness), the client's proof check and
// finalisation, and the publisher's unblinded Output.
func TestRFC9497Vectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/rfc9497-ristretto255-SHA512-voprf.json")
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
	sk, err := DeriveKey(unhex(t, v.Seed), unhex(t, v.KeyInfo))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(sk.Bytes()); got != v.SkSm {
		t.Fatalf("skSm %s, want %s", got, v.SkSm)
	}
	if got := hex.EncodeToString(sk.Public().Bytes()); got != v.PkSm {
		t.Fatalf("pkSm %s, want %s", got, v.PkSm)
	}
	pub, err := ParsePublicKey(unhex(t, v.PkSm))
	if err != nil {
		t.Fatal(err)
	}
	c, ev := NewClient(pub), NewEvaluator(sk)
	for i, vec := range v.Vectors {
		inputs := unhexList(t, vec.Input)
		var blinds []oprf.Blind
		for _, b := range unhexList(t, vec.Blind) {
			s := grp.NewScalar()
			if err := s.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			blinds = append(blinds, s)
		}
		p, req, err := c.blindWith(inputs, blinds)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := req[headerLen:], bytes.Join(unhexList(t, vec.BlindedElement), nil); !bytes.Equal(got, want) {
			t.Errorf("vector %d: blinded elements %x, want %x", i, got, want)
		}
		r := grp.NewScalar()
		if err := r.UnmarshalBinary(unhex(t, vec.Proof.R)); err != nil {
			t.Fatal(err)
		}
		resp, err := ev.evaluate(req, r)
		if err != nil {
			t.Fatal(err)
		}
		n := len(inputs)
		if got, want := resp[headerLen:headerLen+n*ElementSize], bytes.Join(unhexList(t, vec.EvaluationElement), nil); !bytes.Equal(got, want) {
			t.Errorf("vector %d: evaluations %x, want %x", i, got, want)
		}
		if got, want := resp[headerLen+n*ElementSize:], unhex(t, vec.Proof.Proof); !bytes.Equal(got, want) {
			t.Errorf("vector %d: proof %x, want %x", i, got, want)
		}
		outs, err := c.Finalize(p, resp)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		for j, want := range unhexList(t, vec.Output) {
			if !bytes.Equal(outs[j], want) {
				t.Errorf("vector %d output %d: %x, want %x", i, j, outs[j], want)
			}
			full, err := sk.Output(inputs[j])
			if err != nil || !bytes.Equal(full, want) {
				t.Errorf("vector %d output %d: publisher's Output %x (%v), want %x", i, j, full, err, want)
			}
		}
	}
}
