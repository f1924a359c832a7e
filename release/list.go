package release

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/wire"
)

// ListEntry is one listed fingerprint with its provenance, as edges hold it.
type ListEntry struct {
	Kind  fingerprint.Kind
	Value []byte // raw hash bytes: 32 PDQ/SHA-256, 8 pHash/dHash/aHash (big-endian), 16 MD5
	// Labels are behavioural labels in GIFCT's taxonomy (e.g.
	// "gifct:attacker-manifesto") and any publisher labels.
	Labels []string
	Source string    // where the entry came from (list name, hash-sharing programme)
	Added  time.Time // when the publisher first listed it; zero if unknown
}

// ValueLen is the raw value length of a fingerprint kind, 0 if unknown: the
// length the list encoding stores, k.ValueLen().
func ValueLen(k fingerprint.Kind) int { return k.ValueLen() }

// The plaintext list encoding (before encryption), all integers unsigned
// LEB128 varints unless said otherwise:
//
//	"HGL1"                        magic and format version
//	nstrings, then nstrings × (len, bytes)   string table (sources and labels), len <= 1024
//	nentries, then nentries ×:
//	  kind        1 byte (fingerprint.Kind)
//	  value       kind.ValueLen() bytes
//	  added       zig-zag varint, Unix seconds; 0 = unknown
//	  source      index+1 into the string table, 0 = none
//	  nlabels     <= 64, then nlabels × (index into the string table)
//
// Counts are checked against the bytes left before anything is allocated,
// so a short hostile input cannot claim millions of entries.
//
// "HGL2" is the same with entries whose values have no fixed length (vpdq
// videos, VideoValue): such a value is written as uvarint length, then the
// bytes. EncodeList writes HGL1 while a list has no such entry, so edges that
// predate videos keep reading lists without them; an HGL1 list with a vpdq
// entry is refused, and a reader that predates HGL2 refuses it by its magic.

const (
	listMagic     = "HGL1"
	listMagic2    = "HGL2"
	maxStringSize = 1024
	maxLabels     = 64
	minEntrySize  = 1 + 8 + 1 + 1 + 1
)

// ErrList is matched by errors from DecodeList, DecryptList and their
// encoders.
var ErrList = errors.New("release: malformed edge list")

// listErr is a malformed list; it matches ErrList.
func listErr(msg string) error { return wire.NewError("release: edge list: "+msg, ErrList) }

// entryValueLen is the length a list stores for an entry's value: the
// kind's fixed length, or for a variable kind the value's own once it checks.
func entryValueLen(k fingerprint.Kind, v []byte) (int, bool) {
	if k == fingerprint.KindVPDQ {
		_, _, msg := splitVideoValue(v)
		return len(v), msg == ""
	}
	n := k.ValueLen()
	return n, n != 0 && len(v) == n
}

// EncodeList writes entries in the plaintext list encoding.
func EncodeList(entries []ListEntry) ([]byte, error) {
	enc, err := newListEncoder(entries)
	if err != nil {
		return nil, err
	}
	return enc.append(make([]byte, 0, enc.size)), nil
}

// listEncoder holds the string table and exact encoded size of a list, so
// the encoding is written once into a buffer of the right size (lists run to
// millions of entries; growing a buffer by doubling would copy them twice).
type listEncoder struct {
	entries []ListEntry
	table   []string
	index   map[string]int
	size    int
	v2      bool // some value has no fixed length: write HGL2
}

func newListEncoder(entries []ListEntry) (*listEncoder, error) {
	e := &listEncoder{entries: entries, index: map[string]int{}}
	size := len(listMagic) + uvarintLen(uint64(len(entries)))
	intern := func(s string) (int, error) {
		if len(s) > maxStringSize {
			return 0, listErr("string longer than 1024 bytes")
		}
		if i, ok := e.index[s]; ok {
			return i, nil
		}
		e.index[s] = len(e.table)
		e.table = append(e.table, s)
		size += uvarintLen(uint64(len(s))) + len(s)
		return len(e.table) - 1, nil
	}
	for _, en := range entries {
		n, ok := entryValueLen(en.Kind, en.Value)
		if !ok {
			return nil, listErr("entry of kind " + en.Kind.String() + " has a malformed " + strconv.Itoa(len(en.Value)) + "-byte value")
		}
		if en.Kind == fingerprint.KindVPDQ {
			e.v2 = true
			n += uvarintLen(uint64(n))
		}
		if len(en.Labels) > maxLabels {
			return nil, listErr("more than 64 labels on one entry")
		}
		size += 1 + n + varintLen(addedUnix(en.Added)) + uvarintLen(uint64(len(en.Labels)))
		src := 0
		if en.Source != "" {
			i, err := intern(en.Source)
			if err != nil {
				return nil, err
			}
			src = i + 1
		}
		size += uvarintLen(uint64(src))
		for _, l := range en.Labels {
			i, err := intern(l)
			if err != nil {
				return nil, err
			}
			size += uvarintLen(uint64(i))
		}
	}
	e.size = size + uvarintLen(uint64(len(e.table)))
	return e, nil
}

