package edge

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/internal/testenv"
)

// patchSampleEntrySize rewrites the width and height of an MP4/MOV's first
// sample entry (16 bits each: 65535 is the most a header can claim there).
func patchSampleEntrySize(t *testing.T, b []byte, w, h uint16) []byte {
	t.Helper()
	b = append([]byte(nil), b...)
	i := bytes.Index(b, []byte("stsd"))
	if i < 0 {
		t.Fatal("no stsd box")
	}
	off := i + 4 + 8 + 8 + 8 + 16 // fullbox, count; entry size, type; reserved, index; pre-defined
	binary.BigEndian.PutUint16(b[off:], w)
	binary.BigEndian.PutUint16(b[off+2:], h)
	return b
}

// TestVideoBadInputLive: the bad inputs sent to a live edge, each
// answered with a clear code (or scanned, where the input is a video after
// all), nothing left in the spool folder, the edge still up. (Truncated
// MP4, zero bytes, a ZIP and audio only are in TestProxyVideos; a client
// hanging up in TestVideoClientGone.)
func TestVideoBadInputLive(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	work := t.TempDir()
	src := filepath.Join(vdir, "pattern-sd-grey-bar.mp4")
	rawMOV := ffmpegTo(t, filepath.Join(work, "raw.mov"), "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5:duration=1", "-c:v", "rawvideo", "-pix_fmt", "gray")
	smallMP4 := ffmpegTo(t, filepath.Join(work, "small.mp4"), "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2", "-c:v", "libx264", "-preset", "ultrafast")
	manyArgs := []string{"-i", filepath.Join(work, "small.mp4")}
	for range 50 {
		manyArgs = append(manyArgs, "-map", "0:v:0")
	}
	many := ffmpegTo(t, filepath.Join(work, "many.mp4"), append(manyArgs, "-c", "copy")...)
	gif := ffmpegTo(t, filepath.Join(work, "anim.gif"), "-i", src, "-t", "2", "-vf", "fps=5,scale=64:-1")
	hugeGIF := append([]byte(nil), gif...)
	hugeGIF[6], hugeGIF[7], hugeGIF[8], hugeGIF[9] = 0xff, 0xff, 0xff, 0xff

	cases := []struct {
		name   string
		body   []byte
		status int
		code   string // or, for 200, the verdict's "match" value
	}{
		{"header claiming 65535x65535, raw MOV", patchSampleEntrySize(t, rawMOV, 65535, 65535), 413, CodeVideoTooLarge},
		{"header claiming 65535x65535, H.264: the stream's own size is used", patchSampleEntrySize(t, smallMP4, 65535, 65535), 200, "false"},
		{"ten hours in 2 KB", ffmpegTo(t, filepath.Join(work, "ten-hours.mp4"), "-f", "lavfi", "-i", "color=size=32x32:rate=1/3600:duration=36000", "-c:v", "libx264"), 413, CodeVideoTooLong},
		{"50 video streams: the first is hashed", many, 200, "false"},
		{"one frame", ffmpegTo(t, filepath.Join(work, "one.mp4"), "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-frames:v", "1", "-c:v", "libx264"), 200, "false"},
		{"variable frame rate", ffmpegTo(t, filepath.Join(work, "vfr.mp4"), "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=4", "-vf", `select=lt(mod(n\,7)\,4)`, "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast"), 200, "false"},
		// Rotation metadata is ignored, as by the reference: a listed
		// video tagged to play rotated still matches.
		{"rotation metadata on the listed video", ffmpegTo(t, filepath.Join(work, "rotated.mp4"), "-i", filepath.Join(vdir, "test-padded-dimensions.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90"), 200, "true"},
		{"animated GIF claiming a 65535x65535 screen", hugeGIF, 413, CodeImageTooLarge},
	}
	spool := t.TempDir()
	cfg := testConfig()
	cfg.Video.TempDir = spool
	e := startEdge(t, cfg)
	e.Load(videoSnapshot(t, 1, nil, referenceVideo(t, "test-padded-dimensions", "listed")))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/v1/scan", c.body, "Content-Type", "video/mp4")
			if c.status == 200 {
				if resp.StatusCode != 200 || !strings.Contains(string(body), `"match":`+c.code) {
					t.Fatalf("%d %s, want 200 with match %s", resp.StatusCode, body, c.code)
				}
			} else {
				wantError(t, resp, body, c.status, c.code)
			}
			emptyDir(t, spool)
		})
	}

	// A decoder that hangs: killed at the video timeout, its child too.
	fake := filepath.Join(work, "hung-ffmpeg")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nsleep 600 &\nwait\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg.Video.FFmpeg = fake
	cfg.Video.Timeout = time.Second
	e2 := startEdge(t, cfg)
	e2.Load(videoSnapshot(t, 1, nil))
	start := time.Now()
	resp, body := do(t, "POST", e2.url+"/v1/scan", smallMP4, "Content-Type", "video/mp4")
	wantError(t, resp, body, 503, CodeVideoTimeout)
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("answered after %v with a 1 s timeout", el)
	}
	emptyDir(t, spool)
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := processesMentioning(fake)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left running: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, ed := range []*testEdge{e, e2} {
		if resp, _ := do(t, "GET", ed.url+"/healthz", nil); resp.StatusCode != 200 {
			t.Fatalf("healthz = %d after the bad inputs", resp.StatusCode)
		}
	}
}

// processesMentioning lists live processes whose command line holds s.
func processesMentioning(s string) []string {
	var found []string
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(s)) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "stat"))
		if f := strings.Fields(string(stat)); len(f) > 2 && f[2] == "Z" {
			continue
		}
		found = append(found, strings.ReplaceAll(string(b), "\x00", " "))
	}
	return found
}
