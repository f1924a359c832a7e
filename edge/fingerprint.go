package edge

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/match"
)

// fingerprintImage decodes an uploaded file and returns the query for all
// its fingerprints: the perceptual hashes of the upright pixels (the same
// code the browser checker runs) and the file's digests.
//
// Memory is bounded by bytes, not pixels: the decode's cost is estimated
// from the header (media.EstimateCost) and taken from the decode budget
// before any pixel is allocated, waiting up to ScanWait (errBusy) or the
// scan's deadline (errScanTimeout); a file whose cost alone is over the
// budget is refused as too large. The decode runs on its own goroutine
// so that the scan's deadline holds even though a decoder cannot be
// interrupted: past the deadline the request is answered and the decode
// finishes in the background, still holding its budget and slot.
func (s *Server) fingerprintImage(ctx context.Context, b []byte) (match.Query, error) {
	o := media.Options{MaxPixels: s.cfg.MaxPixels, MaxBytes: int64(len(b)) + 1, MaxDecodeBytes: s.cfg.DecodeBudget}
	c, err := media.EstimateCost(b, o)
	if err != nil {
		return match.Query{}, err
	}
	// The request's body buffer is reused once the handler returns; a
	// decode that outlives the deadline needs its own copy.
	cost := c.Bytes + int64(len(b))
	if cost > s.cfg.DecodeBudget {
		return match.Query{}, &media.Error{Err: media.ErrTooLarge, Format: c.Format,
			Detail: "decoding would take " + strconv.FormatInt(cost>>20, 10) + " MiB, over the edge's decode budget"}
	}
	wait, cancel := context.WithTimeout(ctx, s.cfg.ScanWait)
	defer cancel()
	if err := s.budget.acquire(wait, cost); err != nil {
		return match.Query{}, s.waitError(ctx)
	}
	if err := s.acquireScan(wait); err != nil {
		s.budget.release(cost)
		return match.Query{}, s.waitError(ctx)
	}
	type result struct {
		q   match.Query
		err error
	}
	done := make(chan result, 1)
	data := append([]byte(nil), b...)
	go func() {
		defer func() {
			<-s.scans
			if cost >= collectAbove {
				// Collect the decode's garbage before its bytes are
				// handed to the next decode: the budget then bounds the
				// heap itself, not a live set the collector lets double.
				data = nil
				runtime.GC()
			}
			s.budget.release(cost)
		}()
		defer func() {
			if v := recover(); v != nil {
				s.metrics.panics.Add(1)
				s.log.Error("edge: panic recovered in a decode", "panic", fmt.Sprint(v))
				done <- result{err: &media.Error{Err: media.ErrCorrupt, Format: c.Format, Detail: "the decoder failed"}}
			}
		}()
		q, err := queryFor(data, o, s.cfg.Regions)
		done <- result{q, err}
	}()
	select {
	case r := <-done:
		return r.q, r.err
	case <-ctx.Done():
		s.metrics.scanTimeouts.Add(1)
		return match.Query{}, errScanTimeout
	}
}

// waitError says why a wait for budget or a slot ended: the scan's own
// deadline, or ScanWait.
func (s *Server) waitError(ctx context.Context) error {
	if ctx.Err() != nil {
		s.metrics.scanTimeouts.Add(1)
		return errScanTimeout
	}
	return errBusy
}

// collectAbove is the decode cost from which a finished decode runs the
// collector before giving its budget back (a few ms on a small heap, and
// the index is pointer-free, so it is cheap on a large one too).
const collectAbove = 32 << 20

// queryFor fingerprints b; with regions, the query carries the PDQ of the
// picture's query regions too (media.Regions).
func queryFor(b []byte, o media.Options, regions bool) (match.Query, error) {
	o.Robust = true // the trimmed picture's PDQ (fingerprint/canon) is searched too
	fp, c, grey, err := media.FingerprintCanonical(b, o)
	if err != nil {
		return match.Query{}, err
	}
	var rs []fingerprint.RobustPDQ
	if regions {
		rs = media.Regions(c, grey)
	}
	return match.Query{
		PDQ:         &fp.PDQ,
		PDQQuality:  fp.PDQQuality,
		PDQDihedral: fp.PDQDihedral[:],
		PHash:       &fp.PHash,
		DHash:       &fp.DHash,
		AHash:       &fp.AHash,
		SHA256:      &fp.SHA256,
		MD5:         &fp.MD5,
		Robust:      fp.Robust[:],
		Regions:     rs,
	}, nil
}

// acquireScan takes a decode slot (ScanConcurrency bounds CPU as the
// budget bounds memory), waiting until ctx is done.
func (s *Server) acquireScan(ctx context.Context) error {
	select {
	case s.scans <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errBusy
	}
}

// scanErrorStatus maps a fingerprinting failure to its answer. The message
// is media's, which names the format and the limit, never the file.
func scanErrorStatus(err error) (int, string, string) {
	if errors.As(err, new(*videoError)) {
		return videoErrorStatus(err) // video.go
	}
	switch {
	case errors.Is(err, media.ErrTooLarge):
		return fasthttp.StatusRequestEntityTooLarge, CodeImageTooLarge, err.Error()
	case errors.Is(err, media.ErrUnsupportedFormat):
		return fasthttp.StatusUnsupportedMediaType, CodeUnsupportedMedia, err.Error()
	}
	return fasthttp.StatusUnprocessableEntity, CodeUnprocessable, "the file could not be fingerprinted: " + err.Error()
}
