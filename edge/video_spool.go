package edge

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint"
)

// A video upload is never held in memory: its bytes go from the socket to
// a temporary file (a spool) as they arrive, under the video byte limit,
// with their digests computed on the way. The spool is what FFmpeg reads
// and, in proxy mode, what the origin is sent.

// spool is a body, or one part of it, copied to a temporary file.
type spool struct {
	f    *os.File
	size int64
	sha  fingerprint.SHA256Digest
	md   fingerprint.MD5Digest
	head []byte // the first bytes, for classify
	// held is what this spool counts against the server's spool budget.
	held   int64
	budget *atomic.Int64
}

// remove closes and deletes the file and gives its bytes back.
func (sp *spool) remove() {
	if sp == nil || sp.f == nil {
		return
	}
	sp.f.Close()
	os.Remove(sp.f.Name())
	sp.f = nil
	sp.budget.Add(-sp.held)
}

// reader reads the spooled bytes from the start, independently of other
// readers (and is no io.Closer, so a consumer cannot close the file).
func (sp *spool) reader() *io.SectionReader { return io.NewSectionReader(sp.f, 0, sp.size) }

// Spooling failures.
var (
	// errSpoolTooLarge: the body (or part) is over its byte limit.
	errSpoolTooLarge = errors.New("edge: upload over the video byte limit")
	// errSpoolFull: the spool budget (bytes on disk for all uploads at
	// once) is taken; the client may retry.
	errSpoolFull = errors.New("edge: the video spool is full")
	// errSpoolDisk: the edge could not write the temporary file.
	errSpoolDisk = errors.New("edge: spooling the upload failed")
	// errBodyRead: the client's body broke off (or was malformed).
	errBodyRead = errors.New("edge: reading the request body failed")
	// errPartTooLarge: a multipart part that is not a video is over
	// MaxBodyBytes (only videos are spooled).
	errPartTooLarge = errors.New("edge: a part that is not a video is over the body byte limit")
)

