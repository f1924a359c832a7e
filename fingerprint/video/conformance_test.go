package video_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
)

// Every-frame hashing of all 14 sample videos takes minutes of CPU; the
// test runs it on everyFrameSubset and -vpdq.all runs it on all of them:
//
//	go test -timeout 30m -run TestConformanceEveryFrame ./fingerprint/video -args -vpdq.all
var allVideos = flag.Bool("vpdq.all", false, "hash every frame of every sample video, not a subset")

// everyFrameSubset covers the padded-dimension video and the one HD
// landscape video (where the two references differ most); under -race
// only the first.
var everyFrameSubset = []string{"test-padded-dimensions", "doorknob-hd-no-bar"}

func sampleVideos(t *testing.T) (dir string, names []string) {
	dir = testenv.VPDQDir(t)
	paths, err := filepath.Glob(filepath.Join(dir, "videos", "*.mp4"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no sample videos in %s: %v", dir, err)
	}
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".mp4"))
	}
	return dir, names
}

func readVPDQFile(t testing.TB, path string) []video.Frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	frames, err := video.ReadVPDQ(f, 0)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return frames
}

// tally counts, over frames of quality ≥ 50, how many of hashgate's frames
// are within 10 bits of each reference, and how many of the two
// references' frames are within 10 bits of each other.
type tally struct {
	frames, nearHere, nearMeta, hereNearMeta, identical int
	maxHere                                             int
}

func (c *tally) add(t *testing.T, name string, got, here, meta []video.Frame) {
	t.Helper()
	if len(got) != len(here) {
		t.Errorf("%s: %d frames, the reference hashed %d", name, len(got), len(here))
		return
	}
	metaAt := make(map[int]video.Frame, len(meta))
	for _, f := range meta {
		metaAt[f.Number] = f
	}
	for i, g := range got {
		h := here[i]
		if g.Number != h.Number {
			t.Errorf("%s: frame %d is number %d, the reference's is %d", name, i, g.Number, h.Number)
			return
		}
		if g.Quality < 50 {
			continue
		}
		c.frames++
		d := g.PDQ.Distance(h.PDQ)
		c.maxHere = max(c.maxHere, d)
		if d == 0 && g.Quality == h.Quality {
			c.identical++
		}
		if d <= 10 {
			c.nearHere++
		}
		m, ok := metaAt[g.Number]
		if !ok {
			t.Errorf("%s: frame %d missing from expected-meta", name, g.Number)
			continue
		}
		if g.PDQ.Distance(m.PDQ) <= 10 {
			c.nearMeta++
		}
		if h.PDQ.Distance(m.PDQ) <= 10 {
			c.hereNearMeta++
		}
	}
}

func (c *tally) check(t *testing.T) {
	t.Helper()
	t.Logf("quality ≥ 50: %d frames; %d identical to expected-here (max %d bits); within 10 bits: %d of expected-here, %d of expected-meta (the reference itself: %d)",
		c.frames, c.identical, c.maxHere, c.nearHere, c.nearMeta, c.hereNearMeta)
	if c.frames == 0 {
		t.Fatal("no frame of quality ≥ 50 compared")
	}
	if c.nearHere*100 < 99*c.frames {
		t.Errorf("%d of %d frames within 10 bits of expected-here, want ≥ 99 %%", c.nearHere, c.frames)
	}
	if c.nearMeta < c.hereNearMeta {
		t.Errorf("%d frames within 10 bits of expected-meta, the reference has %d", c.nearMeta, c.hereNearMeta)
	}
}

// hashed1FPS memoises hashgate's 1-fps hashes of the sample videos: the
// conformance and interoperability tests share one decoding of each.
var hashed1FPS = struct {
	sync.Mutex
	m map[string]*video.Result
}{m: map[string]*video.Result{}}

func hash1FPS(t *testing.T, dir, name string) *video.Result {
	t.Helper()
	hashed1FPS.Lock()
	defer hashed1FPS.Unlock()
	if r, ok := hashed1FPS.m[name]; ok {
		return r
	}
	res, err := video.HashFile(context.Background(), filepath.Join(dir, "videos", name+".mp4"), video.Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	hashed1FPS.m[name] = res
	return res
}

func TestConformance1FPS(t *testing.T) {
	dir, names := sampleVideos(t)
	var c tally
	for _, name := range names {
		res := hash1FPS(t, dir, name)
		here := readVPDQFile(t, filepath.Join(dir, "expected-here-1fps", name+".txt"))
		meta := readVPDQFile(t, filepath.Join(dir, "expected-meta", name+".txt"))
		c.add(t, name, res.Frames, here, meta)
		checkTimestamps(t, name, res.Frames, here)
	}
	c.check(t)
}

func TestConformanceEveryFrame(t *testing.T) {
	t.Parallel()
	dir, names := sampleVideos(t)
	if !*allVideos {
		names = everyFrameSubset
		if raceEnabled {
			names = names[:1]
		}
	}
	var c tally
	for _, name := range names {
		res, err := video.HashFile(context.Background(), filepath.Join(dir, "videos", name+".mp4"), video.Options{EveryFrame: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		here := readVPDQFile(t, filepath.Join(dir, "expected-here-every-frame", name+".txt"))
		meta := readVPDQFile(t, filepath.Join(dir, "expected-meta", name+".txt"))
		c.add(t, name, res.Frames, here, meta)
		checkTimestamps(t, name, res.Frames, here)
	}
	c.check(t)
}

// checkTimestamps compares timestamps as the reference prints them.
func checkTimestamps(t *testing.T, name string, got, want []video.Frame) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		g, w := video.FormatTimestamp(got[i].Timestamp), video.FormatTimestamp(want[i].Timestamp)
		if g != w {
			t.Errorf("%s: frame %d timestamp %s, want %s", name, got[i].Number, g, w)
			return
		}
	}
}
