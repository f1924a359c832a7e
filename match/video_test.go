package match

import (
	"bufio"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
)

// readVPDQ reads one of Meta's frame,quality,hex,timestamp files.
func readVPDQ(t testing.TB, path string) []Frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Frame
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(strings.TrimSpace(sc.Text()), ",")
		if len(p) != 4 {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		q, err1 := strconv.Atoi(p[1])
		h, err2 := fingerprint.ParsePDQ(p[2])
		ts, err3 := strconv.ParseFloat(p[3], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		out = append(out, Frame{PDQ: h, Quality: q, Timestamp: time.Duration(math.Round(ts*1000)) * time.Millisecond})
	}
	return out
}

// allPercents are options under which MatchVideo reports every video that
// shares a matching frame with the upload, so tests see raw percentages.
func allPercents() Options {
	o := DefaultOptions()
	o.VideoQueryPercent, o.VideoIndexPercent, o.VideoContainsPercent = 0, 0, 0
	return o
}

// TestMatchVideoMetaTool holds MatchVideo's two percentages to those of
// Meta's match-hashes-brute (distance 31, quality 50) for every ordered
// pair of the sample videos' reference hashes.
func TestMatchVideoMetaTool(t *testing.T) {
	dir := filepath.Join(testenv.VPDQDir(t), "expected-here-1fps")
	tool := filepath.Join(testenv.VPDQTools(t), "match-hashes-brute")
	names, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(names) < 10 {
		t.Fatalf("want the sample hash files in %s: %v", dir, err)
	}
	b, _ := NewBuilder(allPercents())
	for _, n := range names {
		if err := b.AddVideo(Video{ID: filepath.Base(n), Frames: readVPDQ(t, n)}); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if st := ix.Stats(); st.Videos != len(names) || st.VideoFrames == 0 {
		t.Fatalf("stats %+v", st)
	}
	matched := 0
	for _, q := range names {
		got := map[string]VideoResult{}
		for _, r := range ix.MatchVideo(readVPDQ(t, q)).Results {
			got[r.Video.ID] = r
		}
		for _, target := range names {
			out, err := exec.Command(tool, q, target, "31", "50").Output()
			if err != nil {
				t.Fatalf("%s: %v", tool, err)
			}
			var wantQ, wantT float64
			for _, line := range strings.Split(string(out), "\n") {
				f := strings.Fields(line)
				if len(f) == 0 {
					continue
				}
				v, _ := strconv.ParseFloat(f[0], 64)
				switch {
				case strings.Contains(line, "Query"):
					wantQ = v
				case strings.Contains(line, "Target"):
					wantT = v
				}
			}
			r := got[filepath.Base(target)]
			if math.Abs(r.QueryPercent-wantQ) > 0.006 || math.Abs(r.IndexPercent-wantT) > 0.006 {
				t.Errorf("%s in %s: query %.2f%% target %.2f%%, match-hashes-brute %.2f%% %.2f%%",
					filepath.Base(q), filepath.Base(target), r.QueryPercent, r.IndexPercent, wantQ, wantT)
			}
			if wantQ > 0 {
				matched++
			}
		}
	}
	if matched < 2*len(names) {
		t.Fatalf("only %d pairs share frames: the comparison says little", matched)
	}
}

// slowMatchVideo is python-threatexchange's brute-force rule written out
// plainly: filter, de-duplicate, count each side's frames with a partner.
func slowMatchVideo(videos []Video, o Options, query []Frame) map[string]VideoResult {
	prep := func(fs []Frame) []fingerprint.PDQHash {
		var out []fingerprint.PDQHash
		for _, f := range fs {
			if f.Quality >= o.VideoMinQuality && !slices.Contains(out, f.PDQ) {
				out = append(out, f.PDQ)
			}
		}
		return out
	}
	count := func(a, b []fingerprint.PDQHash) int {
		n := 0
		for _, x := range a {
			for _, y := range b {
				if x.Distance(y) <= o.VideoFrameThreshold {
					n++
					break
				}
			}
		}
		return n
	}
	q := prep(query)
	out := map[string]VideoResult{}
	if len(q) == 0 {
		return out
	}
	for _, v := range videos {
		ix := prep(v.Frames)
		if len(ix) == 0 {
			continue
		}
		r := VideoResult{QueryMatched: count(q, ix), QueryFrames: len(q), IndexMatched: count(ix, q), IndexFrames: len(ix)}
		if r.QueryMatched == 0 {
			continue
		}
		r.QueryPercent = 100 * float64(r.QueryMatched) / float64(r.QueryFrames)
		r.IndexPercent = 100 * float64(r.IndexMatched) / float64(r.IndexFrames)
		if r.QueryPercent >= o.VideoQueryPercent && r.IndexPercent >= o.VideoIndexPercent {
			r.Rule |= RuleWhole
		}
		if o.VideoContainsPercent > 0 && r.IndexPercent >= o.VideoContainsPercent && r.IndexMatched >= o.VideoContainsMinFrames {
			r.Rule |= RuleContains
		}
		if r.Rule != 0 {
			out[v.ID] = r
		}
	}
	return out
}

// TestMatchVideoSlow is a differential test on random videos built from a
// few scenes, so that frames repeat, collide and nearly match.
func TestMatchVideoSlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	var scenes []fingerprint.PDQHash
	for range 12 {
		var h fingerprint.PDQHash
		for i := range h {
			h[i] = byte(rng.Uint32())
		}
		scenes = append(scenes, h)
	}
	frame := func(i int) Frame {
		h := scenes[rng.IntN(len(scenes))]
		for range rng.IntN(40) {
			k := rng.IntN(256)
			h[k/8] ^= 1 << (k % 8)
		}
		return Frame{PDQ: h, Quality: rng.IntN(101), Timestamp: time.Duration(i) * time.Second}
	}
	clip := func(n int) []Frame {
		var fs []Frame
		for i := range n {
			fs = append(fs, frame(i))
		}
		return fs
	}
	for round := range 40 {
		o := DefaultOptions()
		o.VideoFrameThreshold = rng.IntN(48)
		o.VideoMinQuality = rng.IntN(80)
		o.VideoQueryPercent = float64(rng.IntN(101))
		o.VideoIndexPercent = float64(rng.IntN(60))
		o.VideoContainsPercent = float64(rng.IntN(101))
		o.VideoContainsMinFrames = rng.IntN(6)
		var videos []Video
		b, _ := NewBuilder(o)
		for i := range 1 + rng.IntN(30) {
			v := Video{ID: "v" + strconv.Itoa(i), Frames: clip(1 + rng.IntN(20)), Labels: []string{"l" + strconv.Itoa(i%3)}}
			if err := b.AddVideo(v); err != nil {
				continue // no usable frame
			}
			videos = append(videos, v)
		}
		ix, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			q := clip(rng.IntN(40))
			want := slowMatchVideo(videos, o, q)
			rep := ix.MatchVideo(q)
			if len(rep.Results) != len(want) {
				t.Fatalf("round %d: %d results, want %d", round, len(rep.Results), len(want))
			}
			for i, r := range rep.Results {
				w := want[r.Video.ID]
				if r.Rule != w.Rule || r.QueryMatched != w.QueryMatched || r.IndexMatched != w.IndexMatched ||
					r.QueryFrames != w.QueryFrames || r.IndexFrames != w.IndexFrames ||
					r.QueryPercent != w.QueryPercent || r.IndexPercent != w.IndexPercent {
					t.Fatalf("round %d: %s: got %+v, want %+v", round, r.Video.ID, r, w)
				}
				if i > 0 && max(r.QueryPercent, r.IndexPercent) > max(rep.Results[i-1].QueryPercent, rep.Results[i-1].IndexPercent) {
					t.Fatalf("round %d: results not sorted", round)
				}
				if len(r.Ranges) == 0 || len(r.Video.Labels) != 1 {
					t.Fatalf("round %d: %s: ranges %v labels %v", round, r.Video.ID, r.Ranges, r.Video.Labels)
				}
			}
		}
	}
}

