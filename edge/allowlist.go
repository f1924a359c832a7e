package edge

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/wire"
)

// The operator's allowlist: files this edge lets through whatever the list
// says, by SHA-256 or MD5 of the file, or by PDQ within a small distance
// (AllowlistConfig.PDQDistance) of an allowlisted image's hash, so a
// wrongly listed meme template stops blocking at once, its re-encoded
// copies too. It is local to the edge (the publisher's override is a
// withdrawal, in the release), kept in a file the edge re-reads when it
// changes and that the admin API writes through.
//
// The file holds one entry a line, "TYPE<TAB>HEX[<TAB>NOTE]" (spaces
// separate the fields as well; the note is the rest of the line), TYPE
// sha256, md5 or pdq; blank lines and lines
// starting with '#' are skipped.

// AllowlistConfig configures the allowlist.
type AllowlistConfig struct {
	// Path is the allowlist file ("" with Enabled: in memory only, fed by
	// the admin API). A missing file is an empty allowlist.
	Path    string
	Enabled bool
	// PDQDistance is the largest Hamming distance at which an upload's PDQ
	// hash (any of its dihedral and robust variants) is taken for an
	// allowlisted one (default 16; the match threshold is 31).
	PDQDistance int
	// Reload is how often the file is checked for changes (default 5 s).
	Reload time.Duration
}

// DefaultAllowPDQDistance is AllowlistConfig.PDQDistance's default: half
// the match threshold, so a re-encoded or resized copy of the allowlisted
// image passes while a different picture on the same template still needs
// an entry of its own.
const DefaultAllowPDQDistance = 16

// maxAllowEntries bounds the allowlist: its PDQ entries are searched one by
// one (on matches only, which are rare).
const maxAllowEntries = 100_000

// AllowEntry is one allowlisted fingerprint.
type AllowEntry struct {
	Kind  fingerprint.Kind `json:"-"`
	Value []byte           `json:"-"` // raw: 32 bytes SHA-256 or PDQ, 16 MD5
	Note  string           `json:"note"`
}

// ID is the entry's text form, TYPE:HEX, which the admin API uses to name
// it.
func (a *AllowEntry) ID() string {
	return a.Kind.String() + ":" + wire.HexString(a.Value)
}

// ErrAllowlist is wrapped by ParseAllowlist's and ParseAllowEntry's errors.
var ErrAllowlist = errors.New("edge: bad allowlist entry")

// ParseAllowEntry reads TYPE and HEX (either case) into an entry.
func ParseAllowEntry(typ, hexText, note string) (AllowEntry, error) {
	e := AllowEntry{Kind: fingerprint.ParseKind(typ), Note: note}
	switch e.Kind {
	case fingerprint.KindSHA256:
		d, err := fingerprint.ParseSHA256(strings.ToLower(hexText))
		if err != nil {
			return e, fmt.Errorf("%w: %w", ErrAllowlist, err)
		}
		e.Value = d[:]
	case fingerprint.KindMD5:
		d, err := fingerprint.ParseMD5(strings.ToLower(hexText))
		if err != nil {
			return e, fmt.Errorf("%w: %w", ErrAllowlist, err)
		}
		e.Value = d[:]
	case fingerprint.KindPDQ:
		h, err := fingerprint.ParsePDQ(strings.ToLower(hexText))
		if err != nil {
			return e, fmt.Errorf("%w: %w", ErrAllowlist, err)
		}
		e.Value = h[:]
	default:
		return e, fmt.Errorf("%w: type %q: want sha256, md5 or pdq", ErrAllowlist, typ)
	}
	if len(note) > 1024 || strings.ContainsAny(note, "\n\r") {
		return e, fmt.Errorf("%w: a note is one line of at most 1024 bytes", ErrAllowlist)
	}
	return e, nil
}

