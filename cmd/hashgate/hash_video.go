package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/hashgate/hashgate/fingerprint/video"
)

// videoRecord is one line of `hashgate hash --json` for a video.
type videoRecord struct {
	Path     string       `json:"path"`
	Kind     string       `json:"kind"` // "video"
	Width    int          `json:"width"`
	Height   int          `json:"height"`
	FPS      float64      `json:"fps"`
	Duration float64      `json:"duration"`
	FrameMod int          `json:"frame_mod"`
	Codec    string       `json:"codec"`
	VPDQ     []videoFrame `json:"vpdq"`
	SHA256   string       `json:"sha256"`
	MD5      string       `json:"md5"`
}

type videoFrame struct {
	Frame     int     `json:"frame"`
	Quality   int     `json:"quality"`
	PDQ       string  `json:"pdq"`
	Timestamp float64 `json:"timestamp"`
}

func newVideoRecord(path string, r *video.Result) videoRecord {
	rec := videoRecord{
		Path: path, Kind: "video", Width: r.Width, Height: r.Height, FPS: r.FPS, Duration: r.Duration,
		FrameMod: r.FrameMod, Codec: r.Codec, VPDQ: make([]videoFrame, len(r.Frames)),
		SHA256: r.SHA256.String(), MD5: r.MD5.String(),
	}
	for i, f := range r.Frames {
		rec.VPDQ[i] = videoFrame{f.Number, f.Quality, f.PDQ.String(), f.Timestamp}
	}
	return rec
}

// videoOutput prints video results in the chosen form.
type videoOutput struct {
	format string // "table", "json" or "vpdq"
	outDir string // --format vpdq: one PATH.txt per video here; empty: stdout
	stdout io.Writer
	table  *tabwriter.Writer
	enc    *json.Encoder
}

func (v *videoOutput) write(path string, r *video.Result) error {
	switch v.format {
	case "vpdq":
		if v.outDir == "" {
			return video.WriteVPDQ(v.stdout, r.Frames)
		}
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".txt"
		f, err := os.Create(filepath.Join(v.outDir, name))
		if err != nil {
			return err
		}
		if err := video.WriteVPDQ(f, r.Frames); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case "json":
		return v.enc.Encode(newVideoRecord(path, r))
	}
	q := 0
	for _, f := range r.Frames {
		q += f.Quality
	}
	if len(r.Frames) > 0 {
		q /= len(r.Frames)
	}
	_, err := fmt.Fprintf(v.table, "%s\t%dx%d\t%d\tvpdq: %d frames, %.3g fps, every %d-th\t-\t-\t-\t%v\t%v\n",
		path, r.Width, r.Height, q, len(r.Frames), r.FPS, r.FrameMod, r.SHA256, r.MD5)
	return err
}

// isVideoFile reports whether path's bytes show a video container. GIFs
// count only when every file is hashed as video (--format vpdq): a GIF is
// otherwise fingerprinted as an image, by its first frame, and an animated
// one as a video too (isAnimatedGIF).
func isVideoFile(path string, allVideo bool) bool {
	c, err := video.FileContainer(path)
	if err != nil {
		return false
	}
	return c == "mp4" || c == "matroska" || (allVideo && c == "gif")
}

// isAnimatedGIF reports whether path is a GIF of more than one frame.
func isAnimatedGIF(path string) bool {
	if c, err := video.FileContainer(path); err != nil || c != "gif" {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	n, _ := video.GIFFrames(f, 2)
	return n > 1
}

func hashVideo(ctx context.Context, path string, o video.Options) (*video.Result, error) {
	return video.HashFile(ctx, path, o)
}
