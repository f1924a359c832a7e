package edge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// upload is one file found in a request body.
type upload struct {
	name string // multipart file name; logged or returned only on a match
	data []byte
	// must: the part claims to be a file, so failing to fingerprint it is
	// an error. Other parts are fingerprinted only when they look like an
	// image, so an image smuggled in a plain form field is still seen.
	must bool
}

// errMultipart is wrapped by splitUploads for a multipart body that does
// not parse or breaks a limit.
var errMultipart = errors.New("edge: malformed multipart body")

// splitUploads returns the files in a request body: the parts of a
// multipart body, or the body itself. The parts are read from memory (the
// body is already bounded by MaxBodyBytes), never spilled to disk.
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
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var ups []upload
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errors.Join(errMultipart, err)
		}
		if len(ups) == maxParts {
			return nil, errors.Join(errMultipart, errors.New("more than "+strconv.Itoa(maxParts)+" parts"))
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, errors.Join(errMultipart, err)
		}
		name := p.FileName()
		ct := p.Header.Get("Content-Type")
		must := name != "" || (ct != "" && !strings.HasPrefix(ct, "text/"))
		if !must && !strings.HasPrefix(http.DetectContentType(data), "image/") {
			continue // a plain form field
		}
		ups = append(ups, upload{name: name, data: data, must: must})
	}
	return ups, nil
}

// scanOutcome is what scanning a request found.
type scanOutcome struct {
	files   int         // files fingerprinted
	matches []matchJSON // over all files
	failed  error       // the first file that could not be fingerprinted
	failedN int         // how many could not
}

// scanUploads fingerprints each upload and searches snap's index. It waits
// for a decode slot (ScanConcurrency) up to ScanWait.
func (s *Server) scanUploads(ctx context.Context, snap *Snapshot, ups []upload) (scanOutcome, error) {
	var out scanOutcome
	for _, u := range ups {
		if len(u.data) == 0 {
			continue
		}
		if err := s.acquireScan(ctx); err != nil {
			return out, err
		}
		q, err := s.fingerprint(u.data, s.cfg.MaxPixels)
		<-s.scans
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
			out.matches = s.appendMatches(out.matches, res, u.name)
		}
	}
	return out, nil
}

// errBusy is returned by acquireScan when no decode slot freed up in time.
var errBusy = errors.New("edge: every scan slot is busy")

func (s *Server) acquireScan(ctx context.Context) error {
	select {
	case s.scans <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(s.cfg.ScanWait)
	defer t.Stop()
	select {
	case s.scans <- struct{}{}:
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return errBusy
	}
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
	snap := s.ready(ctx)
	if snap == nil {
		return
	}
	ups, err := splitUploads(ctx.Request.Header.ContentType(), ctx.PostBody(), s.cfg.MaxParts)
	if err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, CodeMalformedMultipart, err.Error())
		return
	}
	if len(ups) == 0 || (len(ups) == 1 && len(ups[0].data) == 0) {
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "no file in the request body")
		return
	}
	out, err := s.scanUploads(ctx, snap, ups)
	if err != nil {
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeBusy, "every scan slot is busy; retry later")
		return
	}
	if out.failed != nil {
		writeScanError(ctx, out.failed)
		return
	}
	v := verdict{Match: len(out.matches) > 0, Release: snap.Version, Matches: out.matches, Files: &out.files}
	if v.Matches == nil {
		v.Matches = []matchJSON{}
	}
	if v.Match {
		s.logMatch("scan", snap, v.Matches)
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
func (s *Server) screenUpload(ctx *fasthttp.RequestCtx) bool {
	snap := s.snap.Load()
	if snap == nil || snap.Index == nil {
		if s.cfg.FailOpen {
			return true
		}
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "no verified release loaded; uploads are refused")
		return false
	}
	ups, err := splitUploads(ctx.Request.Header.ContentType(), ctx.PostBody(), s.cfg.MaxParts)
	if err != nil {
		// A body the edge cannot split is one it cannot vouch for; the
		// origin would likely refuse it too. Fail-open forwards it.
		if s.cfg.FailOpen {
			return true
		}
		writeError(ctx, fasthttp.StatusBadRequest, CodeMalformedMultipart, err.Error())
		return false
	}
	out, err := s.scanUploads(ctx, snap, ups)
	if err != nil {
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeBusy, "every scan slot is busy; retry later")
		return false
	}
	if len(out.matches) > 0 {
		s.logMatch("proxy_upload", snap, out.matches)
		var labels, lists []string
		for _, m := range out.matches {
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
