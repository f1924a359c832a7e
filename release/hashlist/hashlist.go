// Package hashlist reads the hash lists publishers start from and turns them
// into release.ListEntry values: de-duplicated, with every bad line reported
// by file and line number.
//
// Three text forms are read, detected per line (CSV per file, by its header):
//
//   - python-threatexchange's local-file exchange (LocalFileSignalExchangeAPI):
//     "<signal_type> <signal>" per line, the type being the SignalType name
//     ("pdq", "video_md5", "photo_md5"; class_name_to_human_name of the
//     signal class). Types that are not image/video hashes hashgate knows
//     ("url", "raw_text", "video_tmk_pdqf", ...) are reported and skipped.
//   - "TYPE<TAB>HEX[<TAB>labels]", labels separated by commas.
//   - CSV with a header naming at least the columns signal_type and signal;
//     optional columns labels (separated by ';' or ','), quality (PDQ
//     quality 0-100), source, added (RFC 3339 or YYYY-MM-DD).
//
// Blank lines and lines starting with '#' are skipped. A line with a bare
// hash takes Options.DefaultKind. PDQ hashes with a known quality below
// Options.MinPDQQuality (50, Meta's recommended floor) are dropped and
// counted unless Options.KeepLowQuality.
//
// This package is publisher-side only (it uses encoding/csv and fmt); it
// never goes into the wasm checker.
package hashlist

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

// DefaultMinPDQQuality is the quality below which PDQ hashes are not listed:
// the PDQ paper and ThreatExchange treat lower-quality hashes as unreliable.
const DefaultMinPDQQuality = 50

// MaxLineLen bounds one input line.
const MaxLineLen = 64 << 10

// ErrInvalid is wrapped by the error returned in strict mode.
var ErrInvalid = errors.New("hashlist: invalid line")

// Options configure reading.
type Options struct {
	Source         string           // recorded on every entry; default: the file's base name
	DefaultKind    fingerprint.Kind // for lines holding only a hash
	Strict         bool             // fail on the first invalid line instead of skipping it
	MinPDQQuality  int              // default DefaultMinPDQQuality
	KeepLowQuality bool             // keep PDQ hashes below MinPDQQuality
	Added          time.Time        // date added for entries without one; default: now
}

// Problem is one skipped line.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return p.File + ":" + strconv.Itoa(p.Line) + ": " + p.Msg }

// List accumulates entries over several files, de-duplicating by kind and
// value (labels of duplicates are merged).
type List struct {
	Entries    []release.ListEntry
	Problems   []Problem
	Duplicates int // lines that repeated an entry already listed
	LowQuality int // PDQ hashes dropped for quality
	index      map[string]int
}

// Len is the number of distinct entries.
func (l *List) Len() int { return len(l.Entries) }

// signalKinds maps python-threatexchange signal type names and hashgate's
// own names to kinds.
var signalKinds = map[string]fingerprint.Kind{
	"pdq":       fingerprint.KindPDQ,
	"photo_pdq": fingerprint.KindPDQ,
	"video_md5": fingerprint.KindMD5,
	"photo_md5": fingerprint.KindMD5,
	"md5":       fingerprint.KindMD5,
	"sha256":    fingerprint.KindSHA256,
	"sha-256":   fingerprint.KindSHA256,
	"phash":     fingerprint.KindPHash,
	"dhash":     fingerprint.KindDHash,
	"ahash":     fingerprint.KindAHash,
}

// ParseSignalType maps a list's type name (case-insensitive) to a kind.
func ParseSignalType(s string) (fingerprint.Kind, bool) {
	k, ok := signalKinds[strings.ToLower(strings.TrimSpace(s))]
	return k, ok
}

// AddFile reads one list file into l.
func (l *List) AddFile(path string, o Options) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("hashlist: %w", err)
	}
	defer f.Close()
	return l.Add(f, path, o)
}

