package edge

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

// upload is one file found in a request body.
type upload struct {
	name string // multipart file name; logged or returned only on a match
	data []byte
	sp   *spool // instead of data: a video spooled to disk (video_spool.go)
	// must: the part is a file (the whole body, or a part with a file
	// name), so failing to fingerprint it is an error. Other parts are
	// fingerprinted only when their bytes are an image, so an image
	// smuggled in a plain form field is still seen and a JSON metadata
	// part is not mistaken for a file.
	must bool
}

// head is the upload's first bytes (all of them when in memory).
func (u *upload) head() []byte {
	if u.sp != nil {
		return u.sp.head
	}
	return u.data
}

// digests are the SHA-256 and MD5 of the upload's bytes (computed while
// spooling for a spooled one).
func (u *upload) digests() (fingerprint.SHA256Digest, fingerprint.MD5Digest) {
	if u.sp != nil {
		return u.sp.sha, u.sp.md
	}
	return fingerprint.Digest(u.data)
}

// partKind classifies a part by its bytes, never by what the client says
// it is.
type partKind int

const (
	partOther partKind = iota
	partImage          // a format fingerprint/media may decode
	partVideo          // checked by its digests; no video decoder runs yet
)

func classify(b []byte) partKind {
	ct := http.DetectContentType(b)
	switch {
	case strings.HasPrefix(ct, "image/"):
		return partImage
	case strings.HasPrefix(ct, "video/"):
		return partVideo
	case len(b) >= 12 && string(b[4:8]) == "ftyp": // ISO BMFF brands DetectContentType does not know (qt, 3gp)
		return partVideo
	}
	return partOther
}

// errMultipart is wrapped by splitUploads for a multipart body that does
// not parse or breaks a limit.
var errMultipart = errors.New("edge: malformed multipart body")

// errSmuggling is wrapped (beside errMultipart) for a body shaped to carry
// bytes the edge would not scan but an origin might read: bytes outside
// the parts, an encoded part. Fail-open does not forward it; it forwards
// bodies the edge cannot fingerprint, not bodies built to hide.
var errSmuggling = errors.New("edge: bytes outside what the edge scans")

// splitUploads returns the files in a request body held in memory: the
// parts of a multipart body, or the body itself. The parts are read from
// memory (the body is already bounded by MaxBodyBytes), never spilled to
// disk. Every part counts against maxParts, and bytes outside the parts (a
// preamble before the first boundary, an epilogue after the last) are
// refused: the origin might read them and the edge would not have.
func splitUploads(contentType, body []byte, maxParts int) ([]upload, error) {
	mt, params, err := mime.ParseMediaType(string(contentType))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		// Not multipart (or no usable Content-Type): the body is the file.
		return []upload{{data: body, must: true}}, nil
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, errors.Join(errMultipart, errors.New("no boundary parameter"))
	}
	if err := checkFraming(body, boundary); err != nil {
		return nil, errors.Join(errMultipart, errSmuggling, err)
	}
	return splitParts(bytes.NewReader(body), boundary, maxParts, len(body), nil)
}

