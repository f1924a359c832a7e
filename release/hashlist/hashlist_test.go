package hashlist

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/release"
)

var day = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func load(t *testing.T, name string, o Options) *List {
	t.Helper()
	var l List
	if o.Added.IsZero() {
		o.Added = day
	}
	if err := l.AddFile(filepath.Join("testdata", name), o); err != nil {
		t.Fatal(err)
	}
	return &l
}

func problems(l *List) []string {
	var out []string
	for _, p := range l.Problems {
		out = append(out, filepath.Base(p.File)+":"+itoa(p.Line))
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPytxSignals(t *testing.T) {
	l := load(t, "pytx-signals.txt", Options{})
	if l.Len() != 3 || l.Duplicates != 1 {
		t.Fatalf("entries %d, duplicates %d; want 3, 1", l.Len(), l.Duplicates)
	}
	if got, want := problems(l), []string{"pytx-signals.txt:4", "pytx-signals.txt:5"}; !slices.Equal(got, want) {
		t.Errorf("problems at %v, want %v (%v)", got, want, l.Problems)
	}
	if !strings.Contains(l.Problems[0].Msg, `unsupported signal type "url"`) {
		t.Errorf("problem message %q", l.Problems[0].Msg)
	}
	e := l.Entries[0]
	if e.Kind != fingerprint.KindPDQ || e.Source != "" || !e.Added.Equal(day) {
		t.Errorf("first entry %+v", e)
	}
	h, _ := fingerprint.ParsePDQ("f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22")
	if !bytes.Equal(e.Value, h[:]) {
		t.Errorf("value %x", e.Value)
	}
	if l.Entries[2].Kind != fingerprint.KindMD5 || l.Entries[2].Value[15] != 0xe3 {
		t.Errorf("upper-case photo_md5 not read: %+v", l.Entries[2])
	}
}

func TestTabLabels(t *testing.T) {
	l := load(t, "tab-labels.tsv", Options{})
	if l.Len() != 3 {
		t.Fatalf("entries %d, want 3", l.Len())
	}
	if !slices.Equal(l.Entries[0].Labels, []string{"gifct:graphic-violence", "publisher:reviewed"}) {
		t.Errorf("labels %v", l.Entries[0].Labels)
	}
	if got := l.Entries[2].Value; l.Entries[2].Kind != fingerprint.KindPHash || got[0] != 0x98 || got[7] != 0xf8 {
		t.Errorf("phash bytes %x (want big-endian of 98893570108d24f8)", got)
	}
	if got := problems(l); !slices.Equal(got, []string{"tab-labels.tsv:5"}) {
		t.Errorf("problems %v", l.Problems)
	}
}

func TestCSVQuality(t *testing.T) {
	l := load(t, "with-quality.csv", Options{})
	if l.Len() != 2 || l.LowQuality != 1 || l.Duplicates != 1 {
		t.Fatalf("entries %d, low quality %d, duplicates %d; want 2, 1, 1", l.Len(), l.LowQuality, l.Duplicates)
	}
	e := l.Entries[0]
	if !slices.Equal(e.Labels, []string{"gifct:glorification", "publisher:x", "gifct:threat"}) || e.Source != "gifct-hsdb" ||
		!e.Added.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("entry %+v", e)
	}
	if got := problems(l); !slices.Equal(got, []string{"with-quality.csv:6", "with-quality.csv:7"}) {
		t.Errorf("problems %v", l.Problems)
	}
	keep := load(t, "with-quality.csv", Options{KeepLowQuality: true})
	if keep.Len() != 3 || keep.LowQuality != 0 {
		t.Errorf("--keep-low-quality: %d entries, %d dropped", keep.Len(), keep.LowQuality)
	}
}

func TestStrict(t *testing.T) {
	var l List
	err := l.AddFile(filepath.Join("testdata", "pytx-signals.txt"), Options{Strict: true})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "pytx-signals.txt:4") {
		t.Fatalf("strict error %v", err)
	}
}

func TestBareHashes(t *testing.T) {
	var l List
	err := l.AddFile(filepath.Join(testenv.PDQDir(t), "repo-documented", "hashlists", "haystack.txt"), Options{DefaultKind: fingerprint.KindPDQ})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() < 1000 || len(l.Problems) != 0 {
		t.Fatalf("haystack: %d entries, problems %v", l.Len(), l.Problems)
	}
	var none List
	none.Add(strings.NewReader("f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\n"), "x", Options{})
	if len(none.Problems) != 1 || !strings.Contains(none.Problems[0].Msg, "no signal type") {
		t.Errorf("bare hash without a default type: %v", none.Problems)
	}
}

func TestLongLine(t *testing.T) {
	var l List
	err := l.Add(strings.NewReader("pdq "+strings.Repeat("a", MaxLineLen+10)+"\n"), "long", Options{})
	if err == nil {
		t.Fatal("over-long line accepted")
	}
}

func FuzzAdd(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && !strings.HasSuffix(p, ".md") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var l List
		err := l.Add(bytes.NewReader(b), "fuzz", Options{DefaultKind: fingerprint.KindPDQ, Added: day})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range l.Entries {
			k := string(byte(e.Kind)) + string(e.Value)
			if seen[k] {
				t.Fatalf("duplicate entry survived")
			}
			seen[k] = true
			if len(e.Value) == 0 {
				t.Fatalf("entry without a value")
			}
			if e.Kind == fingerprint.KindVPDQ {
				_, frames, err := release.ParseVideoValue(e.Value)
				if err != nil || len(frames) == 0 {
					t.Fatalf("video entry does not parse: %v", err)
				}
				hashes := map[fingerprint.PDQHash]bool{}
				for i, fr := range frames {
					if fr.Quality < DefaultMinPDQQuality || hashes[fr.PDQ] || (i > 0 && fr.Millis < frames[i-1].Millis) {
						t.Fatalf("video frame %d: %+v (low quality, repeated or out of order)", i, fr)
					}
					hashes[fr.PDQ] = true
				}
			}
		}
	})
}

// TestCSVParseErrorNoPanic is a fuzz crasher: a CSV record with a bare
// quote made csv.Reader.FieldPos panic when called after a failed Read.
func TestCSVParseErrorNoPanic(t *testing.T) {
	var l List
	if err := l.Add(strings.NewReader("signAl_tYpe,signAl\n\"0"), "x.csv", Options{}); err != nil {
		t.Fatal(err)
	}
	if len(l.Problems) != 1 || l.Problems[0].Line != 2 || !strings.Contains(l.Problems[0].Msg, "CSV") {
		t.Errorf("problems %v", l.Problems)
	}
}
