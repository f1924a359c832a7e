package video_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint/video"
)

// fakeFFmpeg writes a shell script standing in for ffmpeg: it starts a
// child (so killing only the script would leave one behind), says so,
// and hangs, like a decoder stuck on a hostile stream.
func fakeFFmpeg(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "stalled-ffmpeg")
	script := "#!/bin/sh\nsleep 600 &\nwait\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHungDecoderTimesOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small := ffmpegMake(t, dir, with(pattern, []string{"-c:v", "libx264", "small.mp4"})...)
	start := time.Now()
	_, err := video.HashFile(context.Background(), small, video.Options{FFmpeg: fakeFFmpeg(t, dir), Timeout: 2 * time.Second})
	if !errors.Is(err, video.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("returned after %v with a 2 s timeout", el)
	}
	checkClean(t, dir, "")
}

func TestStalledReaderTimesOut(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	spool := t.TempDir()
	go func() { _, _ = pw.Write([]byte("\x00\x00\x00\x20ftypisom")) }() // then nothing
	_, err := video.Hash(context.Background(), pr, video.Options{Timeout: time.Second, TempDir: spool})
	if !errors.Is(err, video.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	checkClean(t, spool, spool)
}

func TestCancelMidway(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// 60 s of 320×240, every frame: seconds of work, cancelled before.
	long := ffmpegMake(t, dir, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=60",
		"-c:v", "libx264", "-preset", "ultrafast", "long.mp4")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	start := time.Now()
	_, err := video.HashFile(ctx, long, video.Options{EveryFrame: true})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("returned %v after the start, cancelled at 0.7 s", el)
	}
	checkClean(t, dir, "")
}

// TestManyStreams: 50 video streams; the first is hashed, as by the
// reference, and the others cost nothing.
func TestManyStreams(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small := ffmpegMake(t, dir, with(pattern, []string{"-c:v", "libx264", "small.mp4"})...)
	args := []string{"-i", small}
	for range 50 {
		args = append(args, "-map", "0:v:0")
	}
	many := ffmpegMake(t, dir, append(args, "-c", "copy", "many.mp4")...)
	one, err := video.HashFile(context.Background(), small, video.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := video.HashFile(context.Background(), many, video.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Frames) != len(one.Frames) {
		t.Fatalf("%d frames, %d from the single stream", len(got.Frames), len(one.Frames))
	}
	for i := range got.Frames {
		if got.Frames[i] != one.Frames[i] {
			t.Errorf("frame %d: %+v, single stream %+v", i, got.Frames[i], one.Frames[i])
		}
	}
}

// TestDigests: MD5 and SHA-256 are of the file's bytes, by path and by
// reader alike.
func TestDigests(t *testing.T) {
	dir := t.TempDir()
	one := ffmpegMake(t, dir, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-frames:v", "1", "-c:v", "libx264", "one.mp4")
	b, err := os.ReadFile(one)
	if err != nil {
		t.Fatal(err)
	}
	byPath, err := video.HashFile(context.Background(), one, video.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(one)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byReader, err := video.Hash(context.Background(), f, video.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	sha, md := digest(b)
	for _, r := range []*video.Result{byPath, byReader} {
		if r.SHA256 != sha || r.MD5 != md || r.Size != int64(len(b)) {
			t.Errorf("digests %v %v size %d, want %v %v %d", r.SHA256, r.MD5, r.Size, sha, md, len(b))
		}
		if len(r.Frames) != 1 || r.Frames[0].Number != 0 {
			t.Errorf("one-frame video: frames %+v", r.Frames)
		}
	}
}