// splitParts reads the parts of a multipart body from r. With spoolPart
// nil every part is read into memory (r is a bounded body); otherwise a
// part whose first bytes are a video goes to spoolPart and the other
// parts together may take at most memLimit bytes of memory
// (errPartTooLarge).
func splitParts(r io.Reader, boundary string, maxParts, memLimit int, spoolPart func(head []byte, rest io.Reader) (*spool, error)) ([]upload, error) {
	mr := multipart.NewReader(r, boundary)
	var ups []upload
	mem := 0
	for n := 0; ; n++ {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errors.Join(errMultipart, err)
		}
		if n == maxParts {
			return nil, errors.Join(errMultipart, errors.New("more than "+strconv.Itoa(maxParts)+" parts"))
		}
		if enc := strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))); enc != "" && enc != "binary" && enc != "8bit" && enc != "7bit" {
			// The origin may decode what the edge would scan encoded.
			return nil, errors.Join(errMultipart, errSmuggling, errors.New("part with Content-Transfer-Encoding "+strconv.Quote(enc)))
		}
		name := p.FileName()
		var data []byte
		if spoolPart != nil {
			var head [16]byte
			k, err := io.ReadFull(p, head[:])
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				return nil, errors.Join(errMultipart, err)
			}
			if isVideo(head[:k]) {
				sp, err := spoolPart(head[:k], p)
				if err != nil {
					return nil, err
				}
				ups = append(ups, upload{name: name, sp: sp, must: name != ""})
				continue
			}
			rest, err := io.ReadAll(io.LimitReader(p, int64(memLimit-mem-k)+1))
			if err != nil {
				return nil, errors.Join(errMultipart, err)
			}
			data = append(head[:k:k], rest...)
			if mem+len(data) > memLimit {
				return nil, errPartTooLarge
			}
		} else if data, err = io.ReadAll(p); err != nil {
			return nil, errors.Join(errMultipart, err)
		}
		mem += len(data)
		if name != "" || classify(data) != partOther {
			ups = append(ups, upload{name: name, data: data, must: name != ""})
			continue
		}
		// A text field: an image may ride in it as base64 or a data: URL.
		if dec, ok := embeddedMedia(data); ok {
			ups = append(ups, upload{data: dec})
		}
	}
	return ups, nil
}

// checkFraming refuses a multipart body with bytes before its first
// delimiter or after its close delimiter (RFC 2046 lets both be ignored,
// so parsers disagree on them).
func checkFraming(body []byte, boundary string) error {
	delim := []byte("--" + boundary)
	if !bytes.HasPrefix(body, delim) {
		return errors.New("bytes before the first boundary")
	}
	closing := []byte("\r\n--" + boundary + "--")
	i := bytes.Index(body, closing)
	if bytes.HasPrefix(body, closing[2:]) {
		i, closing = 0, closing[2:] // no parts at all
	}
	if i < 0 {
		return errors.New("no closing boundary")
	}
	if len(bytes.TrimSpace(body[i+len(closing):])) > 0 {
		return errors.New("bytes after the closing boundary")
	}
	return nil
}

// embeddedMedia decodes a form field that is a data: URL or plain base64
// and returns the bytes when they are an image or a video.
func embeddedMedia(field []byte) ([]byte, bool) {
	f := bytes.TrimSpace(field)
	if len(f) < 16 {
		return nil, false
	}
	if rest, ok := bytes.CutPrefix(f, []byte("data:")); ok {
		i := bytes.IndexByte(rest, ',')
		if i < 0 || !bytes.HasSuffix(bytes.ToLower(rest[:i]), []byte(";base64")) {
			return nil, false
		}
		f = rest[i+1:]
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		// Only the head is decoded to classify; a field that is not
		// base64 costs nothing more.
		head := f[:min(len(f), 64)]
		buf := make([]byte, enc.DecodedLen(len(head)))
		n, err := enc.Decode(buf, head[:len(head)/4*4])
		if err != nil || classify(buf[:n]) == partOther {
			continue
		}
		out := make([]byte, enc.DecodedLen(len(f)))
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, f)
		n, err = enc.Decode(out, clean)
		if err != nil {
			return nil, false
		}
		return out[:n], true
	}
	return nil, false
}

// scanOutcome is what scanning a request found.
type scanOutcome struct {
	files   int         // files fingerprinted
	matches []matchJSON // over all files
	failed  error       // the first file that could not be fingerprinted
	failedN int         // how many could not
}

// Errors that end a scan early; the answer is 503 (busy, timeout) or 413.
var (
	errBusy          = errors.New("edge: every scan slot is busy")
	errScanTimeout   = errors.New("edge: the scan ran out of time")
	errTooManyImages = errors.New("edge: too many images in one request")
)

