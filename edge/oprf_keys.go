package edge

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hashgate/hashgate/oblivious"
)

// ErrAPIKeys is a malformed API-key budget file (ParseOPRFAPIKeys).
var ErrAPIKeys = errors.New("edge: malformed oprf API-key file")

// maxAPIKeyFile bounds the file ParseOPRFAPIKeys reads.
const maxAPIKeyFile = 1 << 20

// ParseOPRFAPIKeys reads per-platform evaluation budgets for OPRFConfig's
// APIKeys: one key a line, "KEY PER_SECOND BURST", fields separated by
// spaces or tabs; blank lines and lines starting with # are skipped. A key
// is 16 to 256 printable ASCII characters without spaces (a platform sends
// it as "Authorization: Bearer KEY"); PER_SECOND is evaluations a second
// (> 0) and BURST at least one full request (oblivious.MaxElements). A key
// given twice, or any line that does not parse, is an error naming the line
// (never the key) matching ErrAPIKeys.
func ParseOPRFAPIKeys(r io.Reader) (map[string]OPRFBudget, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAPIKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxAPIKeyFile {
		return nil, fmt.Errorf("%w: over %d bytes", ErrAPIKeys, maxAPIKeyFile)
	}
	out := map[string]OPRFBudget{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxAPIKeyFile)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		bad := func(why string) error { return fmt.Errorf("%w: line %d: %s", ErrAPIKeys, n, why) }
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, bad("want KEY PER_SECOND BURST")
		}
		key := f[0]
		if len(key) < 16 || len(key) > 256 {
			return nil, bad("a key is 16 to 256 characters")
		}
		for i := 0; i < len(key); i++ {
			if key[i] <= ' ' || key[i] > '~' {
				return nil, bad("a key is printable ASCII")
			}
		}
		rate, err := strconv.ParseFloat(f[1], 64)
		if err != nil || !(rate > 0) || rate > 1e9 {
			return nil, bad("PER_SECOND must be a number above 0")
		}
		burst, err := strconv.Atoi(f[2])
		if err != nil || burst < oblivious.MaxElements || burst > 1<<30 {
			return nil, bad("BURST must be a whole number of at least " + strconv.Itoa(oblivious.MaxElements) + " (one full request)")
		}
		if _, dup := out[key]; dup {
			return nil, bad("the key is given twice")
		}
		out[key] = OPRFBudget{PerSecond: rate, Burst: burst}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAPIKeys, err)
	}
	return out, nil
}
