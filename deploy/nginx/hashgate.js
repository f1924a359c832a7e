// Reads the upload's body, then hands the request to the named location
// that runs auth_request (hashgate.conf).
//
// auth_request runs in nginx's access phase, before anything has read the
// request body, and never sends a body with its subrequest (it gives the
// subrequest an empty one on purpose). So the body goes by file name:
// js_content reads the whole body (into a temporary file, with
// client_body_in_file_only) before it calls this function, and the internal
// redirect starts the phases again in @hashgate_checked, where
// $request_body_file names that file and auth_request asks the edge about
// it.
function read_then_check(r) {
    r.internalRedirect('@hashgate_checked');
}

export default { read_then_check };
