package hashlist

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

// kinds counts a list's entries by kind.
func kinds(l *List) map[string]int {
	out := map[string]int{}
	for _, e := range l.Entries {
		out[e.Kind.String()]++
	}
	return out
}

func TestExportFormats(t *testing.T) {
	tests := []struct {
		file      string
		o         Options
		want      map[string]int
		problems  int
		source    string // of the first entry
		labels    []string
		addedDate string // of the first entry, YYYY-MM-DD ("" = the default)
	}{
		{"pytx-dataset.csv", Options{}, map[string]int{"pdq": 2, "md5": 1}, 1, "GIFCT TCAP", []string{"true_positive", "terrorism", "attacker_manifesto"}, ""},
		{"hash-type-value.csv", Options{}, map[string]int{"pdq": 1, "md5": 1}, 0, "", []string{"violent_extremism"}, ""},
		{"hash-type-value.csv", Options{Source: "partner-x"}, map[string]int{"pdq": 1, "md5": 1}, 0, "partner-x", []string{"violent_extremism"}, ""},
		{"te-descriptors.json", Options{}, map[string]int{"pdq": 1, "md5": 1}, 1, "", []string{"terrorism"}, "2020-07-01"},
		{"te-updates.ndjson", Options{}, map[string]int{"pdq": 1, "md5": 1}, 0, "", []string{"terrorism"}, "2020-10-05"},
		{"hma-bank.json", Options{}, map[string]int{"pdq": 2, "md5": 1}, 1, "TCAP_BANK", nil, ""},
		{"hashgate-hash.ndjson", Options{}, map[string]int{"pdq": 3, "phash": 3, "dhash": 3, "ahash": 3, "sha256": 4, "md5": 4, "vpdq": 1}, 0, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			l := load(t, tt.file, tt.o)
			if got := kinds(l); !mapsEqual(got, tt.want) {
				t.Errorf("entries by kind %v, want %v", got, tt.want)
			}
			if len(l.Problems) != tt.problems {
				t.Errorf("problems %v, want %d", l.Problems, tt.problems)
			}
			if l.Len() == 0 {
				return
			}
			e := l.Entries[0]
			if e.Source != tt.source || !slices.Equal(e.Labels, tt.labels) {
				t.Errorf("first entry source %q labels %q, want %q %q", e.Source, e.Labels, tt.source, tt.labels)
			}
			want := day
			if tt.addedDate != "" {
				want, _ = time.Parse("2006-01-02", tt.addedDate)
			}
			if e.Added.Truncate(24*time.Hour) != want {
				t.Errorf("first entry added %v, want %v", e.Added, want)
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestColumnMapping(t *testing.T) {
	const csv = "kind_of_hash,the_hash,notes\npdq,adad5a64b5a142e55362a09057dacd5ae63b847fc23794b766b319361fc93188,x\n"
	cols, err := ParseColumns([]string{"type=Kind_Of_Hash", "value=the_hash,labels=notes"})
	if err != nil {
		t.Fatal(err)
	}
	var l List
	if err := l.Add(strings.NewReader(csv), "m.csv", Options{Columns: cols}); err != nil {
		t.Fatal(err)
	}
	if l.Len() != 1 || l.Entries[0].Kind != fingerprint.KindPDQ || !slices.Equal(l.Entries[0].Labels, []string{"x"}) {
		t.Fatalf("entries %+v problems %v", l.Entries, l.Problems)
	}
	// A mapping naming a column that is not there names the ones that are.
	cols, _ = ParseColumns([]string{"value=hashes"})
	err = new(List).Add(strings.NewReader(csv), "m.csv", Options{Columns: cols})
	if err == nil || !strings.Contains(err.Error(), `"kind_of_hash", "the_hash", "notes"`) {
		t.Errorf("missing mapped column: %v", err)
	}
	for _, bad := range []string{"value", "colour=x", "type="} {
		if _, err := ParseColumns([]string{bad}); err == nil {
			t.Errorf("ParseColumns(%q) accepted", bad)
		}
	}
}

// TestUnknownHeader: a CSV whose columns are not known fails once, naming
// the columns found, instead of a misleading error on every line.
func TestUnknownHeader(t *testing.T) {
	var l List
	err := l.Add(strings.NewReader("kind,digest\npdq,adad\n"), "x.csv", Options{})
	if !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), `"kind", "digest"`) || !strings.Contains(err.Error(), "--column") {
		t.Fatalf("err = %v", err)
	}
	if len(l.Problems) != 0 {
		t.Errorf("problems %v", l.Problems)
	}
	// A value column without a type column needs a default type.
	err = new(List).Add(strings.NewReader("hash\nadad5a64b5a142e55362a09057dacd5ae63b847fc23794b766b319361fc93188\n"), "y.csv", Options{})
	if !errors.Is(err, ErrHeader) {
		t.Errorf("no type column: %v", err)
	}
	var l2 List
	if err := l2.Add(strings.NewReader("hash\nadad5a64b5a142e55362a09057dacd5ae63b847fc23794b766b319361fc93188\n"), "y.csv", Options{DefaultKind: fingerprint.KindPDQ}); err != nil || l2.Len() != 1 {
		t.Errorf("default type: %v, %d entries", err, l2.Len())
	}
}

func TestJSONProblems(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad hash in a document", `[{"signal_type":"pdq","signal":"abc"}]`, "j: record 1: pdq: want 64 hex digits"},
		{"no signal", `{"path":"x"}`, "j:1: no signal"},
		{"bad line", "{\"type\":\"HASH_PDQ\",\"indicator\":\"adad5a64b5a142e55362a09057dacd5ae63b847fc23794b766b319361fc93188\"}\n{\"oops\n", "j:2: JSON"},
		{"unknown type", `{"type":"HASH_TMK","raw_indicator":"00"}`, `j:1: unsupported signal type "HASH_TMK"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l List
			if err := l.Add(strings.NewReader(tt.in), "j", Options{}); err != nil {
				t.Fatal(err)
			}
			if len(l.Problems) == 0 || !strings.HasPrefix(l.Problems[len(l.Problems)-1].String(), tt.want) {
				t.Errorf("problems %v, want one starting %q", l.Problems, tt.want)
			}
		})
	}
	if err := new(List).Add(strings.NewReader(`{"a": 1,`+"\n"+`"b": 2}`), "j", Options{}); err == nil {
		t.Error("an object that is not a list was accepted")
	}
}

// FuzzAddJSON runs the JSON forms (NDJSON, arrays, Graph API pages) and
// checks every entry is well formed; FuzzAdd covers the detection between
// forms.
func FuzzAddJSON(f *testing.F) {
	for _, name := range []string{"te-descriptors.json", "te-updates.ndjson", "hma-bank.json", "hashgate-hash.ndjson"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"signal_type":"vpdq","signal":["adad5a64b5a142e55362a09057dacd5ae63b847fc23794b766b319361fc93188,100,0.0"]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var l List
		if err := l.Add(bytes.NewReader(b), "fuzz", Options{Added: day}); err != nil {
			return
		}
		checkEntries(t, &l)
	})
}

// FuzzAddColumns runs CSV with --column mappings.
func FuzzAddColumns(f *testing.F) {
	f.Add("type=kind_of_hash,value=the_hash", []byte("kind_of_hash,the_hash,notes\npdq,adad5a64b5a142e55362a09057dacd5ae63b847fc23794b766b319361fc93188,x\n"))
	f.Add("labels=collab", []byte("signal_type,signal_str,collab,category,tags\npdq,adad5a64b5a142e55362a09057dacd5ae63b847fc23794b766b319361fc93188,C,TRUE_POSITIVE,a b\n"))
	f.Fuzz(func(t *testing.T, spec string, b []byte) {
		cols, err := ParseColumns([]string{spec})
		if err != nil {
			return
		}
		var l List
		if err := l.Add(bytes.NewReader(b), "fuzz", Options{Columns: cols, Added: day}); err != nil {
			return
		}
		checkEntries(t, &l)
	})
}

func checkEntries(t *testing.T, l *List) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range l.Entries {
		k := string(byte(e.Kind)) + string(e.Value)
		if seen[k] {
			t.Fatalf("duplicate entry survived")
		}
		seen[k] = true
		if e.Kind == fingerprint.KindVPDQ {
			if _, frames, err := release.ParseVideoValue(e.Value); err != nil || len(frames) == 0 {
				t.Fatalf("video entry does not parse: %v", err)
			}
		} else if len(e.Value) != e.Kind.ValueLen() {
			t.Fatalf("%s entry of %d bytes", e.Kind, len(e.Value))
		}
	}
}
