package wire

import (
	"math"
	"math/bits"
)

// Numbers in the manifest, parsed without strconv's ParseUint and
// ParseFloat: those link strconv's error type (and through it Quote and
// the Unicode printability tables) and ParseFloat's Eisel-Lemire tables,
// ~10 KB of the compressed wasm module for one float field. Tests hold
// both to strconv by fuzzing, bit for bit.

// ParseUint reads one or more ASCII digits as an unsigned integer of at
// most bitSize bits, as strconv.ParseUint(s, 10, bitSize) does.
func ParseUint(s string, bitSize int) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	limit := uint64(1)<<bitSize - 1
	if bitSize == 64 {
		limit = math.MaxUint64
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		hi, lo := bits.Mul64(n, 10)
		lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if hi != 0 || carry != 0 || lo > limit {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// maxDigits is how many significant digits ParseFloat keeps. A value
// halfway between two float64s has at most 767 significant digits, so 800
// digits and a sticky digit for any nonzero ones dropped decide rounding
// exactly.
const maxDigits = 800

// ParseFloat reads a JSON number (RFC 8259 grammar:
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?) as the float64 nearest to
// it, ties to even, as strconv.ParseFloat(s, 64) does. It fails on other
// syntax and where ParseFloat reports overflow; values too small for a
// subnormal round to zero, as there.
func ParseFloat(s string) (float64, bool) {
	i := 0
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	// value = digits × 10^exp10, digits without leading zeros.
	var digits []byte
	sticky := false
	exp10 := 0
	add := func(c byte) {
		switch {
		case len(digits) == 0 && c == '0':
		case len(digits) < maxDigits:
			digits = append(digits, c)
		default:
			exp10++ // dropped: the kept digits move up one place
			sticky = sticky || c != '0'
		}
	}
	start := i
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		add(s[i])
		i++
	}
	if i == start || s[start] == '0' && i-start > 1 {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			add(s[i])
			exp10-- // one place further right (add undoes it for a dropped digit)
			i++
		}
		if i == start {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start = i
		e := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			// As strconv reads it: digits past 10000 are ignored. Only an
			// input with thousands of leading zeros can tell, and then
			// this keeps the two answers the same.
			if e < 10000 {
				e = 10*e + int(s[i]-'0')
			}
			i++
		}
		if i == start {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp10 += e
	}
	if i != len(s) {
		return 0, false
	}
	f, ok := decimalToFloat(digits, sticky, exp10)
	if neg {
		f = -f
	}
	return f, ok
}

// decimalToFloat rounds digits × 10^exp10 (plus a little more when sticky:
// nonzero digits were dropped) to the nearest float64, ties to even. It
// fails on overflow.
func decimalToFloat(digits []byte, sticky bool, exp10 int) (float64, bool) {
	if len(digits) == 0 {
		return 0, true
	}
	if sticky {
		// One more digit, 1: strictly between the kept digits and the
		// next value they could round to, as the true value is.
		digits = append(digits, '1')
		exp10--
	}
	// The value lies in [10^(mag-1), 10^mag).
	switch mag := len(digits) + exp10; {
	case mag < -330: // below 10^-331: under half the smallest subnormal
		return 0, true
	case mag > 310: // at least 10^309: over MaxFloat64
		return 0, false
	}
	num := natFromDigits(digits)
	den := nat{1}
	for ; exp10 > 0; exp10-- {
		num = num.mulAdd(10, 0)
	}
	for ; exp10 < 0; exp10++ {
		den = den.mulAdd(10, 0)
	}
	// q = ⌊num·2^k / den⌋ with 2^54 <= q < 2^55 or one bit fewer: the
	// value is q·2^-k, give or take what the remainder leaves.
	k := 54 - (num.bitLen() - den.bitLen())
	if k >= 0 {
		num = num.shl(uint(k))
	} else {
		den = den.shl(uint(-k))
	}
	q, rest := divSmallQuotient(num, den, 55)
	sticky = rest
	if q >= 1<<54 {
		sticky = sticky || q&1 != 0
		q >>= 1
		k--
	}
	// q now has 54 bits: 53 of mantissa and a rounding bit. The mantissa's
	// last bit may not be finer than 2^-1074 (subnormals): shift the
	// rounding bit up to 2^-1075 at most.
	if k > 1075 {
		s := uint(k - 1075)
		if s >= 64 {
			sticky = sticky || q != 0
			q = 0
		} else {
			sticky = sticky || q&(1<<s-1) != 0
			q >>= s
		}
		k = 1075
	}
	m := q >> 1
	if q&1 != 0 && (sticky || m&1 != 0) {
		m++
	}
	e := 1 - k // value = m·2^e
	if m != 0 && bits.Len64(m)-1+e >= 1024 {
		return 0, false
	}
	return math.Ldexp(float64(m), e), true
}

// nat is a little-endian natural number in 32-bit limbs, just enough of
// one for decimalToFloat. Sizes stay small: at most 801 digits times at
// most 10^1131.
type nat []uint32

func natFromDigits(d []byte) nat {
	x := nat{}
	for _, c := range d {
		x = x.mulAdd(10, uint32(c-'0'))
	}
	return x
}

// mulAdd returns x·m + a.
func (x nat) mulAdd(m, a uint32) nat {
	carry := uint64(a)
	for i, l := range x {
		v := uint64(l)*uint64(m) + carry
		x[i] = uint32(v)
		carry = v >> 32
	}
	if carry != 0 {
		x = append(x, uint32(carry))
	}
	return x
}

func (x nat) norm() nat {
	for len(x) > 0 && x[len(x)-1] == 0 {
		x = x[:len(x)-1]
	}
	return x
}

func (x nat) bitLen() int {
	x = x.norm()
	if len(x) == 0 {
		return 0
	}
	return 32*(len(x)-1) + bits.Len32(x[len(x)-1])
}

// shl returns x·2^s in new storage.
func (x nat) shl(s uint) nat {
	words, sh := int(s/32), s%32
	z := make(nat, len(x)+words+1)
	for i, l := range x {
		z[i+words] |= l << sh
		if sh != 0 {
			z[i+words+1] = l >> (32 - sh)
		}
	}
	return z.norm()
}

// cmp compares normalised x and y.
func (x nat) cmp(y nat) int {
	if len(x) != len(y) {
		if len(x) < len(y) {
			return -1
		}
		return 1
	}
	for i := len(x) - 1; i >= 0; i-- {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// sub sets x to x−y in place; x >= y.
func (x nat) sub(y nat) nat {
	var borrow uint32
	for i := range x {
		var yi uint32
		if i < len(y) {
			yi = y[i]
		}
		x[i], borrow = bits.Sub32(x[i], yi, borrow)
	}
	return x.norm()
}

// shr1 halves x in place.
func (x nat) shr1() nat {
	for i := range x {
		x[i] >>= 1
		if i+1 < len(x) {
			x[i] |= x[i+1] << 31
		}
	}
	return x.norm()
}

// divSmallQuotient returns ⌊a/b⌋, known to be below 2^n (n < 64), and
// whether the remainder is nonzero, by binary long division.
func divSmallQuotient(a, b nat, n uint) (q uint64, rest bool) {
	a = append(nat(nil), a.norm()...)
	d := b.norm().shl(n)
	for i := int(n); i >= 0; i-- {
		if a.cmp(d) >= 0 {
			a = a.sub(d)
			q |= 1 << uint(i)
		}
		d = d.shr1()
	}
	return q, len(a) != 0
}
