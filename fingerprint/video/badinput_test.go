package video_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/video"
)

// leftovers lists processes whose command line mentions dir: a child
// that outlived its Hash call.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(dir)) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "stat"))
		if fields := strings.Fields(string(stat)); len(fields) > 2 && fields[2] == "Z" {
			continue // exited, waiting for its parent to reap it
		}
		found = append(found, filepath.Base(filepath.Dir(p))+": "+strings.ReplaceAll(string(b), "\x00", " "))
	}
	return found
}

// checkClean fails when a child or a spooled copy outlived the call.
func checkClean(t *testing.T, procDir, spoolDir string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := leftovers(t, procDir)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("processes left running: %v", left)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if spoolDir != "" {
		ents, err := os.ReadDir(spoolDir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			t.Errorf("left behind in the temporary folder: %s", e.Name())
		}
	}
}

func zipBytes(t *testing.T) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("clip.mp4")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(bytes.Repeat([]byte("not a video "), 500))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ffmpegStdout runs ffmpeg writing to its stdout (a pipe: no seeking
// back to fill in the header) into dir/name.
func ffmpegStdout(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var stderr bytes.Buffer
	cmd := osexec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-nostdin"}, args...)...)
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, stderr.String())
	}
	return path
}

// patchGIFScreen rewrites the logical screen size of a GIF (bytes 6..9).
func patchGIFScreen(t *testing.T, src, dst string, w, h uint16) string {
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	b[6], b[7], b[8], b[9] = byte(w), byte(w>>8), byte(h), byte(h>>8)
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small := ffmpegMake(t, dir, with(pattern, []string{"-c:v", "libx264", "small.mp4"})...)
	full, err := os.ReadFile(small)
	if err != nil {
		t.Fatal(err)
	}
	// The MP4 muxer writes moov last: cutting the file keeps the media
	// data and loses the index.
	truncated := filepath.Join(dir, "truncated.mp4")
	if err := os.WriteFile(truncated, full[:len(full)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	zipped := filepath.Join(dir, "archive.mp4")
	if err := os.WriteFile(zipped, zipBytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.mp4")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	gif := ffmpegMake(t, dir, with(pattern, []string{"-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", "small.gif"})...)
	// 65535×65535 is past FFmpeg's own ceiling; 10000×10000 passes it
	// and breaks the default pixel limit.
	huge := patchGIFScreen(t, gif, filepath.Join(dir, "huge.gif"), 65535, 65535)
	big := patchGIFScreen(t, gif, filepath.Join(dir, "big.gif"), 10000, 10000)
	// Ten hours of one frame an hour: 2 KB.
	tenHours := ffmpegMake(t, dir, "-f", "lavfi", "-i", "color=size=32x32:rate=1/3600:duration=36000", "-c:v", "libx264", "ten-hours.mp4")
	// Matroska written to a pipe has no duration in its header, so only
	// the frames decoded show its length.
	noDuration := ffmpegStdout(t, dir, "no-duration.mkv", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=20", "-c:v", "libx264", "-f", "matroska", "pipe:1")
	audio := ffmpegMake(t, dir, "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", "audio.mp4")

	cases := []struct {
		name string
		path string
		opts video.Options
		want error
	}{
		{"zero bytes", empty, video.Options{}, video.ErrNotVideo},
		{"truncated mp4 without moov", truncated, video.Options{}, video.ErrNotVideo},
		{"zip named .mp4", zipped, video.Options{}, video.ErrNotVideo},
		{"audio only", audio, video.Options{}, video.ErrNotVideo},
		{"header claiming 65535x65535", huge, video.Options{}, video.ErrTooLarge},
		{"header claiming 10000x10000", big, video.Options{}, video.ErrTooLarge},
		{"ten hours in 2 KB", tenHours, video.Options{}, video.ErrTooLong},
		{"no duration in header, 20 s of frames", noDuration, video.Options{MaxDuration: 5 * time.Second}, video.ErrTooLong},
		{"over MaxBytes", small, video.Options{MaxBytes: 1000}, video.ErrTooLarge},
		{"over MaxFrames", small, video.Options{MaxFrames: 2}, video.ErrTooManyFrames},
		{"no ffmpeg", small, video.Options{FFprobe: filepath.Join(dir, "no-such-ffprobe")}, video.ErrNoFFmpeg},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spool := t.TempDir()
			c.opts.TempDir = spool
			for _, viaReader := range []bool{false, true} {
				var res *video.Result
				var err error
				if viaReader {
					f, ferr := os.Open(c.path)
					if ferr != nil {
						t.Fatal(ferr)
					}
					res, err = video.Hash(context.Background(), f, c.opts)
					f.Close()
				} else {
					res, err = video.HashFile(context.Background(), c.path, c.opts)
				}
				if !errors.Is(err, c.want) {
					t.Fatalf("reader %v: got %v (result %v), want %v", viaReader, err, res != nil, c.want)
				}
				if !strings.HasPrefix(err.Error(), "video: ") {
					t.Errorf("error %q does not name the package", err)
				}
				t.Logf("reader %v: %v", viaReader, err)
			}
			checkClean(t, dir, spool)
		})
	}
}

func digest(b []byte) (fingerprint.SHA256Digest, fingerprint.MD5Digest) {
	return fingerprint.Digest(b)
}