// scanUploads checks each upload's digests against snap's index, then
// decodes the images among them (at most MaxImages) and searches their
// perceptual hashes. The whole scan has ScanTimeout; each decode waits up
// to ScanWait for its share of the decode-memory budget and a slot.
func (s *Server) scanUploads(ctx context.Context, snap *Snapshot, ups []upload) (scanOutcome, error) {
	// Videos stop when the client hangs up (video_client.go) and run
	// under their own limits, not ScanTimeout.
	vctx, stop := watchClient(ctx)
	defer stop()
	ctx, cancel := context.WithTimeout(vctx, s.cfg.ScanTimeout)
	defer cancel()
	var out scanOutcome
	kinds := make([]partKind, len(ups))
	images := 0
	for i, u := range ups {
		if kinds[i] = classify(u.head()); kinds[i] == partImage {
			images++
		}
	}
	if images > s.cfg.MaxImages {
		// Refused before any decode: the cap is on the work one request
		// may cause, so none of it is done.
		return out, errTooManyImages
	}
	for i, u := range ups {
		if u.sp == nil && len(u.data) == 0 {
			continue
		}
		// Digests first, for every part: a listed file matches whatever it
		// is, even when it is not an image (a listed video's MD5).
		sha, md := u.digests()
		if res := snap.Index.Match(match.Query{SHA256: &sha, MD5: &md}); len(res) > 0 {
			n := len(out.matches)
			out.matches = s.appendMatches(out.matches, res, &subject{snap: snap, file: u.name, sha256: &sha, md5: &md})
			if len(out.matches) > n {
				out.files++
				continue
			}
			// Withdrawn or allowlisted: the file's other fingerprints may
			// still match.
		}
		if isVideo(u.head()) { // video.go: FFmpeg, under VideoConfig's limits
			ms, err := s.scanVideo(vctx, snap, u)
			if errors.Is(err, errBusy) {
				return out, err
			}
			if err != nil {
				s.metrics.unscannable.Add(1)
				out.failedN++
				if out.failed == nil {
					out.failed = err
				}
				continue
			}
			s.metrics.scanned.Add(1)
			out.files++
			out.matches = append(out.matches, ms...)
			continue
		}
		if kinds[i] != partImage && !u.must {
			continue // digests were all there was to check
		}
		// A video container FFmpeg is not given (AVI, MPEG-TS) was checked
		// by its digests and, when it must be fingerprinted, fails as an
		// unsupported image format.
		q, err := s.fingerprintImage(ctx, u.data)
		if errors.Is(err, errBusy) || errors.Is(err, errScanTimeout) {
			return out, err
		}
		if err != nil {
			s.metrics.unscannable.Add(1)
			out.failedN++
			if out.failed == nil {
				out.failed = err
			}
			continue
		}
		s.metrics.scanned.Add(1)
		out.files++
		if res := snap.Index.Match(q); len(res) > 0 {
			sub := subjectOfQuery(snap, u.name, &q)
			sub.sha256, sub.md5 = &sha, &md
			out.matches = s.appendMatches(out.matches, res, sub)
		}
		if s.video.unavailable == nil && isAnimatedGIF(u.data) {
			// Its vPDQ too (video.go). Its first frame has been checked, so
			// a GIF FFmpeg cannot hash is not refused for it.
			ms, err := s.scanVideo(vctx, snap, u)
			switch {
			case errors.Is(err, errBusy):
				return out, err
			case err != nil:
				s.log.Info("edge: animated GIF checked by its first frame only", "error", err.Error())
			default:
				out.matches = append(out.matches, ms...)
			}
		}
	}
	return out, nil
}

// writeScanAbort answers a scan that scanUploads ended early.
func writeScanAbort(ctx *fasthttp.RequestCtx, err error) {
	switch {
	case errors.Is(err, errTooManyImages):
		writeError(ctx, fasthttp.StatusRequestEntityTooLarge, CodeTooManyImages, err.Error())
	case errors.Is(err, errScanTimeout):
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeScanTimeout, "the scan did not finish in time; retry later")
	default:
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeBusy, "every scan slot is busy; retry later")
	}
}

// writeSplitError answers a body that splitUploads or s.uploads refused.
func (s *Server) writeSplitError(ctx *fasthttp.RequestCtx, err error) {
	if errors.Is(err, errMultipart) {
		writeError(ctx, fasthttp.StatusBadRequest, CodeMalformedMultipart, err.Error())
		return
	}
	s.writeBodyError(ctx, err) // a part over a limit, or a spool that failed
}

