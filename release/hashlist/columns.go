package hashlist

import (
	"errors"
	"slices"
	"strings"

	"github.com/hashgate/hashgate/fingerprint"
)

// ErrHeader is wrapped by the error for a CSV header without a type and a
// value column; the message names the columns found.
var ErrHeader = errors.New("hashlist: CSV header without a signal type and a signal column")

// Column roles, the keys of Options.Columns.
const (
	ColType    = "type"
	ColValue   = "value"
	ColLabels  = "labels"
	ColQuality = "quality"
	ColSource  = "source"
	ColAdded   = "added"
	ColID      = "id"
)

// Roles lists the column roles Options.Columns may map.
var Roles = []string{ColType, ColValue, ColLabels, ColQuality, ColSource, ColAdded, ColID}

// columnAliases are the header names each role is known by, first match
// wins: hashgate's own, python-threatexchange's `threatexchange dataset -P
// --csv` (signal_type, signal_str, collab, category, tags), ThreatExchange's
// descriptor and threat-updates fields (type, raw_indicator / indicator,
// tags, added_on), HMA's bank fields and the hash_type,hash_value pair of
// HMA-like tools' exports.
var columnAliases = map[string][]string{
	ColType:    {"signal_type", "hash_type", "indicator_type", "type", "kind"},
	ColValue:   {"signal", "signal_str", "signal_value", "hash_value", "raw_indicator", "indicator", "hash", "value"},
	ColLabels:  {"labels", "tags"},
	ColQuality: {"quality", "pdq_quality"},
	ColSource:  {"source", "collab", "bank", "bank_name", "list"},
	ColAdded:   {"added", "added_on", "created", "created_at", "creation_time"},
	ColID:      {"id", "content_id"},
}

// ParseColumns parses --column mappings, "ROLE=HEADER" each (or several
// separated by commas), into Options.Columns.
func ParseColumns(specs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, spec := range specs {
		for kv := range strings.SplitSeq(spec, ",") {
			role, header, ok := strings.Cut(strings.TrimSpace(kv), "=")
			role = strings.ToLower(strings.TrimSpace(role))
			header = strings.TrimSpace(header)
			if !ok || header == "" || !slices.Contains(Roles, role) {
				return nil, errors.New("hashlist: --column " + quote(kv) + ": want ROLE=HEADER, ROLE one of " + strings.Join(Roles, ", "))
			}
			out[role] = strings.ToLower(header)
		}
	}
	return out, nil
}

// columnMap finds each role's column in a header; the category column of
// pytx's CSV is kept apart, as a label.
type columnMap struct {
	idx      map[string]int // role -> column
	category int            // -1: none
	tags     bool           // the labels column is space-separated tags
}

func mapColumns(header []string, explicit map[string]string) (columnMap, error) {
	m := columnMap{idx: map[string]int{}, category: -1}
	pos := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := pos[h]; !dup {
			pos[h] = i
		}
	}
	for _, role := range Roles {
		if h, ok := explicit[role]; ok {
			i, found := pos[h]
			if !found {
				return m, errors.New("hashlist: --column " + role + "=" + h + ": no such column; the header has " + listColumns(header))
			}
			m.idx[role] = i
			continue
		}
		for _, a := range columnAliases[role] {
			if i, ok := pos[a]; ok {
				m.idx[role] = i
				if role == ColLabels && a == "tags" {
					m.tags = true
				}
				break
			}
		}
	}
	if i, ok := pos["category"]; ok {
		m.category = i
	}
	if _, ok := m.idx[ColValue]; !ok {
		return m, errors.Join(ErrHeader, errors.New("hashlist: found columns "+listColumns(header)+
			"; want a signal column ("+strings.Join(columnAliases[ColValue], ", ")+") and a type column ("+
			strings.Join(columnAliases[ColType], ", ")+"), or map yours with --column value=NAME,type=NAME"))
	}
	return m, nil
}

func listColumns(header []string) string {
	q := make([]string, len(header))
	for i, h := range header {
		q[i] = quote(strings.TrimPrefix(h, "\ufeff"))
	}
	return strings.Join(q, ", ")
}

func (m columnMap) get(rec []string, role string) string {
	if i, ok := m.idx[role]; ok && i < len(rec) {
		return rec[i]
	}
	return ""
}

// has reports whether the header maps role.
func (m columnMap) has(role string) bool { _, ok := m.idx[role]; return ok }

// labelsOf joins the labels column (tags split at spaces) and a category.
func (l *List) labelsOf(m columnMap, rec []string) []string {
	s := m.get(rec, ColLabels)
	if m.tags {
		s = strings.Join(strings.Fields(s), ",")
	}
	if m.category >= 0 && m.category < len(rec) {
		if c := strings.TrimSpace(rec[m.category]); c != "" {
			s = strings.ToLower(c) + "," + s
		}
	}
	return l.labelSet(s)
}

// looksLikeHeader reports whether a first line with commas is a CSV header
// rather than a line of the other forms: its first field is not a signal
// type (a "vpdq [...]" or "pdq<TAB>hex<TAB>a,b" line) and not a hash.
func looksLikeHeader(line string) bool {
	if !strings.Contains(line, ",") {
		// A one-column CSV: its header is a value column's name.
		return slices.Contains(columnAliases[ColValue], strings.ToLower(strings.Trim(line, `"`)))
	}
	first := line
	if i := strings.IndexAny(line, ", \t"); i >= 0 {
		first = line[:i]
	}
	first = strings.Trim(strings.TrimSpace(strings.TrimPrefix(first, "\ufeff")), `"`)
	if _, ok := ParseSignalType(first); ok {
		return false
	}
	return !isHex(first)
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// teKinds are ThreatExchange's indicator types for the hashes hashgate
// lists (python-threatexchange's INDICATOR_TYPE of each signal class).
var teKinds = map[string]fingerprint.Kind{
	"hash_pdq":          fingerprint.KindPDQ,
	"hash_md5":          fingerprint.KindMD5,
	"hash_video_md5":    fingerprint.KindMD5,
	"hash_sha256":       fingerprint.KindSHA256,
	"hash_video_sha256": fingerprint.KindSHA256,
	"video_sha256":      fingerprint.KindSHA256,
	"hash_vpdq":         fingerprint.KindVPDQ,
}
