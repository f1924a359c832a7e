package edge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// Error codes of video uploads (see errors.go for the others).
const (
	CodeVideoUnavailable = "video_unavailable" // 415: this edge has no FFmpeg, or video is turned off
	CodeVideoTooLarge    = "video_too_large"   // 413: over the video byte, pixel or frame limits
	CodeVideoTooLong     = "video_too_long"    // 413: longer than VideoConfig.MaxDuration
	CodeNotVideo         = "not_a_video"       // 415: a video container with no video stream (audio only)
	CodeVideoTimeout     = "video_timeout"     // 503: decoding ran out of wall or CPU time
)

// VideoConfig limits what the edge spends on one video upload. Videos are
// decoded by FFmpeg (package fingerprint/video) in a supervised process with
// these limits; Concurrency bounds videos decoded at once, apart from the
// image slots.
type VideoConfig struct {
	// Off refuses every video (415 video_unavailable) even with FFmpeg.
	Off bool
	// MaxBytes caps one video file. A video body (or multipart part) is
	// recognised by its first bytes and streamed to a temporary file under
	// this limit, not MaxBodyBytes, which stays the limit of everything
	// held in memory.
	MaxBytes int64
	// SpoolBytes caps the bytes of all video uploads on disk at once (503
	// busy beyond it); 0 is 4×MaxBytes.
	SpoolBytes int64
	// ReadTimeout is the time a video upload has to arrive in all (the
	// server's ReadTimeout then bounds each pause between reads); 0 is 30
	// minutes.
	ReadTimeout time.Duration
	// MaxDuration, by the container's header and by the frames decoded.
	MaxDuration time.Duration
	// MaxPixels caps width×height of the video stream.
	MaxPixels int
	// MaxFrames caps the frames hashed (one a second).
	MaxFrames int
	// Timeout is the wall time of probing and decoding one upload; CPU the
	// CPU time FFmpeg may use on it (RLIMIT_CPU); MaxMemory its address
	// space.
	Timeout   time.Duration
	CPU       time.Duration
	MaxMemory int64
	// Concurrency is how many videos are decoded at once; a video waits up
	// to ScanWait for a slot.
	Concurrency int
	// TempDir holds each upload's spooled copy for the length of its
	// request ("" is os.TempDir()).
	TempDir string
	// FFmpeg and FFprobe name the binaries ("" looks them up in $PATH).
	FFmpeg, FFprobe string
}

// DefaultVideoConfig: 30 minutes, 4K frames, one video at a time, two
// minutes of wall and CPU time each.
func DefaultVideoConfig() VideoConfig {
	return VideoConfig{
		MaxBytes:    2 << 30,
		ReadTimeout: 30 * time.Minute,
		MaxDuration: 30 * time.Minute,
		MaxPixels:   3840 * 2160,
		MaxFrames:   3600,
		Timeout:     2 * time.Minute,
		CPU:         2 * time.Minute,
		MaxMemory:   2 << 30,
		Concurrency: 1,
	}
}

func (c *VideoConfig) validate() error {
	if c.MaxBytes <= 0 || c.MaxDuration <= 0 || c.MaxPixels <= 0 || c.MaxFrames <= 0 ||
		c.Timeout <= 0 || c.CPU <= 0 || c.MaxMemory <= 0 || c.Concurrency <= 0 {
		return fmt.Errorf("%w: every video limit must be positive", ErrConfig)
	}
	if c.SpoolBytes < 0 || c.ReadTimeout < 0 {
		return fmt.Errorf("%w: video spool bytes and read timeout must not be negative", ErrConfig)
	}
	if c.TempDir != "" {
		if st, err := os.Stat(c.TempDir); err != nil || !st.IsDir() {
			return fmt.Errorf("%w: video temp dir %q is not a directory", ErrConfig, c.TempDir)
		}
	}
	return nil
}

func (c *VideoConfig) options() video.Options {
	return video.Options{
		MaxBytes: c.MaxBytes, MaxDuration: c.MaxDuration, MaxPixels: c.MaxPixels, MaxFrames: c.MaxFrames,
		Timeout: c.Timeout, MaxCPU: c.CPU, MaxMemory: c.MaxMemory, TempDir: c.TempDir,
		FFmpeg: c.FFmpeg, FFprobe: c.FFprobe,
		Trim: true, // searched beside the raw frames (scan)
	}
}