func TestMatchVideoRanges(t *testing.T) {
	listedA := fingerprint.PDQHash{1, 2, 3}
	listedB := fingerprint.PDQHash{0xff, 0xee, 0xdd, 0xcc}
	other := fingerprint.PDQHash{0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0}
	near := listedB
	near[31] ^= 0x07 // 3 bits away
	b, _ := NewBuilder(allPercents())
	if err := b.AddVideo(Video{ID: "listed", Frames: []Frame{{PDQ: listedA, Quality: 100}, {PDQ: listedB, Quality: 90}}}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddVideo(Video{ID: "dark", Frames: []Frame{{PDQ: other, Quality: 10}}}); !errors.Is(err, ErrEmptyVideo) {
		t.Fatal("a video with no usable frame was accepted")
	}
	ix, _ := b.Build()
	s := time.Second
	for _, tc := range []struct {
		name   string
		frames []Frame
		want   []TimeRange
		qm, qf int
	}{
		{"one run", []Frame{{listedA, 100, 0}, {near, 100, s}, {other, 100, 2 * s}}, []TimeRange{{0, s}}, 2, 3},
		{"out of order", []Frame{{other, 100, 2 * s}, {near, 100, s}, {listedA, 100, 0}}, []TimeRange{{0, s}}, 2, 3},
		{"two runs", []Frame{{listedA, 100, 0}, {other, 100, s}, {listedB, 100, 2 * s}, {listedA, 100, 3 * s}}, []TimeRange{{0, 0}, {2 * s, 3 * s}}, 2, 3},
		{"low quality skipped", []Frame{{listedA, 100, 0}, {other, 20, s}, {listedB, 100, 2 * s}}, []TimeRange{{0, 2 * s}}, 2, 2},
		{"none", []Frame{{other, 100, 0}}, nil, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := ix.MatchVideo(tc.frames)
			if rep.Frames != tc.qf {
				t.Fatalf("searched %d frames, want %d", rep.Frames, tc.qf)
			}
			if tc.want == nil {
				if len(rep.Results) != 0 {
					t.Fatalf("got %+v", rep.Results)
				}
				return
			}
			if len(rep.Results) != 1 {
				t.Fatalf("got %d results", len(rep.Results))
			}
			r := rep.Results[0]
			if !slices.Equal(r.Ranges, tc.want) || r.QueryMatched != tc.qm || r.IndexFrames != 2 {
				t.Fatalf("got %+v, want ranges %v, %d matched", r, tc.want, tc.qm)
			}
		})
	}
}