// spoolCopy copies head and then r, at most limit bytes in all, into a new
// temporary file in the video temp dir. rc, when not nil, is the request
// whose read deadline it extends while bytes keep coming: a long upload
// has Video.ReadTimeout in all, and the server's ReadTimeout between any
// two reads. On error nothing is left behind.
func (s *Server) spoolCopy(rc *fasthttp.RequestCtx, head []byte, r io.Reader, limit int64) (*spool, error) {
	v := s.video
	f, err := os.CreateTemp(v.cfg.TempDir, "hashgate-upload-*.video")
	if err != nil {
		s.log.Error("edge: spooling an upload", "error", err.Error())
		return nil, errSpoolDisk
	}
	sp := &spool{f: f, budget: &v.spooled}
	ok := false
	defer func() {
		if !ok {
			sp.remove()
		}
	}()
	dg := fingerprint.NewDigester()
	w := bufio.NewWriterSize(io.MultiWriter(f, dg), 256<<10)
	put := func(p []byte) error {
		if len(p) == 0 {
			return nil
		}
		k := int64(len(p))
		if sp.size+k > limit {
			return errSpoolTooLarge
		}
		if v.spooled.Add(k) > v.cfg.SpoolBytes {
			v.spooled.Add(-k)
			return errSpoolFull
		}
		sp.held += k
		if _, err := w.Write(p); err != nil {
			s.log.Error("edge: spooling an upload", "error", err.Error())
			return errSpoolDisk
		}
		sp.size += k
		if len(sp.head) < 16 {
			sp.head = append(sp.head, p[:min(len(p), 16-len(sp.head))]...)
		}
		return nil
	}
	if err := put(head); err != nil {
		return nil, err
	}
	buf := make([]byte, 64<<10)
	var end, extended time.Time
	if rc != nil {
		end = time.Now().Add(v.cfg.ReadTimeout)
	}
	for {
		if rc != nil {
			// Extend the deadline at most every second (it is a syscall).
			if now := time.Now(); now.Sub(extended) > time.Second {
				_ = rc.SetReadDeadline(minTime(now.Add(s.cfg.ReadTimeout), end))
				extended = now
			}
		}
		n, rerr := r.Read(buf)
		if err := put(buf[:n]); err != nil {
			return nil, err
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, errors.Join(errBodyRead, rerr)
		}
	}
	if err := w.Flush(); err != nil {
		s.log.Error("edge: spooling an upload", "error", err.Error())
		return nil, errSpoolDisk
	}
	sp.sha, sp.md = dg.Sum()
	ok = true
	return sp, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// reqBody is a request body read for scanning: in memory
// (ctx.Request.Body()) or, for a video or a multipart body too large for
// memory, spooled to disk. Everything it spooled is removed by close.
type reqBody struct {
	raw   *spool   // the whole body on disk; nil when it is in memory
	parts []*spool // parts of a spooled multipart body, spooled on their own
}

func (b *reqBody) close() {
	b.raw.remove()
	for _, p := range b.parts {
		p.remove()
	}
}

// readUpload reads an upload's body for scanning, choosing by its first
// bytes: a video (an MP4/MOV or Matroska/WebM body) is spooled under
// Video.MaxBytes; a multipart body stays in memory up to MaxBodyBytes and
// is spooled beyond that (its video parts then each get a spool of their
// own; every other part must fit in MaxBodyBytes); anything else is read
// into memory under MaxBodyBytes as before. On false the answer has been
// written and nothing is left on disk.
func (s *Server) readUpload(ctx *fasthttp.RequestCtx) (*reqBody, bool) {
	stream := ctx.RequestBodyStream()
	if stream == nil {
		// The body is already in memory (fasthttp read it: a test server
		// or StreamRequestBody off).
		return &reqBody{}, s.readBody(ctx, s.cfg.MaxBodyBytes)
	}
	cl := ctx.Request.Header.ContentLength()
	multi := isMultipart(ctx.Request.Header.ContentType())
	var head [16]byte
	n, err := io.ReadFull(stream, head[:])
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	if err != nil {
		s.writeBodyError(ctx, errors.Join(errBodyRead, err))
		return nil, false
	}
	h := head[:n]
	switch {
	case !multi && isVideo(h):
		if int64(cl) > s.video.cfg.MaxBytes {
			s.refuseAnnounced(ctx, errSpoolTooLarge)
			return nil, false
		}
		sp, err := s.spoolCopy(ctx, h, stream, s.video.cfg.MaxBytes)
		if err != nil {
			s.writeBodyError(ctx, err)
			return nil, false
		}
		return &reqBody{raw: sp}, true
	case multi && (cl > s.cfg.MaxBodyBytes || cl < 0):
		limit := s.video.cfg.MaxBytes + int64(s.cfg.MaxBodyBytes)
		if int64(cl) > limit {
			s.refuseAnnounced(ctx, errSpoolTooLarge)
			return nil, false
		}
		// In memory while it fits MaxBodyBytes (a chunked form is usually
		// small), spooled from there on.
		var buf bytes.Buffer
		buf.Write(h)
		if cl < 0 {
			if _, err := buf.ReadFrom(io.LimitReader(stream, int64(s.cfg.MaxBodyBytes)+1-int64(n))); err != nil {
				s.writeBodyError(ctx, errors.Join(errBodyRead, err))
				return nil, false
			}
			if buf.Len() <= s.cfg.MaxBodyBytes {
				ctx.Request.SetBodyRaw(buf.Bytes())
				return &reqBody{}, true
			}
		}
		sp, err := s.spoolCopy(ctx, buf.Bytes(), stream, limit)
		if err != nil {
			s.writeBodyError(ctx, err)
			return nil, false
		}
		return &reqBody{raw: sp}, true
	}
	return &reqBody{}, s.readBodyAfter(ctx, h, stream, s.cfg.MaxBodyBytes)
}

func isMultipart(contentType []byte) bool {
	mt, _, err := mime.ParseMediaType(string(contentType))
	return err == nil && strings.HasPrefix(mt, "multipart/")
}

// writeBodyError answers a body that could not be read or spooled; the
// connection is closed (the rest of the body is not read).
func (s *Server) writeBodyError(ctx *fasthttp.RequestCtx, err error) {
	if errors.Is(err, errSpoolTooLarge) || errors.Is(err, errPartTooLarge) ||
		errors.Is(err, errSpoolFull) || errors.Is(err, errSpoolDisk) {
		lingerClose(ctx) // refused part-way: the client is still sending
	}
	s.refuseAnnounced(ctx, err)
}

// refuseAnnounced is writeBodyError for a body refused by its header alone,
// answered at once without lingering (the client may be waiting for just
// that answer before it sends the body).
func (s *Server) refuseAnnounced(ctx *fasthttp.RequestCtx, err error) {
	ctx.SetConnectionClose()
	var netErr net.Error
	switch {
	case errors.Is(err, errSpoolTooLarge):
		writeError(ctx, fasthttp.StatusRequestEntityTooLarge, CodeVideoTooLarge,
			"video upload over "+strconv.FormatInt(s.video.cfg.MaxBytes, 10)+" bytes")
	case errors.Is(err, errPartTooLarge):
		writeError(ctx, fasthttp.StatusRequestEntityTooLarge, CodeBodyTooLarge,
			"the parts that are not videos are over "+strconv.Itoa(s.cfg.MaxBodyBytes)+" bytes")
	case errors.Is(err, errSpoolFull):
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeBusy, "too many video uploads at once; retry later")
	case errors.Is(err, errSpoolDisk):
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeBusy, "the edge could not store the upload; retry later")
	case errors.As(err, &netErr) && netErr.Timeout():
		writeError(ctx, fasthttp.StatusRequestTimeout, CodeRequestTimeout, "request not received in time")
	default:
		s.log.Info("edge: upload body not read", "error", err.Error())
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "malformed request body")
	}
}

