package edge

import (
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/match"
)

// fingerprint decodes an uploaded file under the pixel limit and returns
// the query for all its fingerprints: the perceptual hashes of the upright
// pixels (the same code the browser checker runs) and the file's digests.
func (s *Server) fingerprint(b []byte, maxPixels int) (match.Query, error) {
	fp, err := media.FingerprintBytes(b, media.Options{MaxPixels: maxPixels, MaxBytes: int64(len(b)) + 1})
	if err != nil {
		return match.Query{}, err
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
	}, nil
}

// scanErrorStatus maps a fingerprinting failure to its answer. The message
// is media's, which names the format and the limit, never the file.
func scanErrorStatus(err error) (int, string, string) {
	switch {
	case errors.Is(err, media.ErrTooLarge):
		return fasthttp.StatusRequestEntityTooLarge, CodeImageTooLarge, err.Error()
	case errors.Is(err, media.ErrUnsupportedFormat):
		return fasthttp.StatusUnsupportedMediaType, CodeUnsupportedMedia, err.Error()
	}
	return fasthttp.StatusUnprocessableEntity, CodeUnprocessable, "the file could not be fingerprinted: " + err.Error()
}