// append writes the encoding after dst.
func (e *listEncoder) append(out []byte) []byte {
	if e.v2 {
		out = append(out, listMagic2...)
	} else {
		out = append(out, listMagic...)
	}
	out = binary.AppendUvarint(out, uint64(len(e.table)))
	for _, s := range e.table {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = binary.AppendUvarint(out, uint64(len(e.entries)))
	for _, en := range e.entries {
		out = append(out, byte(en.Kind))
		if en.Kind == fingerprint.KindVPDQ {
			out = binary.AppendUvarint(out, uint64(len(en.Value)))
		}
		out = append(out, en.Value...)
		out = binary.AppendVarint(out, addedUnix(en.Added))
		src := 0
		if en.Source != "" {
			src = e.index[en.Source] + 1
		}
		out = binary.AppendUvarint(out, uint64(src))
		out = binary.AppendUvarint(out, uint64(len(en.Labels)))
		for _, l := range en.Labels {
			out = binary.AppendUvarint(out, uint64(e.index[l]))
		}
	}
	return out
}

func addedUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func varintLen(v int64) int {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	return uvarintLen(u)
}

// listReader reads varints with bounds checks.
type listReader struct {
	b   []byte
	pos int
	err error
}

func (r *listReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		r.err = listErr("bad varint at byte " + strconv.Itoa(r.pos))
		return 0
	}
	r.pos += n
	return v
}

func (r *listReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.pos:])
	if n <= 0 {
		r.err = listErr("bad varint at byte " + strconv.Itoa(r.pos))
		return 0
	}
	r.pos += n
	return v
}

func (r *listReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)-r.pos) {
		r.err = listErr("truncated at byte " + strconv.Itoa(r.pos))
		return nil
	}
	out := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return out
}

