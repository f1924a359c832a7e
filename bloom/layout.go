package bloom

// Mode says who can compute filter keys.
type Mode uint8

const (
	// ModeOpen: keys come from the release key, which the manifest gives
	// every client. Anyone holding the filter can test candidates offline,
	// so no key may be derived from fewer than 64 secret-free bits: a
	// 32-bit band could be enumerated (2^32 look-ups) to recover band
	// values of listed hashes.
	ModeOpen Mode = 0
	// ModeOblivious: keys can only be computed with the edge's help
	// (an oblivious PRF, package oblivious; release builds them), so
	// shorter bands are allowed. A Keyer still derives SipHash keys for
	// such a layout, but no release uses them.
	ModeOblivious Mode = 1
)

// Layout says which keys a PDQ hash contributes: either its full 256 bits
// (exact) or Bands bands of BandBits bits, a copy within a small Hamming
// distance sharing at least one band with the original (the pigeonhole
// principle: d flips spread over Bands bands leave one band intact while
// d < Bands). With Probes = 1 a query also looks up every one-bit variant of
// each band, which extends the guarantee to d < 2*Bands at the cost of
// BandBits more look-ups per band.
//
// The text form (String, ParseLayout) is what a release manifest records:
//
//	exact                 full 256-bit PDQ only
//	4x64                  4 bands of 64 bits
//	4x64+p1               the same, one-bit probes at query time
//	8x32+p1/oblivious     8 bands of 32 bits, oblivious mode only
type Layout struct {
	Bands    int  // 0 for exact; else Bands*BandBits == 256
	BandBits int  // a multiple of 8
	Probes   int  // 0 or 1: bits flipped per probe at query time
	Mode     Mode // ModeOpen refuses BandBits < 64
}

// DefaultLayout is the open-mode layout a release uses unless it says
// otherwise; docs/filter.md has the measurements behind it.
var DefaultLayout = Layout{Bands: 4, BandBits: 64, Probes: 1}

// PigeonholeDistance is the largest Hamming distance at which a copy is
// certain to share a key with the original: Bands-1 without probes,
// 2*Bands-1 with one-bit probes, 0 for exact.
func (l Layout) PigeonholeDistance() int {
	if l.Bands == 0 {
		return 0
	}
	return (1+l.Probes)*l.Bands - 1
}

// QueryKeysPerPDQ is the number of keys a PDQ hash produces at query time.
func (l Layout) QueryKeysPerPDQ() int {
	if l.Bands == 0 {
		return 1
	}
	return l.Bands * (1 + l.Probes*l.BandBits)
}

// Validate reports whether l is a layout this package can derive keys for.
// Its errors match ErrLayout.
func (l Layout) Validate() error {
	if l.Mode != ModeOpen && l.Mode != ModeOblivious {
		return wrap(ErrLayout, "bloom: unknown layout mode")
	}
	if l.Probes != 0 && l.Probes != 1 {
		return wrap(ErrLayout, "bloom: layout probes must be 0 or 1")
	}
	if l.Bands == 0 {
		if l.BandBits != 0 || l.Probes != 0 {
			return wrap(ErrLayout, "bloom: exact layout takes no band size or probes")
		}
		return nil
	}
	if l.Bands < 0 || l.BandBits < 8 || l.BandBits%8 != 0 || l.Bands*l.BandBits != 256 {
		return wrap(ErrLayout, "bloom: layout bands must split 256 bits into whole bytes")
	}
	if l.Mode == ModeOpen && l.BandBits < 64 {
		return wrap(ErrLayout, "bloom: open-mode layout with "+itoa(uint64(l.BandBits))+"-bit bands: bands under 64 bits can be enumerated offline; use oblivious mode")
	}
	return nil
}

// String is the layout's text form, the inverse of ParseLayout.
func (l Layout) String() string {
	s := "exact"
	if l.Bands != 0 {
		s = itoa(uint64(l.Bands)) + "x" + itoa(uint64(l.BandBits))
	}
	if l.Probes != 0 {
		s += "+p" + itoa(uint64(l.Probes))
	}
	if l.Mode == ModeOblivious {
		s += "/oblivious"
	}
	return s
}

// ParseLayout parses the text form and validates it. Only the canonical
// form is accepted, so a manifest's layout string has one spelling.
func ParseLayout(s string) (Layout, error) {
	var l Layout
	rest := s
	if len(rest) >= 10 && rest[len(rest)-10:] == "/oblivious" {
		l.Mode = ModeOblivious
		rest = rest[:len(rest)-10]
	}
	if len(rest) >= 3 && rest[len(rest)-3:] == "+p1" {
		l.Probes = 1
		rest = rest[:len(rest)-3]
	}
	if rest != "exact" {
		i := 0
		for i < len(rest) && rest[i] != 'x' {
			i++
		}
		var ok1, ok2 bool
		l.Bands, ok1 = atoi(rest[:i])
		if i < len(rest) {
			l.BandBits, ok2 = atoi(rest[i+1:])
		}
		if !ok1 || !ok2 {
			return Layout{}, wrap(ErrLayout, "bloom: malformed layout "+quote(s))
		}
	}
	if err := l.Validate(); err != nil {
		return Layout{}, err
	}
	if l.String() != s {
		return Layout{}, wrap(ErrLayout, "bloom: layout "+quote(s)+" is not in canonical form "+quote(l.String()))
	}
	return l, nil
}

// atoi parses a small positive decimal without leading zeros.
func atoi(s string) (int, bool) {
	if len(s) == 0 || len(s) > 3 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = 10*n + int(c-'0')
	}
	return n, true
}
