package edge

import (
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/internal/wire"
)

// Error codes: the stable `code` field of every JSON error the edge writes.
// Clients branch on these; never rename one.
const (
	CodeBadRequest         = "bad_request"         // 400: malformed JSON, hash or parameter
	CodeMalformedMultipart = "malformed_multipart" // 400: a multipart body that does not parse
	CodeNotFound           = "not_found"           // 404
	CodeMethodNotAllowed   = "method_not_allowed"  // 405
	CodeBodyTooLarge       = "body_too_large"      // 413: body over the byte limit
	CodeImageTooLarge      = "image_too_large"     // 413: image over the pixel limit or the decode budget
	CodeTooManyImages      = "too_many_images"     // 413: more images in one request than MaxImages
	CodeUnsupportedMedia   = "unsupported_media"   // 415: not an image format the edge decodes
	CodeUnprocessable      = "unprocessable"       // 422: an image that cannot be fingerprinted
	CodeRateLimited        = "rate_limited"        // 429: the client's token bucket is empty
	CodeBlocked            = "blocked"             // 451: an upload matched the list
	CodeOriginUnavailable  = "origin_unavailable"  // 502: the proxied origin failed
	CodeNotReady           = "not_ready"           // 503: no verified release loaded
	CodeBusy               = "busy"                // 503: every scan slot (or the decode budget) is taken
	CodeScanTimeout        = "scan_timeout"        // 503: the scan ran past ScanTimeout
	CodeInternal           = "internal"            // 500: a recovered panic or a bug
	CodeRequestTimeout     = "request_timeout"     // 408: the client was too slow
	CodeHeaderTooLarge     = "header_too_large"    // 431
	CodeNotOblivious       = "not_oblivious"       // 409: /v1/oprf while the release in use is open-mode
	CodeOPRFKey            = "oprf_key"            // 409: /v1/oprf for another release's key
)

// ErrConfig is returned (wrapped) by New for a configuration that cannot work.
var ErrConfig = errors.New("edge: invalid configuration")

// writeError writes the JSON error body {"status":N,"code":"...","message":"..."}.
// It is built by hand: it runs on every refusal, including under attack.
func writeError(ctx *fasthttp.RequestCtx, status int, code, message string) {
	ctx.Response.ResetBody()
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	w := wire.NewObject(make([]byte, 0, 64+len(message)))
	w.Int("status", int64(status))
	w.Str("code", code)
	w.Str("message", message)
	ctx.SetBody(append(w.Done(), '\n'))
}
