package edge

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"github.com/valyala/fasthttp"
)

// Authorization-service mode (Config.Authz): the edge sits beside a proxy
// that already fronts the origin, and answers the proxy's "may this request
// pass?" subrequests instead of forwarding uploads itself. Two contracts:
//
//   - Envoy's ext_authz HTTP service. Envoy sends the original method,
//     path (prefixed with http_service.path_prefix, here AuthzEnvoyPrefix),
//     Host, Authorization and the headers allowed_headers names, and the
//     body when with_request_body is set. 200 allows; any other status is
//     a denial whose status and body Envoy answers the client with — a
//     match is the same 451 JSON body as proxy mode. 5xx (busy, no release
//     yet) is an authorization-service error to Envoy: 403 to the client,
//     or the request let through when failure_mode_allow is set.
//   - nginx's auth_request. The subrequest is a POST to AuthzNginxPath with
//     the original URI and method in X-Original-URI and X-Original-Method.
//     auth_request never sends the body (ngx_http_auth_request_module gives
//     its subrequest an empty one on purpose), so nginx writes it to a file
//     (client_body_in_file_only) and names it in X-Hashgate-Body-File; the
//     edge reads it only from Config.AuthzBodyDir.
//     auth_request knows only 2xx (allow), 401 and 403 (deny); anything
//     else becomes a 500. So every refusal is answered 403 here, with the
//     status the edge would have answered in X-Hashgate-Status, its error
//     code in X-Hashgate-Code and, for a match, the release in
//     X-Hashgate-Release; the nginx configuration (deploy/nginx) turns them
//     back into 451, 413, 503, ... with auth_request_set and error_page.
//
// Neither proxy sends the body by default: docs/integrations.md says how
// it reaches the edge, and the size limits.
const (
	AuthzEnvoyPrefix = "/v1/authz/envoy"
	AuthzNginxPath   = "/v1/authz/nginx"

	HeaderOriginalURI    = "X-Original-URI"
	HeaderOriginalMethod = "X-Original-Method"
	HeaderStatus         = "X-Hashgate-Status"
	HeaderCode           = "X-Hashgate-Code"
	HeaderRelease        = "X-Hashgate-Release"
	HeaderBodyFile       = "X-Hashgate-Body-File"

	// envoyPartialBody is set by Envoy on the check request, when
	// allow_partial_message is on, to say whether the body was cut at
	// max_request_bytes.
	envoyPartialBody = "X-Envoy-Auth-Partial-Body"
)

// authz answers the authorization routes when Config.Authz is set; ok is
// false for any other path.
func (s *Server) authz(ctx *fasthttp.RequestCtx) (r route, ok bool) {
	p := ctx.Path()
	switch {
	case string(p) == AuthzNginxPath:
		s.authzNginx(ctx)
	case bytes.HasPrefix(p, []byte(AuthzEnvoyPrefix)) && (len(p) == len(AuthzEnvoyPrefix) || p[len(AuthzEnvoyPrefix)] == '/'):
		s.authzEnvoy(ctx)
	default:
		return 0, false
	}
	return routeAuthz, true
}

// authzEnvoy is the ext_authz HTTP service. The original request line is
// the check request's own, less the prefix.
func (s *Server) authzEnvoy(ctx *fasthttp.RequestCtx) {
	uri := ctx.Request.Header.RequestURI()
	orig := bytes.TrimPrefix(uri, []byte(AuthzEnvoyPrefix))
	if len(orig) == 0 || orig[0] == '?' {
		orig = append([]byte("/"), orig...)
	}
	if string(ctx.Request.Header.Peek(envoyPartialBody)) == "true" {
		// A file cut at max_request_bytes cannot be vouched for (a
		// truncated JPEG still decodes, to a different picture). 413 is a
		// denial to Envoy, whatever failure_mode_allow says.
		ctx.SetConnectionClose()
		writeError(ctx, fasthttp.StatusRequestEntityTooLarge, CodeBodyTooLarge,
			"the proxy sent only part of the body (with_request_body.max_request_bytes); the upload cannot be checked")
		return
	}
	if s.authzCheck(ctx, orig) {
		ctx.SetStatusCode(fasthttp.StatusOK)
	}
}

