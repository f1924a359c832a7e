package bloom

import (
	"errors"
	"slices"

	"github.com/hashgate/hashgate/internal/wire"
)

// Key is one filter key: a 64-bit output of the keyed PRF (see Keyer).
// Filters assume keys are uniformly distributed; never insert raw data.
type Key uint64

// Kind names a filter structure. The numbers appear in the binary format:
// never renumber them.
type Kind uint8

// The filter kinds. KindAuto is only meaningful in BuildOptions: Build then
// picks whichever concrete kind is smallest at the target rate.
const (
	KindAuto         Kind = 0
	KindSplitBlock   Kind = 1 // split-block Bloom filter, any target rate, supports Add/Union
	KindBinaryFuse8  Kind = 2 // binary fuse filter, 8-bit fingerprints: rate 2^-8
	KindBinaryFuse16 Kind = 3 // binary fuse filter, 16-bit fingerprints: rate 2^-16
)

var kindNames = [...]string{"auto", "splitblock", "binaryfuse8", "binaryfuse16"}

// String returns the kind's name as manifests and tools print it.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind maps a name from String back to its Kind.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if s == n {
			return Kind(i), nil
		}
	}
	return 0, wrap(ErrOptions, "bloom: unknown filter kind "+quote(s))
}

// Filter is an approximate-membership filter: Contains never answers false
// for a key that was inserted, and answers true for other keys with about the
// filter's false-positive rate. Implementations are safe for concurrent
// Contains calls; they are immutable except for (*SplitBlock).Add and Union.
type Filter interface {
	// Contains reports whether k may be in the set.
	Contains(k Key) bool
	// Len is the number of distinct keys the filter was built from.
	Len() int
	// Kind is the filter's structure.
	Kind() Kind
	// SizeBytes is the size of the filter's table (the format's body).
	SizeBytes() int
	// KeyID names the release key whose PRF produced the keys (Keyer.KeyID),
	// so a client can refuse to combine a filter with the wrong Keyer.
	KeyID() [8]byte
}

// BuildOptions configures Build. The zero value builds the smallest filter
// at DefaultFPR.
type BuildOptions struct {
	Kind      Kind    // KindAuto (zero) picks the smallest kind meeting TargetFPR
	TargetFPR float64 // per-look-up false-positive rate; zero means DefaultFPR
	KeyID     [8]byte // recorded in the filter; use Keyer.KeyID
}

// DefaultFPR is the target per-look-up rate when BuildOptions leaves it zero:
// with the default layout a clean image makes 263 look-ups, so 2^-16 keeps
// its false-candidate rate near 0.4% (docs/filter.md).
const DefaultFPR = 1.0 / 65536

// Errors returned (wrapped) by Build and the Keyer.
var (
	ErrOptions = errors.New("bloom: invalid options")
	ErrLayout  = errors.New("bloom: invalid layout")
)

// maxKeys bounds Build's input: the fuse library indexes with uint32.
const maxKeys = 1 << 31

// Build returns a filter holding keys. Duplicate keys are allowed and count
// once; keys itself is not modified. The result is ready for Contains and
// Marshal.
func Build(keys []Key, o BuildOptions) (Filter, error) {
	p := o.TargetFPR
	if p == 0 {
		p = DefaultFPR
	}
	if !(p > 0 && p < 1) {
		return nil, wrap(ErrOptions, "bloom: target false-positive rate must be in (0, 1)")
	}
	if uint64(len(keys)) > maxKeys {
		return nil, wrap(ErrOptions, "bloom: too many keys")
	}
	uniq := dedupe(keys)
	kind := o.Kind
	if kind == KindAuto {
		kind = ChooseKind(len(uniq), p)
	}
	switch kind {
	case KindSplitBlock:
		f := NewSplitBlock(len(uniq), p, o.KeyID)
		for _, k := range uniq {
			f.add(k)
		}
		f.n = uint64(len(uniq))
		return f, nil
	case KindBinaryFuse8, KindBinaryFuse16:
		if p < kindRate(kind) {
			return nil, wrap(ErrOptions, "bloom: "+kind.String()+" cannot reach the target false-positive rate")
		}
		return buildFuse(kind, uniq, o.KeyID)
	}
	return nil, wrap(ErrOptions, "bloom: unknown filter kind")
}

// dedupe returns the distinct keys in a new slice (sorted).
func dedupe(keys []Key) []Key {
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}

// kindRate is the false-positive rate of a fixed-rate kind (0 for Bloom,
// whose rate is chosen by its size).
func kindRate(k Kind) float64 {
	switch k {
	case KindBinaryFuse8:
		return 1.0 / 256
	case KindBinaryFuse16:
		return 1.0 / 65536
	}
	return 0
}

// ChooseKind returns the kind with the smallest table for n keys at
// per-look-up rate p: the fuse kinds have fixed rates (2^-8, 2^-16, which
// the measured table in docs/filter.md confirms), the split-block filter is
// sized for p by SplitBlockBlocks.
func ChooseKind(n int, p float64) Kind {
	best, bestSize := KindSplitBlock, SplitBlockBlocks(n, p)*blockBytes
	for _, k := range [...]Kind{KindBinaryFuse8, KindBinaryFuse16} {
		if kindRate(k) <= p {
			if s := fuseSizeBytes(k, n); s < bestSize {
				best, bestSize = k, s
			}
		}
	}
	return best
}

// wrap is an error with its own message that matches sentinel.
func wrap(sentinel error, msg string) error { return wire.NewError(msg, sentinel) }

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return `"` + s + `"`
}
