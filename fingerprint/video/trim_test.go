package video_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
)

// A portrait-style copy of (the start of) Meta's sample video, squeezed to 70 % of its
// width and pillarboxed back to its size with black bars, or letterboxed
// into bands of dark grey: its raw frames land far from the original's,
// its trimmed frames (Options.Trim) match them as vPDQ's whole-video rule
// counts, and the original itself has nothing to trim.
func TestTrimFramesPillarbox(t *testing.T) {
	dir := t.TempDir()
	// Its first 4 seconds, at 1024 tall (the trimmed picture is averaged
	// down 2×2 before its hash), keep the test quick.
	src := ffmpegMake(t, dir, "-i", filepath.Join(testenv.VPDQDir(t), "videos", "pattern-hd-no-bar.mp4"),
		"-t", "4", "-vf", "scale=-2:1024", "-c:v", "libx264", "-preset", "ultrafast", "-an", "orig.mp4")
	ctx := context.Background()
	o := video.Options{Trim: true}
	orig, err := video.HashFile(ctx, src, o)
	if err != nil {
		t.Fatal(err)
	}
	if orig.Trimmed != nil {
		t.Errorf("original: %d of %d frames trimmed, want none", orig.TrimmedFrames, len(orig.Frames))
	}
	for _, tt := range []struct{ name, vf string }{
		{"pillarbox.mp4", "scale=trunc(iw*0.7/2)*2:ih,pad=trunc(iw/0.7/2)*2:ih:(ow-iw)/2:0:black"},
		{"letterbox.mp4", "pad=iw:trunc(ih*1.35/2)*2:0:(oh-ih)/2:0x303030"},
	} {
		p := ffmpegMake(t, dir, "-i", src, "-vf", tt.vf, "-c:v", "libx264", "-preset", "ultrafast", "-an", tt.name)
		r, err := video.HashFile(ctx, p, o)
		if err != nil {
			t.Fatal(err)
		}
		rule := video.DefaultRule
		raw := video.Compare(r.Frames, orig.Frames, rule)
		if r.Trimmed == nil || r.TrimmedFrames < len(r.Frames)*8/10 {
			t.Fatalf("%s: %d of %d frames trimmed, want at least 80 %%", tt.name, r.TrimmedFrames, len(r.Frames))
		}
		trimmed := video.Compare(r.Trimmed, orig.Frames, rule)
		if trimmed.QueryPercent < 80 || raw.QueryPercent >= 80 {
			t.Errorf("%s: query frames matched %.1f %% raw, %.1f %% trimmed; want under 80 raw, 80 or more trimmed", tt.name, raw.QueryPercent, trimmed.QueryPercent)
		}
		t.Logf("%s: %d of %d frames trimmed; matched %.1f %% raw, %.1f %% trimmed", tt.name, r.TrimmedFrames, len(r.Frames), raw.QueryPercent, trimmed.QueryPercent)
	}
}

// Meta's own sample edits of its pattern video, reduced to SD inside black
// bars, grey or with a small logo: their raw vPDQ shares no frame with the
// original's, their trimmed frames all of them (the large logo covers too
// much for either).
func TestTrimFramesMetaSamples(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	ctx := context.Background()
	o := video.Options{Trim: true}
	orig, err := video.HashFile(ctx, filepath.Join(vdir, "pattern-hd-no-bar.mp4"), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pattern-sd-grey-bar.mp4", "pattern-sd-with-small-logo-bar.mp4"} {
		r, err := video.HashFile(ctx, filepath.Join(vdir, name), o)
		if err != nil {
			t.Fatal(err)
		}
		raw := video.Compare(r.Frames, orig.Frames, video.DefaultRule)
		if r.Trimmed == nil {
			t.Fatalf("%s: nothing trimmed", name)
		}
		tr := video.Compare(r.Trimmed, orig.Frames, video.DefaultRule)
		if raw.QueryPercent >= 80 || tr.QueryPercent < 80 || tr.TargetPercent < 80 {
			t.Errorf("%s: raw %.0f %%, trimmed %.0f / %.0f %%; want raw under 80, trimmed 80 or more both ways", name, raw.QueryPercent, tr.QueryPercent, tr.TargetPercent)
		}
	}
}
