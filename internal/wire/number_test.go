package wire

import (
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var jsonNumberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// checkFloat holds ParseFloat to strconv.ParseFloat, the reference it
// stands in for: on JSON numbers the same bits and the same failures
// (overflow), anything else refused.
func checkFloat(t *testing.T, s string) {
	t.Helper()
	got, ok := ParseFloat(s)
	if !jsonNumberRE.MatchString(s) {
		if ok {
			t.Fatalf("ParseFloat(%q) accepted a non-JSON number", s)
		}
		return
	}
	want, err := strconv.ParseFloat(s, 64)
	if ok != (err == nil) {
		t.Fatalf("ParseFloat(%q): ok %v, strconv: %v, %v", s, ok, want, err)
	}
	if ok && math.Float64bits(got) != math.Float64bits(want) {
		t.Fatalf("ParseFloat(%q) = %v (%#x), strconv %v (%#x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
	}
}

func TestParseJSONFloat(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "0.0", "1", "-1", "0.001", "1e-6", "1E+2", "1e0", "0e999999999999", "1e-400", "-1e-400",
		"2e-324", "3e-324", "2.4703282292062328e-324", "2.4703282292062327e-324", "4.9406564584124654e-324",
		"2.2250738585072011e-308", "2.2250738585072012e-308", "2.225073858507201136057409796709131975934819546351645648e-308",
		"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309", "1e310",
		"9007199254740993", "9007199254740992.5", "9007199254740993.0000000000000000000001",
		"0.1", "0.2", "0.3", "123456789012345678901234567890", "1e23", "8.589973e9", "5e-324",
		"01", "1.", ".5", "+1", "1e", "1e+", "-", "", "1.5e3x", "0x10", "inf", "NaN", "1_0", "--1", "1e1.5",
		strings.Repeat("9", 900), "0." + strings.Repeat("0", 900) + "1", "1." + strings.Repeat("0", 1000) + "1",
		"1e99999999999999999999999", "1e-99999999999999999999999", "1e10000", "1e-10000",
		"0." + strings.Repeat("0", 9700) + "1e10005", strings.Repeat("1", 9800) + "e-10004",
	} {
		checkFloat(t, s)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		checkFloat(t, strconv.FormatFloat(f, 'g', -1, 64))
		checkFloat(t, strconv.FormatFloat(f, 'e', rng.IntN(25), 64))
	}
	// Exactly halfway between neighbours, and one unit either side in the
	// 800th digit: the cases correct rounding hinges on.
	for range 3000 {
		f := math.Abs(math.Float64frombits(rng.Uint64()))
		if math.IsNaN(f) || math.IsInf(f, 0) || f == math.MaxFloat64 {
			continue
		}
		a := new(big.Float).SetPrec(2100).SetFloat64(f)
		b := new(big.Float).SetPrec(2100).SetFloat64(math.Nextafter(f, math.Inf(1)))
		mid := new(big.Float).SetPrec(2100).Add(a, b)
		mid.Quo(mid, big.NewFloat(2).SetPrec(2100))
		s := mid.Text('e', 790)
		checkFloat(t, s)
		mant, exp, _ := strings.Cut(s, "e")
		for _, last := range []string{"0001", "9999"} {
			checkFloat(t, mant+last+"e"+exp)
		}
		checkFloat(t, strings.TrimRight(strings.TrimRight(mant, "0"), ".")+"e"+exp)
	}
	// Random digit strings and exponents across the whole range.
	for range 20000 {
		n := 1 + rng.IntN(30)
		var b strings.Builder
		b.WriteByte(byte('1' + rng.IntN(9)))
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		b.WriteString("e" + strconv.Itoa(rng.IntN(700)-350))
		checkFloat(t, b.String())
	}
}

// FuzzParseJSONFloat is differential: ParseFloat against strconv.
func FuzzParseJSONFloat(f *testing.F) {
	for _, s := range []string{"0", "-0", "1e-6", "0.001", "2.4703282292062328e-324", "1.7976931348623159e308", "9007199254740993", "1.5e3x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkFloat(t, s) })
}

func TestParseDecimal(t *testing.T) {
	for _, tc := range []struct {
		s    string
		bits int
	}{
		{"0", 64}, {"1", 64}, {"01", 16}, {"65535", 16}, {"65536", 16}, {"18446744073709551615", 64},
		{"18446744073709551616", 64}, {"99999999999999999999", 64}, {"", 64}, {"+1", 64}, {"-1", 64},
		{"1.0", 64}, {"1e3", 64}, {"1_0", 64}, {" 1", 64}, {"4294967296", 32},
	} {
		got, ok := ParseUint(tc.s, tc.bits)
		want, err := strconv.ParseUint(tc.s, 10, tc.bits)
		if ok != (err == nil) || ok && got != want {
			t.Errorf("ParseUint(%q, %d) = %d, %v; strconv %d, %v", tc.s, tc.bits, got, ok, want, err)
		}
	}
}

// FuzzParseUint is differential: ParseUint against strconv.ParseUint.
func FuzzParseUint(f *testing.F) {
	f.Add("18446744073709551615", uint8(64))
	f.Add("65536", uint8(16))
	f.Fuzz(func(t *testing.T, s string, b uint8) {
		bits := []int{8, 16, 32, 64}[b%4]
		got, ok := ParseUint(s, bits)
		want, err := strconv.ParseUint(s, 10, bits)
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("ParseUint(%q, %d) = %d, %v; strconv %d, %v", s, bits, got, ok, want, err)
		}
	})
}

func TestQuote(t *testing.T) {
	for _, s := range []string{"", "ed25519", `a"b\c`, "tab\there", "nl\n", "\x00\x7f", "é", "\xff"} {
		got := Quote(s)
		if uq, err := strconv.Unquote(got); err != nil || uq != s {
			t.Errorf("Quote(%q) = %s does not unquote to the input: %q, %v", s, got, uq, err)
		}
		printable := true
		for _, c := range []byte(s) {
			printable = printable && c >= 0x20 && c < 0x7f
		}
		if printable && got != strconv.Quote(s) {
			t.Errorf("Quote(%q) = %s, strconv.Quote %s", s, got, strconv.Quote(s))
		}
	}
}
