package oblivious

import (
	"crypto/rand"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/zk/dleq"
)

// Evaluator answers POST /v1/oprf requests under one private key. It is
// immutable and safe for concurrent use.
type Evaluator struct{ k *PrivateKey }

// NewEvaluator returns the evaluator for k.
func NewEvaluator(k *PrivateKey) *Evaluator { return &Evaluator{k: k} }

// KeyID is the id of the key the evaluator holds.
func (e *Evaluator) KeyID() [8]byte { return e.k.pub.id }

// Evaluate multiplies every blinded element of the request by the private
// key and proves all of it with one batched DLEQ proof (RFC 9497 section
// 3.3.2), returning the response body. A request for another key matches
// ErrKeyID; one that does not parse, ErrFormat.
func (e *Evaluator) Evaluate(req []byte) ([]byte, error) {
	r := grp.RandomScalar(rand.Reader)
	return e.evaluate(req, r)
}

// evaluate is Evaluate with the proof's randomness given (the vectors).
func (e *Evaluator) evaluate(req []byte, r group.Scalar) ([]byte, error) {
	id, n, err := RequestCount(req)
	if err != nil {
		return nil, err
	}
	if id != e.k.pub.id {
		return nil, wrap(ErrKeyID, "request is for another key")
	}
	blinded, err := decodeElements(req[headerLen:], n)
	if err != nil {
		return nil, err
	}
	evals := make([]group.Element, n)
	for i, b := range blinded {
		evals[i] = grp.NewElement().Mul(b, e.k.s)
	}
	proof, err := dleq.Prover{Params: dleqParams}.ProveBatchWithRandomnessRFC9497(e.k.s, e.k.pe, blinded, evals, r)
	if err != nil {
		return nil, wrap(ErrFormat, "proving: "+err.Error())
	}
	out := header(make([]byte, 0, headerLen+n*ElementSize+ProofSize), id, n)
	if out, err = appendElements(out, evals); err != nil {
		return nil, err
	}
	pb, err := proof.MarshalBinary()
	if err != nil {
		return nil, wrap(ErrFormat, err.Error())
	}
	return append(out, pb...), nil
}