// authzNginx is the auth_request endpoint.
func (s *Server) authzNginx(ctx *fasthttp.RequestCtx) {
	// Any method: nginx subrequests are GET unless proxy_method says
	// otherwise, and the method is nginx's, not the client's.
	orig := ctx.Request.Header.Peek(HeaderOriginalURI)
	if len(orig) == 0 || orig[0] != '/' {
		// Without the original URI the edge cannot tell an upload path;
		// a 400 is an error to auth_request, so nginx answers 500.
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "the subrequest carries no "+HeaderOriginalURI+" (proxy_set_header "+HeaderOriginalURI+" $request_uri)")
		return
	}
	f, ok := s.authzBodyFile(ctx)
	if !ok {
		return
	}
	if f != nil {
		defer f.Close()
	}
	if s.authzCheck(ctx, orig) {
		ctx.SetStatusCode(fasthttp.StatusOK)
		return
	}
	// Every refusal becomes a 403 that auth_request understands, saying
	// what it was.
	status := ctx.Response.StatusCode()
	var e struct {
		Code    string `json:"code"`
		Release uint64 `json:"release"`
	}
	_ = json.Unmarshal(ctx.Response.Body(), &e) // our own JSON; on failure the headers stay empty
	ctx.Response.Header.Set(HeaderStatus, strconv.Itoa(status))
	ctx.Response.Header.Set(HeaderCode, e.Code)
	if e.Code == CodeBlocked {
		ctx.Response.Header.Set(HeaderRelease, strconv.FormatUint(e.Release, 10))
	}
	ctx.SetStatusCode(fasthttp.StatusForbidden)
}

// authzCheck decides the request whose original URI is orig, as proxy
// mode decides an upload: a body sent to an upload path is fingerprinted
// (rate-limited like /v1/scan) and refused if it matches or cannot be
// fingerprinted. It reports whether the request may pass; when not, the
// answer has been written. A body that is not scanned is read and dropped.
func (s *Server) authzCheck(ctx *fasthttp.RequestCtx, orig []byte) bool {
	if !hasBody(ctx) {
		return true
	}
	if !s.authzUploadPath(orig) {
		return s.readBody(ctx, s.cfg.MaxBodyBytes)
	}
	if !s.allow(ctx) {
		return false
	}
	body, ok := s.readUpload(ctx) // video_spool.go
	if !ok {
		return false
	}
	defer body.close()
	if body.raw == nil && len(ctx.Request.Body()) == 0 {
		return true
	}
	if !s.screenUpload(ctx, body) {
		return false
	}
	if snap := s.snap.Load(); snap != nil {
		ctx.Response.Header.Set(HeaderRelease, strconv.FormatUint(snap.Version, 10))
	}
	return true
}

// authzUploadPath applies UploadPaths and ExemptPaths to the original
// path. With neither given, every body the proxy sends is scanned: the
// proxy's own configuration already chose which requests to check.
func (s *Server) authzUploadPath(orig []byte) bool {
	p := canonicalPath(orig, !s.cfg.UploadPathsCaseSensitive)
	switch {
	case s.cfg.ScanAllBodies:
		return !matchUploadPath(s.exemptPaths, p)
	case len(s.uploadPaths) > 0:
		return matchUploadPath(s.uploadPaths, p)
	}
	return true
}

// errBodyFile is wrapped for an X-Hashgate-Body-File the edge will not read.
var errBodyFile = errors.New("edge: body file refused")

// authzBodyFile makes the file an auth_request subrequest names the
// request's body. Only a regular file directly in AuthzBodyDir is read, and
// not through a symbolic link: the header comes over the network, and the
// edge must not become a way to read its own files. f is nil when the
// subrequest names none (its own body, if any, is then the upload).
func (s *Server) authzBodyFile(ctx *fasthttp.RequestCtx) (f *os.File, ok bool) {
	name := ctx.Request.Header.Peek(HeaderBodyFile)
	if len(name) == 0 {
		return nil, true
	}
	f, err := openBodyFile(s.cfg.AuthzBodyDir, string(name))
	if err != nil {
		s.log.Warn("edge: authz body file refused", "error", err.Error())
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "the body file is not one this edge reads (--authz-body-dir)")
		return nil, false
	}
	st, _ := f.Stat() // openBodyFile checked it
	ctx.Request.SetBodyStream(f, int(st.Size()))
	return f, true
}

// openBodyFile opens name if it is a regular file directly in dir.
func openBodyFile(dir, name string) (*os.File, error) {
	if dir == "" {
		return nil, errors.Join(errBodyFile, errors.New("no body directory configured"))
	}
	p := filepath.Clean(name)
	if !filepath.IsAbs(p) || filepath.Dir(p) != filepath.Clean(dir) {
		return nil, errors.Join(errBodyFile, errors.New(strconv.Quote(name)+" is not directly in "+dir))
	}
	lst, err := os.Lstat(p)
	if err != nil {
		return nil, errors.Join(errBodyFile, err)
	}
	if !lst.Mode().IsRegular() {
		return nil, errors.Join(errBodyFile, errors.New(strconv.Quote(name)+" is not a regular file"))
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, errors.Join(errBodyFile, err)
	}
	// The name may have been swapped for a link since Lstat.
	if st, err := f.Stat(); err != nil || !os.SameFile(lst, st) {
		f.Close()
		return nil, errors.Join(errBodyFile, errors.New(strconv.Quote(name)+" changed while it was opened"))
	}
	return f, nil
}