// videoScanner is the server's video side: its slots, and why it refuses
// videos when it does.
type videoScanner struct {
	cfg     VideoConfig
	slots   chan struct{}
	spooled atomic.Int64 // bytes on disk in spools (video_spool.go)
	// unavailable is set at start when FFmpeg is missing (or video is off):
	// every video is then refused, checked by its digests only.
	unavailable error
}

// errVideoOff is unavailable's value when the operator turned video off.
var errVideoOff = errors.New("edge: video uploads are turned off")

func newVideoScanner(cfg VideoConfig, log *slog.Logger) *videoScanner {
	if cfg.SpoolBytes == 0 {
		cfg.SpoolBytes = 4 * cfg.MaxBytes
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 30 * time.Minute
	}
	v := &videoScanner{cfg: cfg, slots: make(chan struct{}, max(cfg.Concurrency, 1))}
	switch {
	case cfg.Off:
		v.unavailable = errVideoOff
	default:
		if err := video.Available(cfg.options()); err != nil {
			v.unavailable = err
			log.Warn("edge: FFmpeg not found: video uploads are refused (415 video_unavailable); images are scanned as usual",
				"error", err.Error())
		}
	}
	return v
}

// isVideo reports whether b's bytes start like a video container this edge
// decodes (MP4/MOV/3GP, Matroska/WebM). GIFs go to the image decoder, and
// animated ones to FFmpeg as well (isAnimatedGIF).
func isVideo(b []byte) bool {
	c := video.Container(b)
	return c == "mp4" || c == "matroska"
}

// isAnimatedGIF reports whether b is a GIF of more than one frame.
func isAnimatedGIF(b []byte) bool {
	if video.Container(b) != "gif" {
		return false
	}
	n, _ := video.GIFFrames(bytes.NewReader(b), 2)
	return n > 1
}

// scanVideo checks one video upload's vPDQ through FFmpeg under the
// operator's limits (scanUploads has checked its digests first: a listed
// video_md5 matches whether or not the file decodes, and without FFmpeg).
// FFmpeg reads the upload's spool; a video part held in memory is
// spooled here, and that copy is removed before scanVideo returns.
func (s *Server) scanVideo(ctx context.Context, snap *Snapshot, u upload) ([]matchJSON, error) {
	v := s.video
	if v.unavailable != nil {
		return nil, &videoError{err: v.unavailable}
	}
	size := int64(len(u.data))
	if u.sp != nil {
		size = u.sp.size
	}
	if size > v.cfg.MaxBytes {
		return nil, &videoError{err: fmt.Errorf("%w: %d bytes, over %d", video.ErrTooLarge, size, v.cfg.MaxBytes)}
	}
	wait := time.NewTimer(s.cfg.ScanWait)
	defer wait.Stop()
	select {
	case v.slots <- struct{}{}:
	case <-wait.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, errBusy
	}
	defer func() { <-v.slots }()
	path := ""
	if u.sp != nil {
		path = u.sp.f.Name() // spooled as it arrived
	} else {
		// A small video held in memory (a multipart part): spooled here.
		sp, err := s.spoolCopy(nil, u.data, eofReader{}, v.cfg.MaxBytes)
		if err != nil {
			return nil, errBusy // the spool is full or the disk failed (logged)
		}
		defer sp.remove()
		path = sp.f.Name()
	}
	start := time.Now()
	res, err := video.HashFile(ctx, path, v.cfg.options())
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			s.log.Info("edge: video scan stopped", "cause", cause.Error(), "took", time.Since(start).Round(time.Millisecond).String())
			return nil, errBusy // nobody waits for the answer, or the edge is stopping
		}
		s.log.Info("edge: video not fingerprinted", "error", err.Error(), "bytes", size,
			"took", time.Since(start).Round(time.Millisecond).String())
		return nil, &videoError{err: err}
	}
	frames := matchFrames(res.Frames)
	var rep match.VideoReport
	if vi, ok := snap.Index.(videoIndex); ok {
		rep = vi.MatchVideo(frames)
		if res.Trimmed != nil {
			// The frames' pictures inside bars (a pillarboxed or
			// letterboxed copy): a listed video either set matches is a
			// match, reported once, by the raw frames when both do.
			for _, r := range vi.MatchVideo(matchFrames(res.Trimmed)).Results {
				if !slices.ContainsFunc(rep.Results, func(o match.VideoResult) bool { return o.Video.ID == r.Video.ID }) {
					rep.Results = append(rep.Results, r)
				}
			}
		}
	}
	s.log.Debug("edge: video scanned", "frames", len(frames), "searched", rep.Frames, "matches", len(rep.Results),
		"took", time.Since(start).Round(time.Millisecond).String())
	sha, md := u.digests()
	sub := &subject{snap: snap, file: u.name, sha256: &sha, md5: &md}
	return s.appendVideoMatches(nil, rep.Results, sub), nil
}

