package hashlist

import (
	"bufio"
	"bytes"
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
	"github.com/hashgate/hashgate/internal/wire"
	"github.com/hashgate/hashgate/release"
)

// DefaultMinPDQQuality is the quality below which PDQ hashes are not listed:
// the PDQ paper and ThreatExchange treat lower-quality hashes as unreliable.
const DefaultMinPDQQuality = 50

// MaxLineLen bounds one input line: a vpdq signal line holds a whole
// video's frames (about 80 bytes each).
const MaxLineLen = maxVideoJSON + 1024

// ErrInvalid is wrapped by the error returned in strict mode.
var ErrInvalid = errors.New("hashlist: invalid line")

// Options configure reading.
type Options struct {
	Source         string           // recorded on entries without a source of their own; default: none
	DefaultKind    fingerprint.Kind // for lines holding only a hash
	Strict         bool             // fail on the first invalid line instead of skipping it
	MinPDQQuality  int              // default DefaultMinPDQQuality
	KeepLowQuality bool             // keep PDQ hashes below MinPDQQuality
	Added          time.Time        // date added for entries without one; default: now
	// Columns maps column roles (ColType, ColValue, ...) to a CSV's header
	// names (lower case), over the known aliases; see ParseColumns.
	Columns map[string]string

	at string // prefix of problem messages: a JSON record's position
}

// Problem is one skipped line.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line <= 0 { // a record of a JSON document: Msg names it
		return p.File + ": " + p.Msg
	}
	return p.File + ":" + strconv.Itoa(p.Line) + ": " + p.Msg
}

// List accumulates entries over several files, de-duplicating by kind and
// value (labels of duplicates are merged).
type List struct {
	Entries    []release.ListEntry
	Problems   []Problem
	Duplicates int // lines that repeated an entry already listed
	LowQuality int // PDQ hashes dropped for quality
	// LowQualityFrames are video frames dropped for quality, and
	// LowQualityVideos videos dropped because no frame was left.
	LowQualityFrames, LowQualityVideos int

	index  map[entryKey]int32  // kind+value -> position in Entries
	arena  []byte              // backing store for entry values, allocated in blocks
	labels map[string][]string // interned label sets, shared between entries
}

// entryKey is an entry's kind and value, zero-padded: a map key without a
// string allocation per entry.
type entryKey [33]byte

func keyOf(kind fingerprint.Kind, value []byte) entryKey {
	if kind == fingerprint.KindVPDQ {
		return videoKey(value)
	}
	var k entryKey
	k[0] = byte(kind)
	copy(k[1:], value)
	return k
}

// Grow pre-sizes l for about n more entries, sparing the rehashing and
// copying of growing a multi-million-entry list step by step.
func (l *List) Grow(n int) {
	if l.index == nil {
		l.index = make(map[entryKey]int32, n)
	}
	l.Entries = slices.Grow(l.Entries, n)
}

// Finish returns the entries and drops the de-duplication index, which is as
// large as the entries themselves; l must not be added to afterwards.
func (l *List) Finish() []release.ListEntry {
	l.index, l.labels, l.arena = nil, nil, nil
	return l.Entries
}

// value copies b into the arena and returns the copy.
func (l *List) value(b []byte) []byte {
	if len(l.arena)+len(b) > cap(l.arena) {
		l.arena = make([]byte, 0, 256<<10)
	}
	n := len(l.arena)
	l.arena = append(l.arena, b...)
	return l.arena[n : n+len(b) : n+len(b)]
}

// labelSet interns the label set of a labels column.
func (l *List) labelSet(s string) []string {
	if s == "" {
		return nil
	}
	if ls, ok := l.labels[s]; ok {
		return ls
	}
	if l.labels == nil {
		l.labels = map[string][]string{}
	}
	ls := splitLabels(s)
	if len(l.labels) < 1<<16 {
		l.labels[s] = ls
	}
	return ls
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
	"vpdq":      fingerprint.KindVPDQ,
}

// ParseSignalType maps a list's type name (case-insensitive) to a kind:
// python-threatexchange's signal type names, ThreatExchange's indicator
// types (HASH_PDQ, HASH_MD5, ...) and hashgate's own.
func ParseSignalType(s string) (fingerprint.Kind, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if k, ok := signalKinds[s]; ok {
		return k, ok
	}
	k, ok := teKinds[s]
	return k, ok
}

func quote(s string) string { return strconv.Quote(trunc(s)) }

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
	if o.Added.IsZero() {
		o.Added = time.Now().UTC().Truncate(24 * time.Hour)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	// Peek at the first content line to tell CSV (header) from line formats.
	head, _ := br.Peek(4096)
	first := firstLine(head)
	if first != "" && (first[0] == '{' || first[0] == '[') {
		return l.addJSON(br, name, o)
	}
	if len(o.Columns) > 0 || looksLikeHeader(first) {
		return l.addCSV(br, name, o)
	}
	if isMetaVPDQ(head) {
		return l.addMetaVPDQ(br, name, o)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLen)
	line := 0
	for sc.Scan() {
		line++
		if err := l.addLine(sc.Bytes(), name, line, o); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("hashlist: %s:%d: %w", name, line+1, err)
	}
	return nil
}

func (l *List) problem(name string, line int, o Options, msg string) error {
	p := Problem{File: name, Line: line, Msg: o.at + msg}
	if o.Strict {
		return fmt.Errorf("%w: %s", ErrInvalid, p)
	}
	l.Problems = append(l.Problems, p)
	return nil
}

