package video

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"

	"github.com/hashgate/hashgate/fingerprint"
)

// HashFile fingerprints the video at path: it checks the size, probes the
// file, refuses it early when its header breaks a limit, then decodes and
// hashes it while computing the MD5 and SHA-256 of its bytes. Errors wrap
// one of the package's sentinels (or ctx's error when the caller
// cancelled).
func HashFile(ctx context.Context, path string, o Options) (*Result, error) {
	o = o.withDefaults()
	size, err := fileSize(path)
	if err != nil {
		return nil, errorf(ErrNotVideo, "open", err)
	}
	if size > o.MaxBytes {
		return nil, errorf(ErrTooLarge, strconv.FormatInt(size, 10)+" bytes, over "+strconv.FormatInt(o.MaxBytes, 10), nil)
	}
	type sums struct {
		sha fingerprint.SHA256Digest
		md  fingerprint.MD5Digest
		n   int64
		err error
	}
	done := make(chan sums, 1)
	go func() {
		// Digest beside the decoder: both read the same (cached) file.
		f, err := os.Open(path)
		if err != nil {
			done <- sums{err: err}
			return
		}
		defer f.Close()
		s, m, n, err := fingerprint.DigestReader(f)
		done <- sums{s, m, n, err}
	}()
	res, herr := hashFile(ctx, path, size, o)
	d := <-done
	if herr != nil {
		return nil, herr
	}
	if d.err != nil {
		return nil, errorf(ErrDecode, "reading file", d.err)
	}
	res.SHA256, res.MD5, res.Size = d.sha, d.md, d.n
	return res, nil
}

// Hash fingerprints a video read from r. FFmpeg needs to seek (an MP4's
// index may sit at its end), so r is first copied, at most o.MaxBytes, to
// a temporary file in o.TempDir that is removed before Hash returns; the
// digests are computed while copying. o.Timeout covers the copy too: a
// reader that stalls ends in ErrTimeout (its blocked Read is left to
// return on its own; the file is already gone).
func Hash(ctx context.Context, r io.Reader, o Options) (*Result, error) {
	o = o.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	f, err := os.CreateTemp(o.TempDir, "hashgate-video-*")
	if err != nil {
		return nil, errorf(ErrDecode, "temporary file", err)
	}
	name := f.Name()
	defer os.Remove(name)
	type copied struct {
		n   int64
		err error
	}
	done := make(chan copied, 1)
	dg := fingerprint.NewDigester()
	go func() {
		n, err := io.Copy(io.MultiWriter(f, dg), io.LimitReader(r, o.MaxBytes+1))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- copied{n, err}
	}()
	var c copied
	select {
	case c = <-done:
	case <-ctx.Done():
		_ = os.Remove(name) // the copy goroutine closes f when its Read returns
		return nil, ctxError(ctx, "reading input")
	}
	if c.err != nil {
		return nil, errorf(ErrDecode, "reading input", c.err)
	}
	if c.n > o.MaxBytes {
		return nil, errorf(ErrTooLarge, "over "+strconv.FormatInt(o.MaxBytes, 10)+" bytes", nil)
	}
	res, err := hashFile(ctx, name, c.n, o)
	if err != nil {
		return nil, err
	}
	res.SHA256, res.MD5 = dg.Sum()
	res.Size = c.n
	return res, nil
}

// ctxError is the error for an ended ctx: ErrTimeout for a deadline, the
// context's own error for a cancellation.
func ctxError(ctx context.Context, reason string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errorf(ErrTimeout, reason, ctx.Err())
	}
	return errorf(ctx.Err(), reason, ctx.Err())
}

// hashFile probes and decodes; o has its defaults.
func hashFile(ctx context.Context, path string, size int64, o Options) (*Result, error) {
	if size == 0 {
		return nil, errorf(ErrNotVideo, "empty file", nil)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	p, stderr, err := probe(ctx, o, path)
	if err != nil {
		return nil, err
	}
	if err := checkProbe(p, stderr, o); err != nil {
		return nil, err
	}
	fps := p.Stream.FPS()
	res := &Result{
		FPS: fps, FrameMod: frameMod(o, fps),
		Duration: max(p.Duration, p.Stream.Duration),
		Width:    p.Stream.Width, Height: p.Stream.Height,
		Codec: p.Stream.Codec, Format: p.Format,
	}
	if err := decode(ctx, o, path, p, res); err != nil {
		return nil, err
	}
	return res, nil
}

// IsLimit reports whether err is a refusal by one of the Options' limits
// (as opposed to a file FFmpeg cannot read).
func IsLimit(err error) bool {
	return errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooLong) ||
		errors.Is(err, ErrTooManyFrames) || errors.Is(err, ErrTimeout)
}