// uploads splits a read body into its files (splitUploads for one in
// memory).
func (s *Server) uploads(ctx *fasthttp.RequestCtx, b *reqBody) ([]upload, error) {
	ct := ctx.Request.Header.ContentType()
	switch {
	case b.raw == nil:
		return splitUploads(ct, ctx.PostBody(), s.cfg.MaxParts)
	case !isMultipart(ct):
		return []upload{{sp: b.raw, must: true}}, nil
	}
	_, params, _ := mime.ParseMediaType(string(ct))
	boundary := params["boundary"]
	if boundary == "" {
		return nil, errors.Join(errMultipart, errors.New("no boundary parameter"))
	}
	if err := checkFramingReader(b.raw.reader(), boundary); err != nil {
		return nil, errors.Join(errMultipart, errSmuggling, err)
	}
	spoolPart := func(head []byte, rest io.Reader) (*spool, error) {
		sp, err := s.spoolCopy(nil, head, rest, s.video.cfg.MaxBytes)
		if err == nil {
			b.parts = append(b.parts, sp)
		}
		return sp, err
	}
	return splitParts(bufio.NewReaderSize(b.raw.reader(), 64<<10), boundary, s.cfg.MaxParts, s.cfg.MaxBodyBytes, spoolPart)
}

// checkFramingReader is checkFraming over a reader, for a spooled body:
// it refuses bytes before the first delimiter or after the first close
// delimiter (which is where a multipart reader stops).
func checkFramingReader(r io.Reader, boundary string) error {
	delim := []byte("--" + boundary)
	closing := []byte("\r\n--" + boundary + "--")
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(len(closing) - 2)
	if !bytes.HasPrefix(head, delim) {
		return errors.New("bytes before the first boundary")
	}
	var window []byte // unsearched bytes, at most a chunk plus len(closing)
	if bytes.Equal(head, closing[2:]) {
		// No parts at all.
		if _, err := br.Discard(len(head)); err != nil {
			return err
		}
		return onlySpace(br)
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := br.Read(buf)
		window = append(window, buf[:n]...)
		if i := bytes.Index(window, closing); i >= 0 {
			if len(bytes.TrimSpace(window[i+len(closing):])) > 0 {
				return errors.New("bytes after the closing boundary")
			}
			return onlySpace(br)
		}
		if err == io.EOF {
			return errors.New("no closing boundary")
		}
		if err != nil {
			return err
		}
		if keep := len(closing) - 1; len(window) > keep {
			window = append(window[:0], window[len(window)-keep:]...)
		}
	}
}

// onlySpace reads r to its end and fails on anything but white space.
func onlySpace(r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if len(bytes.TrimSpace(buf[:n])) > 0 {
			return errors.New("bytes after the closing boundary")
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
