package video_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
)

// ffmpegMake runs ffmpeg with args (output last) in dir and returns the
// output's path. Inputs are FFmpeg's own test patterns, so each case is a
// few kilobytes made in milliseconds.
func ffmpegMake(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return filepath.Join(dir, args[len(args)-1])
}

// pattern is a 3-second 160×120 test pattern at 10 fps.
var pattern = []string{"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=3"}

func with(args ...[]string) []string {
	var out []string
	for _, a := range args {
		out = append(out, a...)
	}
	return out
}

// referenceCases are inputs whose handling the sample videos do not
// exercise: colour tags and full range, VFR, rotation metadata, codecs
// and containers other than H.264 in MP4, odd sizes, 10-bit, 29.97 fps,
// a single frame, animated GIF.
var referenceCases = []struct {
	name       string
	args       []string // ffmpeg arguments, output last
	everyFrame bool     // also compare -r 0
}{
	{"bt709-tagged", with(pattern, []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "bt709.mp4"}), false},
	{"full-range", with(pattern, []string{"-c:v", "libx264", "-pix_fmt", "yuvj420p", "yuvj.mp4"}), false},
	{"vfr", []string{"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=4", "-vf", `select=lt(mod(n\,7)\,4)`, "-fps_mode", "vfr", "-c:v", "libx264", "vfr.mp4"}, true},
	{"ntsc-29.97", []string{"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30000/1001:duration=3", "-c:v", "libx264", "ntsc.mp4"}, false},
	{"vp9-webm", with(pattern, []string{"-c:v", "libvpx-vp9", "-b:v", "200k", "vp9.webm"}), false},
	{"vp8-mkv", with(pattern, []string{"-c:v", "libvpx", "-b:v", "200k", "vp8.mkv"}), false},
	{"hevc-mp4", with(pattern, []string{"-c:v", "libx265", "-x265-params", "log-level=error", "hevc.mp4"}), false},
	{"av1-mkv", with(pattern, []string{"-c:v", "libaom-av1", "-cpu-used", "8", "-b:v", "100k", "av1.mkv"}), false},
	{"animated-gif", with(pattern, []string{"-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", "anim.gif"}), true},
	{"odd-size-444", []string{"-f", "lavfi", "-i", "testsrc2=size=161x121:rate=10:duration=3", "-c:v", "libx264", "-pix_fmt", "yuv444p", "odd.mp4"}, false},
	{"10-bit", with(pattern, []string{"-c:v", "libx264", "-pix_fmt", "yuv420p10le", "ten.mp4"}), false},
	{"one-frame", []string{"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-frames:v", "1", "-c:v", "libx264", "one.mp4"}, false},
	{"mjpeg-mov", with(pattern, []string{"-c:v", "mjpeg", "mjpeg.mov"}), false},
}

// TestMatchesReferenceBinary hashes generated videos with hashgate and
// with Meta's vpdq-hash-video (built against the same FFmpeg libraries)
// and wants byte-identical output files.
func TestMatchesReferenceBinary(t *testing.T) {
	t.Parallel()
	tools := testenv.VPDQTools(t)
	dir := t.TempDir()
	rotated := filepath.Join(dir, "rotated.mp4")
	for _, c := range referenceCases {
		t.Run(c.name, func(t *testing.T) {
			path := ffmpegMake(t, dir, c.args...)
			compareWithReference(t, tools, path, false)
			if c.everyFrame {
				compareWithReference(t, tools, path, true)
			}
			if c.name == "bt709-tagged" {
				// Rotation metadata on the same stream: both ignore it.
				ffmpegMake(t, dir, "-i", path, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated)
				compareWithReference(t, tools, rotated, false)
			}
		})
	}
}

func compareWithReference(t *testing.T, tools, path string, everyFrame bool) {
	t.Helper()
	r := "1"
	if everyFrame {
		r = "0"
	}
	refOut := path + ".ref" + r + ".txt"
	if out, err := exec.Command(filepath.Join(tools, "vpdq-hash-video"), "-i", path, "-o", refOut, "-r", r).CombinedOutput(); err != nil {
		t.Fatalf("vpdq-hash-video -r %s %s: %v\n%s", r, path, err, out)
	}
	want, err := os.ReadFile(refOut)
	if err != nil {
		t.Fatal(err)
	}
	res, err := video.HashFile(context.Background(), path, video.Options{EveryFrame: everyFrame})
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	var got bytes.Buffer
	if err := video.WriteVPDQ(&got, res.Frames); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s -r %s: hashgate's output differs from vpdq-hash-video's\nhashgate:\n%s\nreference:\n%s",
			filepath.Base(path), r, got.Bytes(), want)
	}
}