// Add reads one list from r; name is used in problems and as the default
// source. In strict mode the first invalid line is returned as an error
// wrapping ErrInvalid; otherwise it is recorded in l.Problems and skipped.
func (l *List) Add(r io.Reader, name string, o Options) error {
	if o.MinPDQQuality == 0 {
		o.MinPDQQuality = DefaultMinPDQQuality
	}
	if o.Source == "" {
		o.Source = baseName(name)
	}
	if o.Added.IsZero() {
		o.Added = time.Now().UTC().Truncate(24 * time.Hour)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	// Peek at the first content line to tell CSV (header) from line formats.
	head, _ := br.Peek(4096)
	if isCSVHeader(head) {
		return l.addCSV(br, name, o)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLen)
	line := 0
	for sc.Scan() {
		line++
		if err := l.addLine(sc.Text(), name, line, o); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("hashlist: %s:%d: %w", name, line+1, err)
	}
	return nil
}

func (l *List) problem(name string, line int, o Options, msg string) error {
	p := Problem{File: name, Line: line, Msg: msg}
	if o.Strict {
		return fmt.Errorf("%w: %s", ErrInvalid, p)
	}
	l.Problems = append(l.Problems, p)
	return nil
}

// addLine handles one line of the pytx or tab-separated form.
func (l *List) addLine(text, name string, line int, o Options) error {
	text = strings.TrimSpace(text)
	if text == "" || text[0] == '#' {
		return nil
	}
	var typ, value, labels string
	if strings.Contains(text, "\t") {
		f := strings.Split(text, "\t")
		if len(f) > 3 {
			return l.problem(name, line, o, "want TYPE<TAB>HEX[<TAB>labels], got "+strconv.Itoa(len(f))+" fields")
		}
		typ, value = f[0], f[1]
		if len(f) == 3 {
			labels = f[2]
		}
	} else if t, v, ok := strings.Cut(text, " "); ok {
		typ, value = t, strings.TrimSpace(v)
	} else {
		value = text
	}
	kind := o.DefaultKind
	if typ != "" {
		k, ok := ParseSignalType(typ)
		if !ok {
			return l.problem(name, line, o, "unsupported signal type "+strconv.Quote(trunc(typ)))
		}
		kind = k
	}
	if kind == fingerprint.KindUnknown {
		return l.problem(name, line, o, "no signal type (bare hash; set a default type)")
	}
	return l.addValue(kind, value, splitLabels(labels), -1, o.Source, time.Time{}, name, line, o)
}

// addValue validates one hash and adds it.
func (l *List) addValue(kind fingerprint.Kind, value string, labels []string, quality int,
	source string, added time.Time, name string, line int, o Options) error {
	raw, err := parseValue(kind, strings.TrimSpace(value))
	if err != nil {
		return l.problem(name, line, o, err.Error())
	}
	if kind == fingerprint.KindPDQ && quality >= 0 && quality < o.MinPDQQuality && !o.KeepLowQuality {
		l.LowQuality++
		return nil
	}
	if added.IsZero() {
		added = o.Added
	}
	if source == "" {
		source = o.Source
	}
	l.add(release.ListEntry{Kind: kind, Value: raw, Labels: labels, Source: source, Added: added})
	return nil
}

// Append adds an entry (e.g. from hashing media), de-duplicating.
func (l *List) Append(e release.ListEntry) { l.add(e) }

func (l *List) add(e release.ListEntry) {
	if l.index == nil {
		l.index = map[string]int{}
	}
	k := string(byte(e.Kind)) + string(e.Value)
	if i, ok := l.index[k]; ok {
		l.Duplicates++
		prev := &l.Entries[i]
		for _, lab := range e.Labels {
			if !slices.Contains(prev.Labels, lab) {
				prev.Labels = append(prev.Labels, lab)
			}
		}
		return
	}
	l.index[k] = len(l.Entries)
	l.Entries = append(l.Entries, e)
}

// parseValue parses a hash's text form into its raw list bytes.
func parseValue(kind fingerprint.Kind, s string) ([]byte, error) {
	s = strings.ToLower(s)
	switch kind {
	case fingerprint.KindPDQ:
		h, err := fingerprint.ParsePDQ(s)
		return h[:], err
	case fingerprint.KindSHA256:
		h, err := fingerprint.ParseSHA256(s)
		return h[:], err
	case fingerprint.KindMD5:
		h, err := fingerprint.ParseMD5(s)
		return h[:], err
	case fingerprint.KindPHash, fingerprint.KindDHash, fingerprint.KindAHash:
		h, err := fingerprint.ParseHash64(s)
		if err != nil {
			return nil, err
		}
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte(h >> (56 - 8*i))
		}
		return b, nil
	}
	return nil, errors.New("hashlist: unsupported kind " + kind.String())
}

func splitLabels(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		f = strings.TrimSpace(f)
		if f != "" && len(f) <= 256 && !slices.Contains(out, f) && len(out) < 64 {
			out = append(out, f)
		}
	}
	return out
}

// isCSVHeader reports whether the first non-comment line of head is a CSV
// header with signal_type and signal columns.
func isCSVHeader(head []byte) bool {
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		cols := strings.Split(strings.ToLower(line), ",")
		return slices.Contains(cols, "signal_type") && slices.Contains(cols, "signal")
	}
	return false
}

func (l *List) addCSV(r io.Reader, name string, o Options) error {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("hashlist: %s: CSV header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	get := func(rec []string, c string) string {
		if i, ok := col[c]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if perr := l.problem(name, pe.Line, o, "CSV: "+pe.Err.Error()); perr != nil {
					return perr
				}
				continue
			}
			return fmt.Errorf("hashlist: %s: %w", name, err)
		}
		if len(rec) != len(header) {
			if perr := l.problem(name, line, o, "want "+strconv.Itoa(len(header))+" columns, got "+strconv.Itoa(len(rec))); perr != nil {
				return perr
			}
			continue
		}
		kind, ok := ParseSignalType(get(rec, "signal_type"))
		if !ok {
			if perr := l.problem(name, line, o, "unsupported signal type "+strconv.Quote(trunc(get(rec, "signal_type")))); perr != nil {
				return perr
			}
			continue
		}
		quality := -1
		if q := strings.TrimSpace(get(rec, "quality")); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil || n < 0 || n > 100 {
				if perr := l.problem(name, line, o, "quality "+strconv.Quote(trunc(q))+" is not 0-100"); perr != nil {
					return perr
				}
				continue
			}
			quality = n
		}
		var added time.Time
		if a := strings.TrimSpace(get(rec, "added")); a != "" {
			added, err = parseDate(a)
			if err != nil {
				if perr := l.problem(name, line, o, "added "+strconv.Quote(trunc(a))+" is not RFC 3339 or YYYY-MM-DD"); perr != nil {
					return perr
				}
				continue
			}
		}
		src := strings.TrimSpace(get(rec, "source"))
		if err := l.addValue(kind, get(rec, "signal"), splitLabels(get(rec, "labels")), quality, src, added, name, line, o); err != nil {
			return err
		}
	}
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse("2006-01-02", s)
	return t.UTC(), err
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