// writeScanError answers a file that could not be fingerprinted.
func writeScanError(ctx *fasthttp.RequestCtx, err error) {
	status, code, msg := scanErrorStatus(err)
	writeError(ctx, status, code, msg)
}

func (s *Server) scan(ctx *fasthttp.RequestCtx) {
	if !s.allow(ctx) {
		return
	}
	body, ok := s.readUpload(ctx) // video_spool.go
	if !ok {
		return
	}
	defer body.close()
	snap := s.ready(ctx)
	if snap == nil {
		return
	}
	ups, err := s.uploads(ctx, body)
	if err != nil {
		s.writeSplitError(ctx, err)
		return
	}
	if len(ups) == 0 || (len(ups) == 1 && ups[0].sp == nil && len(ups[0].data) == 0) {
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "no file in the request body")
		return
	}
	out, err := s.scanUploads(ctx, snap, ups)
	if err != nil {
		writeScanAbort(ctx, err)
		return
	}
	if out.failed != nil {
		writeScanError(ctx, out.failed)
		return
	}
	v := verdict{Release: snap.Version, Matches: out.matches, Files: &out.files}
	if v.Matches == nil {
		v.Matches = []matchJSON{}
	}
	if len(v.Matches) > 0 {
		v.Match = s.recordMatches(ctx, routeScan, snap, v.Matches) // events.go
	}
	writeJSON(ctx, fasthttp.StatusOK, &v)
}

// blocked is the 451 body in proxy mode.
type blocked struct {
	Status  int      `json:"status"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Release uint64   `json:"release"`
	Labels  []string `json:"labels"`
	Lists   []string `json:"lists"`
}

// screenUpload scans a proxied upload and reports whether it may be
// forwarded; when not, it has written the answer.
func (s *Server) screenUpload(ctx *fasthttp.RequestCtx, body *reqBody) bool {
	snap := s.snap.Load()
	if snap == nil || snap.Index == nil {
		if s.cfg.FailOpen {
			return true
		}
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "no verified release loaded; uploads are refused")
		return false
	}
	ups, err := s.uploads(ctx, body)
	if err != nil {
		// A body the edge cannot split is one it cannot vouch for; the
		// origin would likely refuse it too. Fail-open forwards it, unless
		// it is shaped to smuggle (or breaks a limit).
		if s.cfg.FailOpen && errors.Is(err, errMultipart) && !errors.Is(err, errSmuggling) {
			return true
		}
		s.writeSplitError(ctx, err)
		return false
	}
	out, err := s.scanUploads(ctx, snap, ups)
	if err != nil {
		writeScanAbort(ctx, err)
		return false
	}
	if len(out.matches) > 0 && !s.recordMatches(ctx, routeProxyUpload, snap, out.matches) {
		// Monitored only: forwarded, the origin told which matches. In
		// authorization-service mode the proxy in front forwards, so the
		// ids go in the allowing answer for it to pass on (deploy/nginx,
		// deploy/envoy).
		var ids []string
		for _, m := range out.matches {
			ids = append(ids, m.MatchID)
		}
		if s.cfg.Authz {
			ctx.Response.Header.Set(MonitorHeader, strings.Join(ids, ","))
		} else {
			ctx.Request.Header.Set(MonitorHeader, strings.Join(ids, ","))
		}
	} else if len(out.matches) > 0 {
		var labels, lists []string
		for _, m := range out.matches {
			if m.Action != ActionBlock {
				continue
			}
			labels = append(labels, m.Labels...)
			lists = append(lists, m.List)
		}
		writeJSON(ctx, fasthttp.StatusUnavailableForLegalReasons, &blocked{
			Status: fasthttp.StatusUnavailableForLegalReasons, Code: CodeBlocked,
			Message: "this upload matches a listed item and was not accepted",
			Release: snap.Version, Labels: nonNil(dedupStrings(labels)), Lists: nonNil(dedupStrings(lists)),
		})
		return false
	}
	if out.failed != nil {
		if s.cfg.FailOpen {
			s.log.Warn("edge: forwarding an upload that could not be fingerprinted (fail-open)", "files", out.failedN)
			return true
		}
		writeScanError(ctx, out.failed)
		return false
	}
	return true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
