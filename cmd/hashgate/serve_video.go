package main

import (
	"flag"

	"github.com/hashgate/hashgate/edge"
	"github.com/hashgate/hashgate/match"
)

// addVideoFlags registers the video limits and match rules of serve.
func addVideoFlags(fs *flag.FlagSet, c *edge.VideoConfig, m *match.Options) {
	fs.BoolVar(&c.Off, "video-off", c.Off, "refuse every video upload (415 video_unavailable) even where FFmpeg is installed")
	fs.Int64Var(&c.MaxBytes, "video-max-bytes", c.MaxBytes, "largest video file in `bytes` (a video streams to disk under it, not --max-body)")
	fs.Int64Var(&c.SpoolBytes, "video-spool-bytes", c.SpoolBytes, "`bytes` of all video uploads on disk at once (0: 4 x --video-max-bytes)")
	fs.DurationVar(&c.ReadTimeout, "video-read-timeout", c.ReadTimeout, "time a video upload has to arrive in all (--read-timeout bounds each pause)")
	fs.DurationVar(&c.MaxDuration, "video-max-duration", c.MaxDuration, "longest video decoded, by its header and by its frames")
	fs.IntVar(&c.MaxPixels, "video-max-pixels", c.MaxPixels, "largest video frame in `pixels` (width x height)")
	fs.IntVar(&c.MaxFrames, "video-max-frames", c.MaxFrames, "most frames hashed in one video (one a second)")
	fs.DurationVar(&c.Timeout, "video-timeout", c.Timeout, "wall time to probe and decode one video")
	fs.DurationVar(&c.CPU, "video-cpu", c.CPU, "CPU time FFmpeg may use on one video")
	fs.Int64Var(&c.MaxMemory, "video-max-memory", c.MaxMemory, "address space of each FFmpeg process in `bytes`")
	fs.IntVar(&c.Concurrency, "video-concurrency", c.Concurrency, "videos decoded at once (apart from --scan-concurrency images)")
	fs.StringVar(&c.TempDir, "video-temp-dir", c.TempDir, "`directory` for each video upload's copy while it is scanned (default: the system's)")
	fs.StringVar(&c.FFmpeg, "ffmpeg", c.FFmpeg, "FFmpeg `binary` (default: ffmpeg in $PATH)")
	fs.StringVar(&c.FFprobe, "ffprobe", c.FFprobe, "ffprobe `binary` (default: ffprobe in $PATH)")
	fs.IntVar(&m.VideoFrameThreshold, "video-frame-threshold", m.VideoFrameThreshold, "largest PDQ distance at which two video frames match (0..255)")
	fs.IntVar(&m.VideoMinQuality, "video-min-quality", m.VideoMinQuality, "lowest frame quality matched, on both sides (0..100)")
	fs.Float64Var(&m.VideoQueryPercent, "video-query-percent", m.VideoQueryPercent, "whole-video rule: least share of the upload's frames that match a listed video")
	fs.Float64Var(&m.VideoIndexPercent, "video-index-percent", m.VideoIndexPercent, "whole-video rule: least share of the listed video's frames that match")
	fs.Float64Var(&m.VideoContainsPercent, "video-contains-percent", m.VideoContainsPercent, "contains rule: least share of a listed video's frames found in the upload (0: rule off)")
	fs.IntVar(&m.VideoContainsMinFrames, "video-contains-min-frames", m.VideoContainsMinFrames, "contains rule: least number of the listed video's frames found")
}