// DecodeList parses the plaintext list encoding. Entry values alias b; label
// slices are shared between entries with the same labels, so treat them as
// read-only.
func DecodeList(b []byte) ([]ListEntry, error) {
	var entries []ListEntry
	err := decodeList(b, func(n int) { entries = make([]ListEntry, 0, n) }, func(e ListEntry) error {
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return entries, nil
}

// DecodeListFunc is DecodeList without the slice: it calls fn with each
// entry in list order, so a caller that converts entries as they come (an
// edge building its index) never holds them all. Entries are as DecodeList
// gives them (values alias b, label slices are shared). The input is
// checked as it is read: on a malformed list, fn may already have seen the
// entries before the fault, and the error matches ErrList. An error from
// fn stops the decoding and is returned as it is.
func DecodeListFunc(b []byte, fn func(ListEntry) error) error {
	return decodeList(b, func(int) {}, fn)
}

// decodeList reads b, calling count once with the number of entries (after
// it is checked against the input) and then fn for each.
func decodeList(b []byte, count func(int), fn func(ListEntry) error) error {
	if len(b) < len(listMagic) || (string(b[:len(listMagic)]) != listMagic && string(b[:len(listMagic)]) != listMagic2) {
		return listErr("not an edge list (bad magic)")
	}
	v2 := string(b[:len(listMagic)]) == listMagic2
	r := &listReader{b: b, pos: len(listMagic)}
	nstr := r.uvarint()
	if nstr > uint64(len(b)-r.pos) {
		return listErr("string table count exceeds the input")
	}
	table := make([]string, 0, nstr)
	for range nstr {
		n := r.uvarint()
		if n > maxStringSize {
			return listErr("string longer than 1024 bytes")
		}
		table = append(table, string(r.bytes(n)))
		if r.err != nil {
			return r.err
		}
	}
	n := r.uvarint()
	if r.err != nil {
		return r.err
	}
	if n > uint64(len(b)-r.pos)/minEntrySize {
		return listErr("entry count exceeds the input")
	}
	count(int(n))
	labelSets := map[string][]string{}
	var idx []byte
	for range n {
		if r.pos >= len(b) {
			return listErr("truncated")
		}
		k := fingerprint.Kind(b[r.pos])
		r.pos++
		var e ListEntry
		if k == fingerprint.KindVPDQ && v2 {
			at := r.pos
			e = ListEntry{Kind: k, Value: r.bytes(r.uvarint())}
			if r.err != nil {
				return r.err
			}
			if _, _, msg := splitVideoValue(e.Value); msg != "" {
				return listErr("entry at byte " + strconv.Itoa(at) + ": " + msg)
			}
		} else {
			vl := k.ValueLen()
			if vl == 0 {
				return listErr("unknown kind " + strconv.Itoa(int(k)) + " at byte " + strconv.Itoa(r.pos-1))
			}
			e = ListEntry{Kind: k, Value: r.bytes(uint64(vl))}
		}
		if added := r.varint(); added != 0 {
			e.Added = time.Unix(added, 0).UTC()
		}
		if src := r.uvarint(); src != 0 {
			if src > uint64(len(table)) {
				return listErr("source index out of range")
			}
			e.Source = table[src-1]
		}
		nl := r.uvarint()
		if nl > maxLabels {
			return listErr("more than 64 labels on one entry")
		}
		if nl > 0 {
			start := r.pos
			for range nl {
				if i := r.uvarint(); i >= uint64(len(table)) {
					return listErr("label index out of range")
				}
			}
			if r.err != nil {
				return r.err
			}
			idx = b[start:r.pos]
			labels, ok := labelSets[string(idx)]
			if !ok {
				sub := &listReader{b: idx}
				for range nl {
					labels = append(labels, table[sub.uvarint()])
				}
				labelSets[string(idx)] = labels
			}
			e.Labels = labels
		}
		if r.err != nil {
			return r.err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if r.pos != len(b) {
		return listErr("trailing bytes after the last entry")
	}
	return nil
}

// SortList orders entries by kind then value, in place, and merges exact
// repeats of kind+value (labels united, earliest date, first source): the
// canonical order builds use.
func SortList(entries []ListEntry) []ListEntry {
	sortEntries(entries)
	out := entries[:0]
	for _, e := range entries {
		if n := len(out); n > 0 && out[n-1].Kind == e.Kind && bytes.Equal(out[n-1].Value, e.Value) {
			last := &out[n-1]
			for _, l := range e.Labels {
				if !slices.Contains(last.Labels, l) {
					last.Labels = append(slices.Clip(last.Labels), l)
				}
			}
			if last.Source == "" {
				last.Source = e.Source
			}
			if last.Added.IsZero() || (!e.Added.IsZero() && e.Added.Before(last.Added)) {
				last.Added = e.Added
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

// sortEntries sorts by (kind, value). Entries are 96 bytes: rather than move
// them O(n log n) times, it sorts 16-byte (prefix, index) pairs, comparing
// the full value only when prefixes tie, then permutes the entries once.
func sortEntries(entries []ListEntry) {
	type sortKey struct {
		prefix uint64 // kind, then the value's first 7 bytes, big-endian
		i      int
	}
	keys := make([]sortKey, len(entries))
	for i, e := range entries {
		p := uint64(e.Kind) << 56
		for j := 0; j < 7 && j < len(e.Value); j++ {
			p |= uint64(e.Value[j]) << (48 - 8*j)
		}
		keys[i] = sortKey{p, i}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if a.prefix != b.prefix {
			if a.prefix < b.prefix {
				return -1
			}
			return 1
		}
		ea, eb := &entries[a.i], &entries[b.i]
		if ea.Kind != eb.Kind {
			return int(ea.Kind) - int(eb.Kind)
		}
		return bytes.Compare(ea.Value, eb.Value)
	})
	// Apply the permutation (position j receives entries[keys[j].i]) by
	// following its cycles; a done position is marked with i = -1.
	for j := range keys {
		if keys[j].i < 0 || keys[j].i == j {
			continue
		}
		tmp := entries[j]
		cur := j
		for {
			next := keys[cur].i
			keys[cur].i = -1
			if next == j {
				entries[cur] = tmp
				break
			}
			entries[cur] = entries[next]
			cur = next
		}
	}
}
