package edge

import (
	"errors"

	"github.com/hashgate/hashgate/match"
	"github.com/valyala/fasthttp"
)

// placeholder until fingerprint/media lands
var errNoDecoder = errors.New("edge: no decoder")

func (s *Server) fingerprint(b []byte, maxPixels int) (match.Query, error) {
	return match.Query{}, errNoDecoder
}

func scanErrorStatus(err error) (int, string, string) {
	return fasthttp.StatusUnprocessableEntity, CodeUnprocessable, "the file could not be fingerprinted"
}
