package edge

import (
	"time"

	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/release"
)

// Index is the exact search the edge runs over its list. *match.Index is
// the implementation; the interface keeps the swap logic testable on its own.
type Index interface {
	Len() int
	Match(q match.Query) []match.Result
}

// Snapshot is one verified release as the edge serves it. It is immutable
// once loaded: requests read it without locks and a reload swaps in a new
// one whole.
type Snapshot struct {
	Version   uint64
	Created   time.Time
	Expires   time.Time // zero: never
	Manifest  []byte    // the signed manifest bytes, served at /v1/manifest
	Signature []byte    // served at /v1/manifest.sig
	// Filters are the filter artifacts checkers download, by the lowercase
	// hex SHA-256 of their bytes.
	Filters map[string]Artifact
	Index   Index
	// Withdrawn are the publisher's withdrawals and disablements by entry
	// id (release.Release.WithdrawalSet); a match on one in force is
	// dropped (policy.go).
	Withdrawn map[string]release.Withdrawal
	// OPRF evaluates POST /v1/oprf under an oblivious release's key; nil
	// for an open-mode release.
	OPRF *oblivious.Evaluator

	manifestETag, signatureETag string
	previous                    map[string]Artifact // the filters of the release before
	filterDir                   string              // where Filters' files live; Load prunes it
}

// prepare computes what the handlers need from the exported fields.
func (s *Snapshot) prepare() {
	s.manifestETag = quotedSHA256(s.Manifest)
	s.signatureETag = quotedSHA256(s.Signature)
}
