package release

import (
	"crypto/rand"
	"errors"

	"github.com/hashgate/hashgate/internal/wire"
)

var cryptoRandReader = rand.Reader

// Rule names, as RuleError.Rule reports them.
const (
	RuleFormat    = "format"    // manifest, signature file or artifact does not parse
	RuleSignature = "signature" // a required signature is missing or wrong
	RuleExpired   = "expired"   // now is at or after the manifest's expires
	RuleRollback  = "rollback"  // version not greater than the last accepted
	RuleMissing   = "missing"   // an artifact the manifest lists was not supplied
	RuleLength    = "length"    // an artifact's length differs from the manifest
	RuleDigest    = "digest"    // an artifact's SHA-256 differs from the manifest
	RuleFilter    = "filter"    // a filter artifact does not load or does not fit the manifest
	RuleChannel   = "channel"   // the manifest is for another channel
)

// Sentinels, one per rule: errors.Is(err, ErrRollback) etc. on an error from
// Accept.
var (
	ErrFormat    = errors.New("release: malformed release")
	ErrSignature = errors.New("release: bad signature")
	ErrExpired   = errors.New("release: expired")
	ErrRollback  = errors.New("release: version not newer than the last accepted")
	ErrMissing   = errors.New("release: artifact missing")
	ErrLength    = errors.New("release: artifact length mismatch")
	ErrDigest    = errors.New("release: artifact digest mismatch")
	ErrFilter    = errors.New("release: filter does not load")
	ErrChannel   = errors.New("release: wrong channel")
)

// ruleSentinel is the sentinel of a rule (a switch, not a map: a map
// literal is built by an init function, ~1 KB of the compressed wasm
// module).
func ruleSentinel(rule string) error {
	switch rule {
	case RuleFormat:
		return ErrFormat
	case RuleSignature:
		return ErrSignature
	case RuleExpired:
		return ErrExpired
	case RuleRollback:
		return ErrRollback
	case RuleMissing:
		return ErrMissing
	case RuleLength:
		return ErrLength
	case RuleDigest:
		return ErrDigest
	case RuleFilter:
		return ErrFilter
	case RuleChannel:
		return ErrChannel
	}
	return nil
}

// RuleError is an acceptance rule that a release broke. Rule is one of the
// Rule constants; errors.Is matches the rule's sentinel and Err's chain.
type RuleError struct {
	Rule string
	Err  error
}

func (e *RuleError) Error() string {
	return "release: refused (rule " + e.Rule + "): " + e.Err.Error()
}

func (e *RuleError) Unwrap() error { return e.Err }

// Is matches the sentinel of e's rule.
func (e *RuleError) Is(target error) bool { return ruleSentinel(e.Rule) == target }

// wrap is fmt.Errorf("%s: %w", msg, err) without fmt.
func wrap(msg string, err error) error { return wire.Wrap(msg, err) }
