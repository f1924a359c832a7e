package video

import (
	"errors"
	"strings"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

// Defaults for the zero Options.
const (
	DefaultSecondsPerHash = 1.0
	DefaultMaxBytes       = 4 << 30 // 4 GiB
	DefaultMaxDuration    = 30 * time.Minute
	DefaultMaxPixels      = 4096 * 2304 // 4K DCI with room for padding
	DefaultMaxFrames      = 200_000     // hashed frames: 30 min at 100 fps, every frame
	DefaultTimeout        = 10 * time.Minute
	DefaultMaxMemory      = 4 << 30 // address space of each FFmpeg process
	DefaultThreads        = 1
)

// Sentinel errors. Every error this package returns wraps one of them (or
// a context error), so a caller can map it to a status code with errors.Is.
var (
	// ErrNoFFmpeg: the ffmpeg or ffprobe binary is missing or cannot run.
	ErrNoFFmpeg = errors.New("video: ffmpeg not available")
	// ErrNotVideo: the input is no container FFmpeg opens with the allowed
	// demuxers, or has no video stream (an audio-only file, a ZIP).
	ErrNotVideo = errors.New("video: not a video")
	// ErrTooLong: longer than Options.MaxDuration, by its header or while
	// decoding.
	ErrTooLong = errors.New("video: too long")
	// ErrTooLarge: more bytes than Options.MaxBytes, or frames of more
	// pixels than Options.MaxPixels.
	ErrTooLarge = errors.New("video: too large")
	// ErrTooManyFrames: more hashed frames than Options.MaxFrames.
	ErrTooManyFrames = errors.New("video: too many frames")
	// ErrTimeout: decoding took longer than Options.Timeout (wall time) or
	// FFmpeg used up its CPU limit.
	ErrTimeout = errors.New("video: timeout")
	// ErrDecode: FFmpeg failed on a file it had opened (a corrupt or
	// truncated stream, an unsupported codec, a resource limit).
	ErrDecode = errors.New("video: decoding failed")
	// ErrMalformed: a vPDQ text line or an ffprobe report could not be
	// parsed.
	ErrMalformed = errors.New("video: malformed input")
)

// Options configure Hash and HashFile. The zero value hashes one frame per
// second under the Default limits.
type Options struct {
	// SecondsPerHash is the interval between hashed frames (0 means
	// DefaultSecondsPerHash); EveryFrame hashes every frame, like the
	// reference's -r 0.
	SecondsPerHash float64
	EveryFrame     bool

	MaxBytes    int64         // file size; 0: DefaultMaxBytes
	MaxDuration time.Duration // by header and by frames decoded; 0: DefaultMaxDuration
	MaxPixels   int           // width×height of the video stream; 0: DefaultMaxPixels
	MaxFrames   int           // hashed frames; 0: DefaultMaxFrames
	Timeout     time.Duration // wall time of probing and decoding; 0: DefaultTimeout
	MaxMemory   int64         // RLIMIT_AS of each FFmpeg process in bytes; 0: DefaultMaxMemory, <0: none
	// MaxCPU is RLIMIT_CPU of each FFmpeg process; 0: Timeout.
	MaxCPU time.Duration
	// Threads is FFmpeg's decoder thread count; 0: DefaultThreads.
	Threads int

	// Trim also hashes, in each hashed frame where canon.Trim finds
	// borders, bands or blurred fill (a portrait video pillarboxed to 16:9,
	// a letterboxed film), the picture inside them, as Result.Trimmed.
	Trim bool

	// FFmpeg and FFprobe name the binaries; empty: "ffmpeg" and "ffprobe"
	// looked up in $PATH.
	FFmpeg, FFprobe string
	// TempDir holds the spooled copy of a Hash input (os.TempDir if empty).
	TempDir string
}

// Frame is one hashed frame.
type Frame struct {
	Number    int     // decoded-frame counter, from 0
	Timestamp float64 // Number/fps as the reference computes it (float32)
	PDQ       fingerprint.PDQHash
	Quality   int // PDQ quality, 0..100
}

// Result is the vPDQ of one video and the digests of its bytes.
type Result struct {
	Frames []Frame
	// Trimmed, with Options.Trim and when any frame had something to trim,
	// is Frames with each trimmed frame's PDQ and quality those of the
	// picture Trim kept (the others as they are); TrimmedFrames counts
	// them. The raw Frames stay the reference's vPDQ.
	Trimmed       []Frame
	TrimmedFrames int
	FPS           float64 // the frame rate frames are selected by
	FrameMod      int     // every FrameMod-th decoded frame is hashed
	Duration      float64 // seconds, from the container (0 when unknown)
	Width         int     // of the first video stream, as decoded
	Height        int
	Codec         string // FFmpeg's codec name, e.g. "h264"
	Format        string // FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
	Size          int64  // bytes
	MD5           fingerprint.MD5Digest
	SHA256        fingerprint.SHA256Digest
}

// Error is the error Hash and HashFile return: what failed, the sentinel
// it counts as, and FFmpeg's own last words when it had any.
type Error struct {
	Kind   error  // one of the sentinels above
	Reason string // short, for people
	Stderr string // FFmpeg's stderr (bounded), may be empty
	Err    error  // an underlying error, may be nil
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if !strings.HasPrefix(s, "video:") {
		s = "video: " + s // a context error
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Stderr != "" {
		s += " (ffmpeg: " + e.Stderr + ")"
	}
	return s
}

// Is reports whether target is e's sentinel, so errors.Is works.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error (a context error, an I/O error).
func (e *Error) Unwrap() error { return e.Err }

func errorf(kind error, reason string, err error) *Error {
	return &Error{Kind: kind, Reason: reason, Err: err}
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	if o.SecondsPerHash <= 0 {
		o.SecondsPerHash = DefaultSecondsPerHash
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = DefaultMaxDuration
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.MaxFrames <= 0 {
		o.MaxFrames = DefaultMaxFrames
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	if o.MaxCPU <= 0 {
		o.MaxCPU = o.Timeout
	}
	if o.Threads <= 0 {
		o.Threads = DefaultThreads
	}
	if o.FFmpeg == "" {
		o.FFmpeg = "ffmpeg"
	}
	if o.FFprobe == "" {
		o.FFprobe = "ffprobe"
	}
	return o
}

// frameMod is the reference's selection step: int(secondsPerHash × fps),
// 1 when that truncates to 0 (or for every frame).
func frameMod(o Options, fps float64) int {
	if o.EveryFrame {
		return 1
	}
	m := int(o.SecondsPerHash * fps)
	if m <= 0 {
		return 1
	}
	return m
}

// timestamp is n/fps the way the reference computes it: a float32
// division of the frame number by the float32 frame rate.
func timestamp(n int, fps float64) float64 {
	return float64(float32(n) / float32(fps))
}