// ParseAllowlist reads an allowlist file (format above). Errors name the
// line and match ErrAllowlist.
func ParseAllowlist(r io.Reader) ([]AllowEntry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), 4096)
	var out []AllowEntry
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		typ, rest := cutBlank(text)
		hx, note := cutBlank(rest)
		e, err := ParseAllowEntry(typ, hx, note)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(out) == maxAllowEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrAllowlist, maxAllowEntries)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAllowlist, err)
	}
	return out, nil
}

// cutBlank splits off the first tab- or space-separated field; the rest is
// trimmed.
func cutBlank(s string) (field, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// allowSet is one immutable state of the allowlist.
type allowSet struct {
	entries []AllowEntry // in file order
	byID    map[string]int
	pdq     []allowPDQ
}

type allowPDQ struct {
	h fingerprint.PDQHash
	i int // in entries
}

func newAllowSet(entries []AllowEntry) *allowSet {
	s := &allowSet{byID: make(map[string]int, len(entries))}
	for _, e := range entries {
		id := e.ID()
		if i, ok := s.byID[id]; ok {
			s.entries[i].Note = e.Note // a repeated entry: the last note
			continue
		}
		s.byID[id] = len(s.entries)
		if e.Kind == fingerprint.KindPDQ {
			p := allowPDQ{i: len(s.entries)}
			copy(p.h[:], e.Value)
			s.pdq = append(s.pdq, p)
		}
		s.entries = append(s.entries, e)
	}
	return s
}

// allowlist is the edge's allowlist: a set swapped whole on every change.
type allowlist struct {
	cfg AllowlistConfig

	mu      sync.Mutex // serialises changes and file writes
	set     *allowSet
	modTime time.Time
	size    int64
}

// allowHit says why a file passed.
type allowHit struct {
	kind, id, note string
	distance       int
}

func newAllowlist(cfg AllowlistConfig) (*allowlist, error) {
	if cfg.PDQDistance == 0 {
		cfg.PDQDistance = DefaultAllowPDQDistance
	}
	if cfg.Reload == 0 {
		cfg.Reload = 5 * time.Second
	}
	if cfg.PDQDistance < 0 || cfg.PDQDistance > 255 || cfg.Reload < 0 {
		return nil, fmt.Errorf("%w: allowlist PDQ distance must be in 0..255", ErrConfig)
	}
	a := &allowlist{cfg: cfg, set: newAllowSet(nil)}
	if cfg.Path != "" {
		if _, err := a.reload(); err != nil {
			return nil, fmt.Errorf("%w: allowlist: %w", ErrConfig, err)
		}
	}
	return a, nil
}

func (a *allowlist) current() *allowSet {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.set
}

// check looks the subject up: its digests exactly, its PDQ hashes within
// PDQDistance.
func (a *allowlist) check(sub *subject) *allowHit {
	set := a.current()
	if len(set.entries) == 0 {
		return nil
	}
	if sub.sha256 != nil {
		if i, ok := set.byID["sha256:"+wire.HexString(sub.sha256[:])]; ok {
			return &allowHit{kind: "sha256", id: set.entries[i].ID(), note: set.entries[i].Note}
		}
	}
	if sub.md5 != nil {
		if i, ok := set.byID["md5:"+wire.HexString(sub.md5[:])]; ok {
			return &allowHit{kind: "md5", id: set.entries[i].ID(), note: set.entries[i].Note}
		}
	}
	best, bestI := a.cfg.PDQDistance+1, -1
	for _, h := range sub.pdq {
		for _, p := range set.pdq {
			if d := h.Distance(p.h); d < best {
				best, bestI = d, p.i
			}
		}
	}
	if bestI >= 0 {
		return &allowHit{kind: "pdq", id: set.entries[bestI].ID(), note: set.entries[bestI].Note, distance: best}
	}
	return nil
}

// reload re-reads the file if it changed since the last read; it reports
// whether it did. A file that does not parse leaves the allowlist as it was.
func (a *allowlist) reload() (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, err := os.Stat(a.cfg.Path)
	if errors.Is(err, os.ErrNotExist) {
		if len(a.set.entries) == 0 && a.modTime.IsZero() {
			return false, nil
		}
		a.set, a.modTime, a.size = newAllowSet(nil), time.Time{}, 0
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if st.ModTime().Equal(a.modTime) && st.Size() == a.size {
		return false, nil
	}
	f, err := os.Open(a.cfg.Path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	entries, err := ParseAllowlist(io.LimitReader(f, 64<<20))
	if err != nil {
		return false, fmt.Errorf("%s: %w", a.cfg.Path, err)
	}
	a.set, a.modTime, a.size = newAllowSet(entries), st.ModTime(), st.Size()
	return true, nil
}

// run re-reads the file every Reload until ctx is done.
func (s *Server) runAllowlist(ctx context.Context) {
	a := s.allowlist
	if a == nil || a.cfg.Path == "" || a.cfg.Reload <= 0 {
		return
	}
	t := time.NewTicker(a.cfg.Reload)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := a.reload()
		if err != nil {
			s.metrics.allowlistFailures.Inc()
			s.log.Error("edge: allowlist not reloaded; the previous one stays in use", "err", err.Error())
		} else if changed {
			s.log.Info("edge: allowlist reloaded", "entries", len(a.current().entries))
		}
	}
}

// change applies fn to a copy of the entries, writes the file (when there
// is one) and swaps the new set in.
func (a *allowlist) change(fn func([]AllowEntry) ([]AllowEntry, error)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	entries, err := fn(slices.Clone(a.set.entries))
	if err != nil {
		return err
	}
	if len(entries) > maxAllowEntries {
		return fmt.Errorf("%w: more than %d entries", ErrAllowlist, maxAllowEntries)
	}
	if a.cfg.Path != "" {
		st, err := writeAllowFile(a.cfg.Path, entries)
		if err != nil {
			return err
		}
		a.modTime, a.size = st.ModTime(), st.Size()
	}
	a.set = newAllowSet(entries)
	return nil
}

// writeAllowFile replaces path atomically (write, sync, rename).
func writeAllowFile(path string, entries []AllowEntry) (os.FileInfo, error) {
	var b bytes.Buffer
	b.WriteString("# hashgate edge allowlist: TYPE<TAB>HEX[<TAB>NOTE]; written by the admin API\n")
	for _, e := range entries {
		b.WriteString(e.Kind.String() + "\t" + wire.HexString(e.Value))
		if e.Note != "" {
			b.WriteString("\t" + e.Note)
		}
		b.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("edge: allowlist: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b.Bytes())
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return nil, fmt.Errorf("edge: allowlist: %w", err)
	}
	return os.Stat(path)
}

// add puts e on the allowlist (replacing the note of an entry already on
// it).
func (a *allowlist) add(e AllowEntry) error {
	return a.change(func(es []AllowEntry) ([]AllowEntry, error) {
		for i := range es {
			if es[i].ID() == e.ID() {
				es[i].Note = e.Note
				return es, nil
			}
		}
		return append(es, e), nil
	})
}

// ErrNotAllowlisted is returned by remove for an entry not on the list.
var ErrNotAllowlisted = errors.New("edge: not on the allowlist")

func (a *allowlist) remove(id string) error {
	return a.change(func(es []AllowEntry) ([]AllowEntry, error) {
		for i := range es {
			if es[i].ID() == id {
				return slices.Delete(es, i, i+1), nil
			}
		}
		return nil, ErrNotAllowlisted
	})
}

func (a *allowlist) len() int { return len(a.current().entries) }

// allowEntryJSON is an entry as the admin API shows it.
type allowEntryJSON struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Hash string `json:"hash"`
	Note string `json:"note"`
}

func (a *allowlist) list() []allowEntryJSON {
	set := a.current()
	out := make([]allowEntryJSON, 0, len(set.entries))
	for _, e := range set.entries {
		out = append(out, allowEntryJSON{ID: e.ID(), Kind: e.Kind.String(), Hash: wire.HexString(e.Value), Note: e.Note})
	}
	return out
}
