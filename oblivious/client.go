package oblivious

import (
	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"
)

// Client blinds inputs and finalises the edge's evaluations under one
// pinned public key. It is safe for concurrent use.
type Client struct {
	pub *PublicKey
	c   oprf.VerifiableClient
}

// NewClient returns a client for the manifest's public key.
func NewClient(pub *PublicKey) *Client {
	return &Client{pub: pub, c: oprf.NewVerifiableClient(suite, &pub.k)}
}

// Pending is one blinded request's secret state, kept by the client until
// the response arrives. Use it once.
type Pending struct {
	fin *oprf.FinalizeData
	req *oprf.EvaluationRequest
	n   int
}

// Blind blinds 1..MaxElements inputs with fresh random scalars and returns
// the state and the request body for POST /v1/oprf.
func (c *Client) Blind(inputs [][]byte) (*Pending, []byte, error) {
	if len(inputs) == 0 || len(inputs) > MaxElements {
		return nil, nil, wrap(ErrFormat, "want 1 to 512 inputs")
	}
	fin, req, err := c.c.Blind(inputs)
	if err != nil {
		return nil, nil, wrap(ErrFormat, "blinding: "+err.Error())
	}
	return c.request(fin, req, len(inputs))
}

// blindWith is Blind with given blinds (the RFC's test vectors).
func (c *Client) blindWith(inputs [][]byte, blinds []oprf.Blind) (*Pending, []byte, error) {
	fin, req, err := c.c.DeterministicBlind(inputs, blinds)
	if err != nil {
		return nil, nil, wrap(ErrFormat, "blinding: "+err.Error())
	}
	return c.request(fin, req, len(inputs))
}

func (c *Client) request(fin *oprf.FinalizeData, req *oprf.EvaluationRequest, n int) (*Pending, []byte, error) {
	body := header(make([]byte, 0, headerLen+n*ElementSize), c.pub.id, n)
	body, err := appendElements(body, req.Elements)
	if err != nil {
		return nil, nil, err
	}
	return &Pending{fin: fin, req: req, n: n}, body, nil
}

// Finalize parses the edge's response, verifies its batched DLEQ proof
// against the pinned key and returns the VOPRF output of each input, in
// order. A response that does not parse matches ErrFormat, one for another
// key ErrKeyID, one whose proof fails ErrProof: the caller must treat each
// as an error, never as "no match".
func (c *Client) Finalize(p *Pending, resp []byte) ([][]byte, error) {
	if p == nil {
		return nil, wrap(ErrFormat, "no pending request")
	}
	id, n, rest, err := parseHeader(resp)
	if err != nil {
		return nil, err
	}
	if id != c.pub.id {
		return nil, wrap(ErrKeyID, "response is for another key")
	}
	if n != p.n || len(rest) != n*ElementSize+ProofSize {
		return nil, wrap(ErrFormat, "response length or count does not match the request")
	}
	evals, err := decodeElements(rest, n)
	if err != nil {
		return nil, err
	}
	proof := new(dleq.Proof)
	if err := proof.UnmarshalBinary(grp, rest[n*ElementSize:]); err != nil {
		return nil, wrap(ErrFormat, "proof does not decode")
	}
	out, err := c.c.Finalize(p.fin, &oprf.Evaluation{Elements: evals, Proof: proof})
	if err != nil {
		if err == oprf.ErrInvalidProof {
			return nil, wrap(ErrProof, "the edge's proof does not verify against the release's public key")
		}
		return nil, wrap(ErrFormat, "finalizing: "+err.Error())
	}
	return out, nil
}

// Keys is Finalize followed by Key on each output.
func (c *Client) Keys(p *Pending, resp []byte, dst []uint64) ([]uint64, error) {
	out, err := c.Finalize(p, resp)
	if err != nil {
		return dst, err
	}
	for _, o := range out {
		dst = append(dst, Key(o))
	}
	return dst, nil
}