// addLine handles one line of the pytx or tab-separated form. It works on
// the scanner's bytes: a multi-million-line list should not cost a string
// per line.
func (l *List) addLine(text []byte, name string, line int, o Options) error {
	text = bytes.TrimSpace(text)
	if len(text) == 0 || text[0] == '#' {
		return nil
	}
	var typ, value, labels []byte
	if i := bytes.IndexByte(text, '\t'); i >= 0 {
		typ, value = text[:i], text[i+1:]
		if j := bytes.IndexByte(value, '\t'); j >= 0 {
			value, labels = value[:j], value[j+1:]
			if bytes.IndexByte(labels, '\t') >= 0 {
				return l.problem(name, line, o, "want TYPE<TAB>HEX[<TAB>labels], got more fields")
			}
		}
	} else if i := bytes.IndexByte(text, ' '); i >= 0 {
		typ, value = text[:i], bytes.TrimSpace(text[i+1:])
	} else {
		value = text
	}
	kind := o.DefaultKind
	if len(typ) > 0 {
		k, ok := signalKinds[string(typ)]
		if !ok {
			if k, ok = ParseSignalType(string(typ)); !ok {
				return l.problem(name, line, o, "unsupported signal type "+strconv.Quote(trunc(string(typ))))
			}
		}
		kind = k
	}
	if kind == fingerprint.KindUnknown {
		return l.problem(name, line, o, "no signal type (bare hash; set a default type)")
	}
	if kind == fingerprint.KindVPDQ {
		return l.addVideoJSON(value, "", l.labelSet(string(labels)), o.Source, time.Time{}, name, line, o)
	}
	return l.addValue(kind, value, l.labelSet(string(labels)), -1, o.Source, time.Time{}, name, line, o)
}

// addValue validates one hash and adds it.
func (l *List) addValue(kind fingerprint.Kind, value []byte, labels []string, quality int,
	source string, added time.Time, name string, line int, o Options) error {
	var buf [32]byte
	raw, msg := decodeValue(buf[:], kind, bytes.TrimSpace(value))
	if msg != "" {
		return l.problem(name, line, o, msg)
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
		l.index = map[entryKey]int32{}
	}
	k := keyOf(e.Kind, e.Value)
	if i, ok := l.index[k]; ok {
		l.Duplicates++
		prev := &l.Entries[i]
		for _, lab := range e.Labels {
			if !slices.Contains(prev.Labels, lab) {
				// Clip first: the label slice may be shared (interned).
				prev.Labels = append(slices.Clip(prev.Labels), lab)
			}
		}
		return
	}
	e.Value = l.value(e.Value)
	l.index[k] = int32(len(l.Entries))
	l.Entries = append(l.Entries, e)
}

// decodeValue decodes a hash's hex text (either case) into dst and returns
// the raw list bytes, or a problem message.
func decodeValue(dst []byte, kind fingerprint.Kind, s []byte) ([]byte, string) {
	n := kind.ValueLen()
	if n == 0 {
		return nil, "unsupported kind " + kind.String()
	}
	if len(s) != 2*n {
		return nil, kind.String() + ": want " + strconv.Itoa(2*n) + " hex digits, got " + strconv.Itoa(len(s))
	}
	if at := wire.DecodeHex(dst[:n], s, false); at >= 0 {
		return nil, kind.String() + ": non-hex character at position " + strconv.Itoa(at+1)
	}
	return dst[:n], ""
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

// firstLine is the first line of head that is neither blank nor a comment,
// trimmed.
func firstLine(head []byte) string {
	for line := range strings.SplitSeq(string(head), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if line != "" && line[0] != '#' {
			return line
		}
	}
	return ""
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
	cols, err := mapColumns(header, o.Columns)
	if err != nil {
		return fmt.Errorf("%w (in %s)", err, name)
	}
	if !cols.has(ColType) && o.DefaultKind == fingerprint.KindUnknown {
		return fmt.Errorf("%w (in %s): found columns %s; want a type column (%s), --column type=NAME, or a default type",
			ErrHeader, name, listColumns(header), strings.Join(columnAliases[ColType], ", "))
	}
	get := cols.get
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
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
		// FieldPos only after a successful Read: it panics otherwise.
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			if perr := l.problem(name, line, o, "want "+strconv.Itoa(len(header))+" columns, got "+strconv.Itoa(len(rec))); perr != nil {
				return perr
			}
			continue
		}
		kind, ok := o.DefaultKind, true
		if cols.has(ColType) {
			kind, ok = ParseSignalType(get(rec, ColType))
		}
		if !ok {
			if perr := l.problem(name, line, o, "unsupported signal type "+quote(get(rec, ColType))); perr != nil {
				return perr
			}
			continue
		}
		quality := -1
		if q := strings.TrimSpace(get(rec, ColQuality)); q != "" {
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
		if a := strings.TrimSpace(get(rec, ColAdded)); a != "" {
			added, err = parseDate(a)
			if err != nil {
				if perr := l.problem(name, line, o, "added "+quote(a)+" is not RFC 3339 or YYYY-MM-DD"); perr != nil {
					return perr
				}
				continue
			}
		}
		src := strings.TrimSpace(get(rec, ColSource))
		if kind == fingerprint.KindVPDQ {
			if err := l.addVideoJSON([]byte(get(rec, ColValue)), strings.TrimSpace(get(rec, ColID)), l.labelsOf(cols, rec), src, added, name, line, o); err != nil {
				return err
			}
			continue
		}
		if err := l.addValue(kind, []byte(get(rec, ColValue)), l.labelsOf(cols, rec), quality, src, added, name, line, o); err != nil {
			return err
		}
	}
}

func parseDate(s string) (time.Time, error) {
	// RFC 3339, ThreatExchange's added_on ("2020-07-01T18:14:47+0000") or
	// a date.
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Second), nil
		}
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
