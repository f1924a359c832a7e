package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
)

// TestBuildVideos lists videos in all the ways a publisher has them: a
// sample video hashed by --from-media (FFmpeg), a python-threatexchange
// vpdq signal line, and one of Meta's per-video hash files; inspect then
// names each with its frames.
func TestBuildVideos(t *testing.T) {
	vdir := testenv.VPDQDir(t)
	dir := t.TempDir()
	k := genKeys(t, dir)
	mediaDir := filepath.Join(dir, "media")
	os.MkdirAll(filepath.Join(mediaDir, "clips"), 0o755)
	copyFile(t, filepath.Join(vdir, "videos", "pattern-sd-grey-bar.mp4"), filepath.Join(mediaDir, "clips", "grey.mp4"))
	// A ZIP named .mp4 is listed by its digests alone, and no video.
	os.WriteFile(filepath.Join(mediaDir, "fake.mp4"), []byte("PK\x03\x04 not a video"), 0o644)
	// An animated GIF is an image (its first frame) and a video.
	animatedGIF(t, filepath.Join(mediaDir, "clips", "anim.gif"))

	// chair-19 as a pytx signal line, as python-threatexchange writes one.
	f, err := os.Open(filepath.Join(vdir, "expected-here-1fps", "chair-19-sd-bar.txt"))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := video.ReadVPDQ(f, 0)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var feats []string
	for _, fr := range frames {
		feats = append(feats, fr.PDQ.String()+","+strconv.Itoa(fr.Quality)+","+video.FormatTimestamp(fr.Timestamp))
	}
	js, _ := json.Marshal(feats)
	list := filepath.Join(dir, "signals.txt")
	os.WriteFile(list, []byte("vpdq "+string(js)+"\n"), 0o644)
	meta := filepath.Join(dir, "doorknob-hd-no-bar.txt")
	copyFile(t, filepath.Join(vdir, "expected-here-1fps", "doorknob-hd-no-bar.txt"), meta)

	rel := filepath.Join(dir, "rel")
	code, out, errb := hg(t, "build", "--list", list, "--list", meta, "--from-media", mediaDir,
		"--label", "tve", "--out", rel, "--key", k.pub, "--edge-pub", k.edgePub)
	if code != 0 {
		t.Fatalf("build: %d %s", code, errb)
	}
	if !strings.Contains(out, "videos: 4 listed") || !strings.Contains(errb, "fake.mp4") {
		t.Errorf("build output %q, stderr %q", out, errb)
	}
	var rep inspectReport
	if err := json.Unmarshal([]byte(mustHG(t, "inspect", rel, "--json", "--edge-key", k.edge)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Entries["vpdq"] != 4 || rep.Entries["md5"] != 3 || rep.Entries["sha256"] != 3 || rep.Entries["pdq"] == 0 {
		t.Errorf("entries %v", rep.Entries)
	}
	got := map[string]inspectVideo{}
	for _, v := range rep.Videos {
		got[v.ID] = v
	}
	grey, door, anim := got["clips/grey.mp4"], got["doorknob-hd-no-bar"], got["clips/anim.gif"]
	if grey.Frames < 5 || grey.Labels[0] != "tve" || door.Frames < 2 || anim.Frames < 2 || len(rep.Videos) != 4 {
		t.Errorf("videos %+v", rep.Videos)
	}
	text := mustHG(t, "inspect", rel, "--edge-key", k.edge)
	if !strings.Contains(text, "videos     4 listed") || !strings.Contains(text, "clips/grey.mp4") {
		t.Errorf("inspect text:\n%s", text)
	}
}