func TestVideoOptionsValidate(t *testing.T) {
	for _, mod := range []func(*Options){
		func(o *Options) { o.VideoQueryPercent = 101 },
		func(o *Options) { o.VideoIndexPercent = -1 },
		func(o *Options) { o.VideoContainsPercent = math.NaN() },
		func(o *Options) { o.VideoFrameThreshold = 256 },
		func(o *Options) { o.VideoMinQuality = -1 },
		func(o *Options) { o.VideoContainsMinFrames = -1 },
	} {
		o := DefaultOptions()
		mod(&o)
		if _, err := NewBuilder(o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

// BenchmarkMatchVideo: a 30-minute upload (1,800 frames) against 10,000
// listed videos of 60 frames (600,000 frame hashes).
func BenchmarkMatchVideo(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func() fingerprint.PDQHash {
		var h fingerprint.PDQHash
		for i := range h {
			h[i] = byte(rng.Uint32())
		}
		return h
	}
	bl, _ := NewBuilder(DefaultOptions())
	var keep []Frame
	for i := range 10000 {
		v := Video{ID: strconv.Itoa(i)}
		for j := range 60 {
			v.Frames = append(v.Frames, Frame{PDQ: random(), Quality: 100, Timestamp: time.Duration(j) * time.Second})
		}
		if i == 0 {
			keep = v.Frames
		}
		_ = bl.AddVideo(v)
	}
	ix, _ := bl.Build()
	q := make([]Frame, 1800)
	for i := range q {
		q[i] = Frame{PDQ: random(), Quality: 100, Timestamp: time.Duration(i) * time.Second}
	}
	copy(q[100:], keep) // contains listed video 0
	b.ResetTimer()
	testenv.ReportCPU(b, func() {
		if rep := ix.MatchVideo(q); len(rep.Results) != 1 || rep.Results[0].Rule != RuleContains {
			b.Fatalf("got %+v", rep.Results)
		}
	})
}
