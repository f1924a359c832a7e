package video

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

// formatWhitelist is the demuxers FFmpeg may use. It keeps playlist and
// concat demuxers (which open other files) and raw formats out: an upload
// is one self-contained container.
const formatWhitelist = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,gif"

// maxStderr bounds what is kept of FFmpeg's stderr.
const maxStderr = 4 << 10

// maxProbeReport bounds ffprobe's JSON (50 streams take ~60 KB).
const maxProbeReport = 4 << 20

// Available reports whether the ffmpeg and ffprobe binaries o names can
// be found, as ErrNoFFmpeg if not. An edge calls it at start.
func Available(o Options) error {
	o = o.withDefaults()
	for _, bin := range []string{o.FFmpeg, o.FFprobe} {
		if _, err := exec.LookPath(bin); err != nil {
			return errorf(ErrNoFFmpeg, bin, err)
		}
	}
	return nil
}

// boundedBuffer keeps the first max bytes written to it and drops the
// rest, so a chatty decoder cannot grow memory.
type boundedBuffer struct {
	mu  sync.Mutex
	b   bytes.Buffer
	max int
}

func (w *boundedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *boundedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSpace(strings.ReplaceAll(w.b.String(), "\n", "; "))
}

// command builds a supervised FFmpeg child: resource limits through a
// /bin/sh ulimit wrapper (set before exec, so they hold from the first
// instruction), its own process group killed with SIGKILL when ctx ends,
// and SIGKILL when this process dies.
func command(ctx context.Context, o Options, bin string, args []string) (*exec.Cmd, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, errorf(ErrNoFFmpeg, bin, err)
	}
	var cmd *exec.Cmd
	if sh, err := exec.LookPath("/bin/sh"); err == nil {
		var limits []string
		if o.MaxMemory > 0 {
			limits = append(limits, "ulimit -v "+strconv.FormatInt(max(o.MaxMemory>>10, 1), 10))
		}
		if o.MaxCPU > 0 {
			limits = append(limits, "ulimit -t "+strconv.FormatInt(int64(max(o.MaxCPU/time.Second, 1)), 10))
		}
		limits = append(limits, `exec "$0" "$@"`)
		cmd = exec.CommandContext(ctx, sh, append([]string{"-c", strings.Join(limits, " && "), path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 2 * time.Second
	return cmd, nil
}

// exitError classifies how a child ended once it has: the context (wall
// time or the caller's cancellation), the CPU limit, or its own failure.
func exitError(ctx context.Context, err error, kind error, reason string, stderr *boundedBuffer) error {
	if ctx.Err() != nil {
		return ctxError(ctx, reason)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() &&
			(ws.Signal() == syscall.SIGXCPU || ws.Signal() == syscall.SIGKILL) {
			return &Error{Kind: ErrTimeout, Reason: reason + ": CPU limit", Stderr: stderr.String(), Err: err}
		}
	}
	return &Error{Kind: kind, Reason: reason, Stderr: stderr.String(), Err: err}
}

// probe runs ffprobe on path. It returns ffprobe's stderr too: a size
// FFmpeg refuses outright shows only there (the report says 0x0).
func probe(ctx context.Context, o Options, path string) (Probe, string, error) {
	args := []string{
		"-hide_banner", "-v", "error",
		"-protocol_whitelist", "file", "-format_whitelist", formatWhitelist,
		"-print_format", "json", "-show_format", "-show_streams",
		"file:" + path,
	}
	cmd, err := command(ctx, o, o.FFprobe, args)
	if err != nil {
		return Probe{}, "", err
	}
	stderr := &boundedBuffer{max: maxStderr}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return Probe{}, "", errorf(ErrNoFFmpeg, "ffprobe", err)
	}
	if err := cmd.Start(); err != nil {
		return Probe{}, "", errorf(ErrNoFFmpeg, "ffprobe", err)
	}
	report, rerr := io.ReadAll(io.LimitReader(out, maxProbeReport+1))
	if len(report) > maxProbeReport {
		_ = cmd.Cancel()
	}
	werr := cmd.Wait()
	if werr != nil || rerr != nil {
		return Probe{}, "", exitError(ctx, errors.Join(werr, rerr), ErrNotVideo, "ffprobe", stderr)
	}
	if len(report) > maxProbeReport {
		return Probe{}, "", errorf(ErrNotVideo, "ffprobe report over "+strconv.Itoa(maxProbeReport)+" bytes", nil)
	}
	p, err := ParseProbe(report)
	return p, stderr.String(), err
}

// checkProbe applies the limits a header can show.
func checkProbe(p Probe, stderr string, o Options) error {
	s := p.Stream
	switch {
	case p.VideoStreams == 0:
		return errorf(ErrNotVideo, "no video stream", nil)
	case (s.Width <= 0 || s.Height <= 0) && strings.Contains(stderr, "Picture size") && strings.Contains(stderr, "is invalid"):
		// FFmpeg's own ceiling (av_image_check_size: about 16384×16384)
		// refused the header's size, e.g. 65535×65535.
		return &Error{Kind: ErrTooLarge, Reason: "frame size refused by FFmpeg", Stderr: stderr}
	case s.Width <= 0 || s.Height <= 0:
		return &Error{Kind: ErrNotVideo, Reason: "video stream without a size", Stderr: stderr}
	case int64(s.Width)*int64(s.Height) > int64(o.MaxPixels):
		return errorf(ErrTooLarge, strconv.Itoa(s.Width)+"x"+strconv.Itoa(s.Height)+" pixels per frame, over "+strconv.Itoa(o.MaxPixels), nil)
	case s.FPS() <= 0:
		return errorf(ErrNotVideo, "video stream without a frame rate", nil)
	}
	if d := max(p.Duration, s.Duration); d > o.MaxDuration.Seconds() {
		return errorf(ErrTooLong, strconv.FormatFloat(d, 'f', 1, 64)+" s, over "+o.MaxDuration.String(), nil)
	}
	if s.Frames > 0 && float64(s.Frames)/s.FPS() > o.MaxDuration.Seconds()+1 {
		return errorf(ErrTooLong, strconv.FormatInt(s.Frames, 10)+" frames, over "+o.MaxDuration.String(), nil)
	}
	return nil
}

// filterGraph selects every mod-th decoded frame (n counts every frame
// the decoder outputs, as the reference's counter does) and converts it
// as the reference does: libswscale SWS_AREA, the BT.601 matrix (the
// default of sws_getContext, which ignores the stream's colour tags),
// limited range except for the full-range yuvj formats, the stream's own
// size. Converting only the selected frames is exact because selection
// happens before any per-frame state.
func filterGraph(s Stream, mod int) string {
	rng := "tv"
	if strings.HasPrefix(s.PixFmt, "yuvj") {
		rng = "pc"
	}
	g := "scale=" + strconv.Itoa(s.Width) + ":" + strconv.Itoa(s.Height) +
		":flags=area:in_color_matrix=bt601:in_range=" + rng + ",format=rgb24"
	if mod > 1 {
		g = `select=not(mod(n\,` + strconv.Itoa(mod) + `)),` + g
	}
	return g
}

// decode runs ffmpeg on path and hashes every selected frame as it
// arrives on the pipe.
func decode(ctx context.Context, o Options, path string, p Probe, res *Result) error {
	s := p.Stream
	args := []string{
		"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
		"-protocol_whitelist", "file", "-format_whitelist", formatWhitelist,
		"-noautorotate", "-threads", strconv.Itoa(o.Threads),
		"-max_pixels", strconv.Itoa(o.MaxPixels),
		"-i", "file:" + path,
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-filter_threads", "1", "-sws_flags", "area",
		"-vf", filterGraph(s, res.FrameMod),
		"-fps_mode", "passthrough",
		"-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
	}
	cmd, err := command(ctx, o, o.FFmpeg, args)
	if err != nil {
		return err
	}
	stderr := &boundedBuffer{max: maxStderr}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return errorf(ErrNoFFmpeg, "ffmpeg", err)
	}
	if err := cmd.Start(); err != nil {
		return errorf(ErrNoFFmpeg, "ffmpeg", err)
	}
	herr := hashStream(out, o, s, res)
	if herr != nil {
		_ = cmd.Cancel() // stop decoding what will not be used
	}
	werr := cmd.Wait()
	if ctx.Err() != nil {
		return exitError(ctx, werr, ErrDecode, "ffmpeg", stderr)
	}
	if herr != nil {
		var e *Error
		if errors.As(herr, &e) && e.Kind != ErrDecode {
			return herr // a limit, not FFmpeg's failure
		}
		return &Error{Kind: ErrDecode, Reason: "ffmpeg output", Stderr: stderr.String(), Err: herr}
	}
	if werr != nil {
		return exitError(ctx, werr, ErrDecode, "ffmpeg", stderr)
	}
	if len(res.Frames) == 0 {
		return &Error{Kind: ErrDecode, Reason: "no frame decoded", Stderr: stderr.String()}
	}
	return nil
}

// hashStream reads packed RGB24 frames of the probed size from r.
func hashStream(r io.Reader, o Options, s Stream, res *Result) error {
	frameSize := 3 * s.Width * s.Height
	buf := make([]byte, frameSize)
	var fh fingerprint.FrameHasher
	var tr trimmer
	maxSeconds := o.MaxDuration.Seconds()
	defer func() {
		if res.TrimmedFrames == 0 {
			res.Trimmed = nil
		}
	}()
	for k := 0; ; k++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			if err == io.EOF {
				return nil
			}
			return errorf(ErrDecode, "partial frame", err)
		}
		n := k * res.FrameMod
		if float64(n)/res.FPS > maxSeconds+1 {
			return errorf(ErrTooLong, "over "+o.MaxDuration.String()+" of frames decoded", nil)
		}
		if len(res.Frames) >= o.MaxFrames {
			return errorf(ErrTooManyFrames, "over "+strconv.Itoa(o.MaxFrames)+" hashed frames", nil)
		}
		h, q, err := fh.PDQRGB24(buf, s.Width, s.Height, 3*s.Width)
		if err != nil {
			return errorf(ErrDecode, "frame "+strconv.Itoa(n), err)
		}
		f := Frame{Number: n, Timestamp: timestamp(n, res.FPS), PDQ: h, Quality: q}
		res.Frames = append(res.Frames, f)
		if o.Trim {
			t, err := tr.frame(&fh, buf, s.Width, s.Height, f)
			if err != nil {
				return errorf(ErrDecode, "frame "+strconv.Itoa(n), err)
			}
			res.Trimmed = append(res.Trimmed, t)
			if t != f {
				res.TrimmedFrames++
			}
		}
	}
}

// fileSize is the size of path, for the MaxBytes check before anything
// reads it.
func fileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if !st.Mode().IsRegular() {
		return 0, errors.New("not a regular file")
	}
	return st.Size(), nil
}