// matchFrames is fs as match takes them.
func matchFrames(fs []video.Frame) []match.Frame {
	out := make([]match.Frame, len(fs))
	for i, fr := range fs {
		out[i] = match.Frame{PDQ: fr.PDQ, Quality: fr.Quality, Timestamp: time.Duration(fr.Timestamp * float64(time.Second))}
	}
	return out
}

// videoIndex is an Index that holds listed videos (*match.Index does).
type videoIndex interface {
	MatchVideo(frames []match.Frame) match.VideoReport
}

// videoError is a video that could not be fingerprinted.
type videoError struct{ err error }

func (e *videoError) Error() string { return e.err.Error() }
func (e *videoError) Unwrap() error { return e.err }

// videoErrorStatus maps a video failure to its answer.
func videoErrorStatus(err error) (int, string, string) {
	switch {
	case errors.Is(err, errVideoOff):
		return fasthttp.StatusUnsupportedMediaType, CodeVideoUnavailable, "this edge does not accept videos"
	case errors.Is(err, video.ErrNoFFmpeg):
		return fasthttp.StatusUnsupportedMediaType, CodeVideoUnavailable, "this edge cannot decode videos (no FFmpeg); images are accepted"
	case errors.Is(err, video.ErrTooLong):
		return fasthttp.StatusRequestEntityTooLarge, CodeVideoTooLong, publicVideoError(err)
	case errors.Is(err, video.ErrTooLarge), errors.Is(err, video.ErrTooManyFrames):
		return fasthttp.StatusRequestEntityTooLarge, CodeVideoTooLarge, publicVideoError(err)
	case errors.Is(err, video.ErrNotVideo):
		return fasthttp.StatusUnsupportedMediaType, CodeNotVideo, "not a video the edge decodes: " + publicVideoError(err)
	case errors.Is(err, video.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return fasthttp.StatusServiceUnavailable, CodeVideoTimeout, "decoding the video took too long"
	}
	return fasthttp.StatusUnprocessableEntity, CodeUnprocessable, "the video could not be fingerprinted: " + publicVideoError(err)
}

// publicVideoError is what a client is told of a video failure: the kind
// and the reason (a limit, "no video stream"), never FFmpeg's stderr or an
// underlying error, which name the spool's path on this machine. The whole
// error is logged (scanVideo).
func publicVideoError(err error) string {
	var ve *video.Error
	if !errors.As(err, &ve) {
		if errors.Is(err, video.ErrTooLarge) {
			return video.ErrTooLarge.Error() // scanVideo's own byte check
		}
		return "video: failed"
	}
	msg := ve.Kind.Error()
	if ve.Reason != "" {
		msg += ": " + ve.Reason
	}
	return msg
}

// videoMatchJSON says why a listed video matched: its name, the rule, the
// share of the upload's frames and of the listed video's that matched, and
// the matched stretches of the upload in seconds.
type videoMatchJSON struct {
	ID            string       `json:"id"`
	Rule          string       `json:"rule"`
	UploadPercent float64      `json:"upload_percent"`
	ListedPercent float64      `json:"listed_percent"`
	Ranges        [][2]float64 `json:"ranges"`
}

// appendVideoMatches converts video results and counts them in the metrics.
func (s *Server) appendVideoMatches(dst []matchJSON, res []match.VideoResult, sub *subject) []matchJSON {
	for _, r := range res {
		labels := r.Video.Labels
		if labels == nil {
			labels = []string{}
		}
		vm := &videoMatchJSON{ID: r.Video.ID, Rule: r.Rule.String(), UploadPercent: round1(r.QueryPercent),
			ListedPercent: round1(r.IndexPercent), Ranges: [][2]float64{}}
		for _, tr := range r.Ranges {
			vm.Ranges = append(vm.Ranges, [2]float64{tr.Start.Seconds(), tr.End.Seconds()})
		}
		m := matchJSON{Kind: fingerprint.KindVPDQ.String(), Labels: labels, List: r.Video.Source, File: sub.file, Video: vm,
			entry: release.EntryID(fingerprint.KindVPDQ, []byte(r.Video.ID))}
		var ok bool
		if m.Action, m.rule, ok = s.screen(sub, &m); !ok {
			continue
		}
		dst = append(dst, m)
		s.metrics.match(r.Video.Source, r.Video.Labels)
	}
	return dst
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// eofReader is an empty reader.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
