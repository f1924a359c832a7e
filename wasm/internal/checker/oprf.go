//go:build oblivious

package checker

import (
	"errors"
	"strconv"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/wire"
	"github.com/hashgate/hashgate/oblivious/lite"
	"github.com/hashgate/hashgate/release"
)

// CodeProof is an edge answer to POST /v1/oprf that does not verify against
// the release's public key (or is for another key, or does not parse). It
// is only in the oblivious-capable module; the host must report it as an
// error, never as "no match".
const CodeProof Code = 7

// Oblivious is the checker's half of an oblivious-mode look-up: Blind turns
// a query into the body of one POST /v1/oprf, Finalize verifies the edge's
// answer and looks the keys up. It lives beside the Checker whose accepted
// release it queries, and only in the oblivious-capable module (build tag
// oblivious): circl's group arithmetic would not fit the open module's
// budget.
type Oblivious struct {
	c *Checker

	rel    *release.Release // the release client was made for
	client *lite.Client

	pend   *lite.Pending
	forRel *release.Release   // the release pend's inputs were derived under
	owners []fingerprint.Kind // the kind of each blinded input, in order
	inputs [][]byte           // reused between calls
	keys   []uint64
}

// NewOblivious returns the oblivious half of c.
func NewOblivious(c *Checker) *Oblivious { return &Oblivious{c: c} }

// Blind derives the VOPRF inputs of every fingerprint in query (Check's
// text form) under the accepted oblivious release, blinds them with fresh
// randomness, and writes the request body for POST /v1/oprf as the result
// (raw bytes, not JSON). The blinding state is kept for the next Finalize;
// a second Blind replaces it.
func (o *Oblivious) Blind(query []byte) Code {
	c := o.c
	if c.rel == nil {
		return c.fail(CodeNoRelease, "checker: no release accepted yet")
	}
	if c.rel.Manifest.Oblivious == nil {
		return c.fail(CodeUnsupport, "checker: the release is in open mode: look it up with hg_check")
	}
	if o.rel != c.rel {
		pub, err := lite.ParsePublicKey(c.rel.Manifest.Oblivious.PublicKey)
		if err != nil {
			return c.fail(CodeFormat, "checker: the manifest's VOPRF public key: "+err.Error())
		}
		o.rel, o.client = c.rel, lite.NewClient(pub)
	}
	vals, code, msg := parseQuery(query)
	if code != OK {
		return c.fail(code, msg)
	}
	o.pend, o.forRel = nil, nil
	o.inputs, o.owners = o.inputs[:0], o.owners[:0]
	for _, v := range vals {
		n := len(o.inputs)
		o.inputs = c.rel.ObliviousInputs(v.kind, v.value[:v.n], o.inputs)
		for range len(o.inputs) - n {
			o.owners = append(o.owners, v.kind)
		}
	}
	if len(o.inputs) == 0 {
		return c.fail(CodeArgument, "checker: no fingerprint in the query has filter keys")
	}
	if len(o.inputs) > lite.MaxElements {
		return c.fail(CodeTooLarge, "checker: "+strconv.Itoa(len(o.inputs))+" VOPRF inputs, over one request's "+strconv.Itoa(lite.MaxElements))
	}
	p, body, err := o.client.Blind(o.inputs)
	if err != nil {
		return c.fail(CodeArgument, "checker: "+err.Error())
	}
	o.pend, o.forRel = p, c.rel
	return c.ok(body)
}

// Finalize verifies resp, the edge's answer to the last Blind's request
// (its batched DLEQ proof against the manifest's public key), unblinds the
// evaluations into filter keys and looks them up. The result is Check's:
// {"hit":bool,"hits":[{"kind","key"}]}. An answer that does not verify,
// is for another key or does not parse is CodeProof; the blinding state
// is spent either way, so a retry blinds again.
func (o *Oblivious) Finalize(resp []byte) Code {
	c := o.c
	p, rel := o.pend, o.forRel
	o.pend, o.forRel = nil, nil
	if p == nil {
		return c.fail(CodeArgument, "checker: no blinded request is waiting for an answer (call hg_oprf_blind first)")
	}
	if rel != c.rel {
		return c.fail(CodeArgument, "checker: a new release was accepted since the request was blinded: blind again")
	}
	keys, err := o.client.Keys(p, resp, o.keys[:0])
	o.keys = keys
	if err != nil {
		msg := "checker: the edge's /v1/oprf answer"
		switch {
		case errors.Is(err, lite.ErrProof):
			msg += " has a proof that does not verify"
		case errors.Is(err, lite.ErrKeyID):
			msg += " is for another key (fetch the release again)"
		default:
			msg += " does not parse"
		}
		return c.fail(CodeProof, msg+": "+err.Error())
	}
	var hits []byte
	n := 0
	for i, k := range keys {
		if !rel.Contains(k) {
			continue
		}
		if n > 0 {
			hits = append(hits, ',')
		}
		n++
		var kb [8]byte
		for j := range kb {
			kb[j] = byte(k >> (56 - 8*j))
		}
		hits = append(hits, `{"kind":"`+o.owners[i].String()+`","key":"`...)
		hits = wire.AppendHex(hits, kb[:])
		hits = append(hits, `"}`...)
	}
	j := wire.NewObject(c.out)
	j.Bool("hit", n > 0)
	j.Int("evaluations", int64(len(keys)))
	j.Raw("hits", append(append([]byte{'['}, hits...), ']'))
	return c.ok(j.Done())
}

// obliviousCheck is Check's answer for an oblivious release.
const obliviousCheck = "checker: the release is in oblivious mode: look it up with hg_oprf_blind and hg_oprf_finalize"
