package release

import (
	"crypto/rand"
	"errors"
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

var ruleSentinels = map[string]error{
	RuleFormat:    ErrFormat,
	RuleSignature: ErrSignature,
	RuleExpired:   ErrExpired,
	RuleRollback:  ErrRollback,
	RuleMissing:   ErrMissing,
	RuleLength:    ErrLength,
	RuleDigest:    ErrDigest,
	RuleFilter:    ErrFilter,
	RuleChannel:   ErrChannel,
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
func (e *RuleError) Is(target error) bool { return ruleSentinels[e.Rule] == target }

// wrapError prefixes an underlying error with context. It stands in for
// fmt.Errorf("...: %w") without pulling fmt into the wasm module.
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *wrapError) Unwrap() error { return e.err }

func wrap(msg string, err error) error { return &wrapError{msg: msg, err: err} }

// quote is strconv.Quote for error messages, without its Unicode
// printability tables (~4 KB of the compressed wasm module): printable
// ASCII stays, quote and backslash are escaped, every other byte is \xNN.
// For printable ASCII the two agree.
func quote(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20 && c < 0x7f:
			b = append(b, c)
		default:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		}
	}
	return string(append(b, '"'))
}
