package edge

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOPRFAPIKeys(t *testing.T) {
	good := "# platform budgets\n\nexample-platform-key-0001 50 5000\n\tother-platform-key-0002\t2.5  512 \n"
	got, err := ParseOPRFAPIKeys(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["example-platform-key-0001"] != (OPRFBudget{50, 5000}) || got["other-platform-key-0002"] != (OPRFBudget{2.5, 512}) {
		t.Fatalf("%+v", got)
	}
	c := DefaultOPRFConfig()
	c.APIKeys = got
	if err := c.validate(); err != nil {
		t.Fatalf("parsed budgets do not validate: %v", err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"two fields", "example-platform-key-0001 50\n", "line 1: want KEY"},
		{"short key", "shortkey 50 5000\n", "16 to 256"},
		{"zero rate", "example-platform-key-0001 0 5000\n", "PER_SECOND"},
		{"NaN rate", "example-platform-key-0001 NaN 5000\n", "PER_SECOND"},
		{"small burst", "example-platform-key-0001 5 100\n", "BURST"},
		{"duplicate", "example-platform-key-0001 5 600\n# x\nexample-platform-key-0001 6 700\n", "line 3: the key is given twice"},
		{"control byte", "example-platform-key\x01001 5 600\n", "printable"},
		{"too large", strings.Repeat("#", maxAPIKeyFile+1), "over"},
	} {
		_, err := ParseOPRFAPIKeys(strings.NewReader(tc.in))
		if !errors.Is(err, ErrAPIKeys) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrAPIKeys with %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "example-platform-key") {
			t.Errorf("%s: the error names the key: %v", tc.name, err)
		}
	}
}

// FuzzParseOPRFAPIKeys: no input panics, and whatever parses validates as
// an OPRFConfig's APIKeys.
func FuzzParseOPRFAPIKeys(f *testing.F) {
	f.Add("example-platform-key-0001 50 5000\n")
	f.Add("# c\n\nk-0123456789abcdef 1e3 512\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseOPRFAPIKeys(strings.NewReader(in))
		if err != nil {
			return
		}
		c := DefaultOPRFConfig()
		c.APIKeys = got
		if err := c.validate(); err != nil {
			t.Fatalf("%q parsed but does not validate: %v", in, err)
		}
	})
}
