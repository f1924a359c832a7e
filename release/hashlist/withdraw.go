package hashlist

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

// ErrWithdrawFile is matched by ParseWithdrawals' errors for a line that is
// not a withdrawal.
var ErrWithdrawFile = errors.New("hashlist: bad withdrawal line")

// maxWithdrawLine bounds one line of a withdrawal file.
const maxWithdrawLine = 4096

// ParseWithdrawals reads a withdrawal file: one withdrawal a line,
//
//	ENTRY  UNTIL  REASON...
//
// separated by tabs or spaces. ENTRY is an entry id as match events and
// `hashgate inspect` name it (pdq-3f1c…, 32 hex digits), or the listed
// hash as TYPE:HEX (pdq:…, md5:…; any type name the lists take), or
// vpdq:VIDEO-ID. UNTIL is "-" for withdrawn for good, or an RFC 3339 time
// (or YYYY-MM-DD, midnight UTC) until which the entry is disabled. REASON,
// the rest of the line, is required. Blank lines and lines starting with
// '#' are skipped. name is used in error messages.
func ParseWithdrawals(r io.Reader, name string) ([]release.Withdrawal, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxWithdrawLine)
	var out []release.Withdrawal
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		w, msg := parseWithdrawLine(text)
		if msg != "" {
			return nil, errors.Join(ErrWithdrawFile, errors.New(name+":"+strconv.Itoa(line)+": "+msg))
		}
		out = append(out, w)
	}
	if err := sc.Err(); err != nil {
		return nil, errors.Join(ErrWithdrawFile, errors.New(name+": "+err.Error()))
	}
	return out, nil
}

// ReadWithdrawals is ParseWithdrawals of the file at path.
func ReadWithdrawals(path string) ([]release.Withdrawal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseWithdrawals(f, baseName(path))
}

func parseWithdrawLine(text string) (release.Withdrawal, string) {
	var w release.Withdrawal
	entry, rest := cutField(text)
	until, reason := cutField(rest)
	if entry == "" || until == "" || reason == "" {
		return w, "want ENTRY UNTIL REASON (UNTIL \"-\" for good)"
	}
	id, msg := parseEntryRef(entry)
	if msg != "" {
		return w, msg
	}
	w.Entry, w.Reason = id, reason
	if until != "-" {
		t, err := parseDate(until)
		if err != nil {
			return w, "until " + quote(until) + " is not \"-\", an RFC 3339 time or YYYY-MM-DD"
		}
		if t.Unix() <= 0 {
			return w, "until " + quote(until) + " is not after 1970"
		}
		w.Until = t.UTC().Truncate(time.Second)
	}
	if len(w.Reason) > 1024 {
		return w, "reason longer than 1024 bytes"
	}
	return w, ""
}

// cutField splits off the first tab- or space-separated field.
func cutField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// parseEntryRef turns an entry id or TYPE:HEX into the entry id.
func parseEntryRef(s string) (string, string) {
	if release.ValidEntryID(s) {
		return s, ""
	}
	typ, val, ok := strings.Cut(s, ":")
	if !ok {
		return "", "entry " + quote(s) + " is neither an entry id (kind-32 hex digits) nor TYPE:HEX"
	}
	kind, ok := ParseSignalType(typ)
	if !ok {
		return "", "unknown type " + quote(typ)
	}
	if kind == fingerprint.KindVPDQ {
		if val == "" || len(val) > 256 {
			return "", "vpdq: want a video id of 1 to 256 bytes"
		}
		return release.EntryID(kind, []byte(val)), ""
	}
	var buf [32]byte
	v, msg := decodeValue(buf[:], kind, []byte(val))
	if msg != "" {
		return "", msg
	}
	return release.EntryID(kind, v), ""
}
