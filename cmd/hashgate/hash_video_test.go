package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/internal/testenv"
)

// TestHashVideo: `hashgate hash --format vpdq` writes exactly what Meta's
// vpdq-hash-video -r 1 wrote for the sample video; --json carries the
// same frames; a table row names the video; -o writes NAME.txt.
func TestHashVideo(t *testing.T) {
	dir := testenv.VPDQDir(t)
	const name = "test-padded-dimensions"
	src := filepath.Join(dir, "videos", name+".mp4")
	want, err := os.ReadFile(filepath.Join(dir, "expected-here-1fps", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"hash", "--format", "vpdq", src}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("--format vpdq:\n%s\nwant (vpdq-hash-video -r 1):\n%s", out.Bytes(), want)
	}

	outDir := t.TempDir()
	out.Reset()
	if code := run(context.Background(), []string{"hash", "--format", "vpdq", "-o", outDir, src}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got, err := os.ReadFile(filepath.Join(outDir, name+".txt")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("-o %s: %v\n%s", outDir, err, got)
	}

	out.Reset()
	if code := run(context.Background(), []string{"hash", "--json", src}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rec videoRecord
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rec.Kind != "video" || rec.Width != 1080 || rec.Height != 1080 || rec.FrameMod != 30 || len(rec.VPDQ) != 5 ||
		rec.VPDQ[1].Frame != 30 || !bytes.Contains(want, []byte(rec.VPDQ[1].PDQ)) || len(rec.MD5) != 32 {
		t.Errorf("--json: %+v", rec)
	}

	out.Reset()
	if code := run(context.Background(), []string{"hash", src}, &out, &errb); code != 0 || !bytes.Contains(out.Bytes(), []byte("vpdq: 5 frames")) {
		t.Errorf("table (exit %d):\n%s", code, out.String())
	}

	for _, args := range [][]string{
		{"hash", "--format", "tmk", src},
		{"hash", "--format", "vpdq", "--json", src},
		{"hash", "-o", outDir, src},
		{"hash", "--seconds-per-hash", "-1", src},
	} {
		if code := run(context.Background(), args, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// animatedGIF makes a 3-second, 10 fps GIF of a sample video with FFmpeg.
func animatedGIF(t *testing.T, out string) string {
	t.Helper()
	src := filepath.Join(testenv.VPDQDir(t), "videos", "pattern-sd-grey-bar.mp4")
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", src, "-t", "3",
		"-vf", "fps=10,scale=160:-1,split[a][b];[a]palettegen[p];[b][p]paletteuse", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	return out
}

// TestHashAnimatedGIF: an animated GIF gets its first frame's image
// hashes and its vPDQ (the same frames as --format vpdq); a still GIF only
// the image hashes.
func TestHashAnimatedGIF(t *testing.T) {
	dir := t.TempDir()
	anim := animatedGIF(t, filepath.Join(dir, "anim.gif"))
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"hash", "--json", anim}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want an image line and a video line, got:\n%s", out.String())
	}
	var img hashRecord
	var vid videoRecord
	if err := json.Unmarshal([]byte(lines[0]), &img); err != nil || len(img.PDQ) != 64 || img.Width != 160 {
		t.Errorf("image line %v: %s", err, lines[0])
	}
	if err := json.Unmarshal([]byte(lines[1]), &vid); err != nil || vid.Kind != "video" || vid.FPS != 10 || len(vid.VPDQ) != 3 {
		t.Errorf("video line %v: %s", err, lines[1])
	}
	if vid.MD5 != img.MD5 {
		t.Errorf("the two lines disagree on the file's MD5")
	}
	var vp bytes.Buffer
	if code := run(context.Background(), []string{"hash", "--format", "vpdq", anim}, &vp, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, f := range vid.VPDQ {
		if !strings.Contains(vp.String(), f.PDQ) {
			t.Errorf("frame %d of --json is not in --format vpdq's output", f.Frame)
		}
	}

	still := filepath.Join(dir, "still.gif")
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", anim, "-frames:v", "1", still)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	out.Reset()
	if code := run(context.Background(), []string{"hash", "--json", still}, &out, &errb); code != 0 ||
		strings.Count(strings.TrimSpace(out.String()), "\n") != 0 || strings.Contains(out.String(), `"video"`) {
		t.Errorf("still GIF (exit %d):\n%s", code, out.String())
	}
}
