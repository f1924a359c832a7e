package edge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/release"
)

// ObliviousChecker is the checker's look-up for an oblivious release, in
// Go (hashgate check --edge; the tests): derive the VOPRF inputs of a
// file's fingerprints, blind them, make the one POST /v1/oprf round trip,
// verify the proof and finalise, then look the keys up in the filter. Its
// answer is a candidate list like release.Lookup's; the edge's /v1/verify
// confirms a candidate as in open mode.
type ObliviousChecker struct {
	rel    *release.Release
	client *oblivious.Client
	url    string
	http   *http.Client
}

// ErrBudget is the edge refusing a check with 429; RetryAfter says when to
// try again.
type ErrBudget struct{ RetryAfter time.Duration }

func (e *ErrBudget) Error() string {
	return "edge: oprf budget exhausted; retry after " + e.RetryAfter.String()
}

// NewObliviousChecker returns a checker for rel (an accepted oblivious
// release) asking the edge at edgeURL (scheme and host) through hc
// (http.DefaultClient if nil).
func NewObliviousChecker(rel *release.Release, edgeURL string, hc *http.Client) (*ObliviousChecker, error) {
	if rel.Manifest.Oblivious == nil {
		return nil, errors.New("edge: not an oblivious release")
	}
	pub, err := oblivious.ParsePublicKey(rel.Manifest.Oblivious.PublicKey)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &ObliviousChecker{rel: rel, client: oblivious.NewClient(pub), url: strings.TrimSuffix(edgeURL, "/") + "/v1/oprf", http: hc}, nil
}

// Value is one computed fingerprint: a kind and its raw bytes
// (fingerprint.Kind.ValueLen).
type Value struct {
	Kind  fingerprint.Kind
	Value []byte
}

// Check returns the kinds of values whose keys hit the filter, each once,
// in the order of values. Any failure (the request, a refusal, a proof that
// does not verify) is an error and never an empty answer: a checker must
// not report "clear" for a file it could not check.
func (c *ObliviousChecker) Check(ctx context.Context, values []Value) ([]fingerprint.Kind, error) {
	var inputs [][]byte
	var owner []int // index in values of each input
	for i, v := range values {
		n := len(inputs)
		inputs = c.rel.ObliviousInputs(v.Kind, v.Value, inputs)
		for range len(inputs) - n {
			owner = append(owner, i)
		}
	}
	if len(inputs) == 0 {
		return nil, errors.New("edge: no fingerprint with filter keys")
	}
	if len(inputs) > oblivious.MaxElements {
		return nil, errors.New("edge: " + strconv.Itoa(len(inputs)) + " inputs, over one request's " + strconv.Itoa(oblivious.MaxElements))
	}
	p, body, err := c.client.Blind(inputs)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxOPRFBody+oblivious.ProofSize+1))
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return nil, &ErrBudget{RetryAfter: time.Duration(max(secs, 1)) * time.Second}
	default:
		return nil, errors.New("edge: /v1/oprf answered " + resp.Status + ": " + strings.TrimSpace(string(answer)))
	}
	keys, err := c.client.Keys(p, answer, nil)
	if err != nil {
		return nil, err
	}
	hit := make([]bool, len(values))
	for i, k := range keys {
		if c.rel.Contains(k) {
			hit[owner[i]] = true
		}
	}
	var kinds []fingerprint.Kind
	for i, h := range hit {
		if h && !containsKind(kinds, values[i].Kind) {
			kinds = append(kinds, values[i].Kind)
		}
	}
	return kinds, nil
}

func containsKind(ks []fingerprint.Kind, k fingerprint.Kind) bool {
	for _, o := range ks {
		if o == k {
			return true
		}
	}
	return false
}
