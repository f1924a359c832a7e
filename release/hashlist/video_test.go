package hashlist

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/release"
)

func videos(t *testing.T, l *List) map[string][]release.VideoFrame {
	t.Helper()
	out := map[string][]release.VideoFrame{}
	for _, e := range l.Entries {
		if e.Kind != fingerprint.KindVPDQ {
			continue
		}
		id, frames, err := release.ParseVideoValue(e.Value)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = frames
	}
	return out
}

func TestPytxVideos(t *testing.T) {
	l := load(t, "pytx-vpdq.txt", Options{})
	if got, want := problems(l), []string{"pytx-vpdq.txt:6", "pytx-vpdq.txt:7"}; !slices.Equal(got, want) {
		t.Fatalf("problems at %v, want %v (%v)", got, want, l.Problems)
	}
	if l.Len() != 2 || l.Duplicates != 2 || l.LowQualityVideos != 1 || l.LowQualityFrames != 5 {
		t.Fatalf("entries %d, duplicates %d, low-quality videos %d frames %d; want 2, 2, 1, 5",
			l.Len(), l.Duplicates, l.LowQualityVideos, l.LowQualityFrames)
	}
	vs := videos(t, l)
	if len(vs) != 1 {
		t.Fatalf("videos %v", vs)
	}
	for id, frames := range vs {
		if !strings.HasPrefix(id, "vpdq-") || id != release.DefaultVideoID(frames) {
			t.Errorf("id %q", id)
		}
		var ms []uint32
		for _, f := range frames {
			ms = append(ms, f.Millis)
		}
		// Quality 30 dropped, the repeated hash kept once, time order, "1.23e+02" read as 123 s.
		if want := []uint32{0, 1000, 12500, 123000}; !slices.Equal(ms, want) {
			t.Errorf("frame times %v, want %v", ms, want)
		}
	}
	if e := l.Entries[1]; !slices.Equal(e.Labels, []string{"gifct:attacker-manifesto"}) || e.Source != "" {
		t.Errorf("video entry labels %v source %q", e.Labels, e.Source)
	}
	k := load(t, "pytx-vpdq.txt", Options{KeepLowQuality: true})
	if k.Len() != 3 || k.LowQualityFrames != 0 {
		t.Errorf("KeepLowQuality: %d entries, %d frames dropped", k.Len(), k.LowQualityFrames)
	}
	var s List
	if err := s.AddFile(filepath.Join("testdata", "pytx-vpdq.txt"), Options{Strict: true}); err == nil || !strings.Contains(err.Error(), "pytx-vpdq.txt:6") {
		t.Errorf("strict: %v", err)
	}
}

func TestCSVVideos(t *testing.T) {
	l := load(t, "vpdq.csv", Options{})
	if got, want := problems(l), []string{"vpdq.csv:4"}; !slices.Equal(got, want) {
		t.Fatalf("problems at %v, want %v (%v)", got, want, l.Problems)
	}
	vs := videos(t, l)
	if len(vs["clip-7"]) != 4 || l.Len() != 2 {
		t.Fatalf("videos %v, %d entries", vs, l.Len())
	}
}

// TestMetaVideoFiles imports the reference's own per-video output files.
func TestMetaVideoFiles(t *testing.T) {
	dir := filepath.Join(testenv.VPDQDir(t), "expected-here-1fps")
	names, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(names) < 10 {
		t.Fatalf("want the reference hash files in %s", dir)
	}
	var l List
	for _, n := range names {
		if err := l.AddFile(n, Options{Strict: true, Added: day}); err != nil {
			t.Fatal(err)
		}
	}
	vs := videos(t, &l)
	if l.Len() != len(names) || len(vs) != len(names) {
		t.Fatalf("%d entries, %d videos from %d files", l.Len(), len(vs), len(names))
	}
	n := names[0]
	f, err := os.Open(n)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ref, err := video.ReadVPDQ(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSuffix(filepath.Base(n), ".txt")
	want := map[fingerprint.PDQHash]uint32{}
	for _, fr := range ref {
		if _, dup := want[fr.PDQ]; !dup && fr.Quality >= 50 {
			want[fr.PDQ] = uint32(fr.Timestamp*1000 + 0.5)
		}
	}
	got := vs[id]
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%s: %d frames, want %d", id, len(got), len(want))
	}
	for _, fr := range got {
		if ms, ok := want[fr.PDQ]; !ok || ms != fr.Millis || fr.Quality < 50 {
			t.Fatalf("%s: frame %+v not in the reference file", id, fr)
		}
	}
}

// TestVideoPytxLineRoundTrip: a signal line written the way
// python-threatexchange writes one is read back as the same frames.
func TestVideoPytxLineRoundTrip(t *testing.T) {
	frames := []release.VideoFrame{{PDQ: fingerprint.PDQHash{1}, Quality: 100, Millis: 0}, {PDQ: fingerprint.PDQHash{2}, Quality: 60, Millis: 2500}}
	var sb strings.Builder
	sb.WriteString("vpdq [")
	for i, f := range frames {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(`"` + f.PDQ.String() + "," + strconv.Itoa(int(f.Quality)) + "," + strconv.FormatFloat(float64(f.Millis)/1000, 'f', -1, 64) + `"`)
	}
	sb.WriteString("]\n")
	var l List
	if err := l.Add(strings.NewReader(sb.String()), "x", Options{Strict: true}); err != nil {
		t.Fatal(err)
	}
	for _, got := range videos(t, &l) {
		if !slices.Equal(got, frames) {
			t.Fatalf("got %+v, want %+v", got, frames)
		}
	}
	// A video's value is longer than the de-duplication key: two videos
	// sharing their first 32 bytes stay two entries.
	more := append(slices.Clone(frames), release.VideoFrame{PDQ: fingerprint.PDQHash{3}, Quality: 80, Millis: 9000})
	if _, err := l.AppendVideo(release.DefaultVideoID(frames), more, nil, "media", day, Options{}); err != nil {
		t.Fatal(err)
	}
	if l.Len() != 2 || l.Duplicates != 0 {
		t.Fatalf("%d entries, %d duplicates", l.Len(), l.Duplicates)
	}
}
