package edge

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	RawPath map[string]map[string]json.RawMessage `json:"paths"`
	Paths   map[string]map[string]openAPIOp       `json:"-"` // the operations of RawPath
	Comps   struct {
		Schemas   map[string]openAPISchema   `json:"schemas"`
		Responses map[string]openAPIResponse `json:"responses"`
	} `json:"components"`
}

type openAPIOp struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]openAPIResponse `json:"responses"`
	RequestBody *struct {
		Content map[string]struct {
			Example json.RawMessage `json:"example"`
		} `json:"content"`
	} `json:"requestBody"`
}

type openAPIResponse struct {
	Ref     string `json:"$ref"`
	Content map[string]struct {
		Schema openAPISchema `json:"schema"`
	} `json:"content"`
}

type openAPISchema struct {
	Ref        string                   `json:"$ref"`
	Type       string                   `json:"type"`
	Required   []string                 `json:"required"`
	Properties map[string]openAPISchema `json:"properties"`
	Enum       []any                    `json:"enum"`
}

func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	var d openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &d); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", d.OpenAPI)
	}
	// A path item holds its operations beside "parameters" and "description".
	d.Paths = make(map[string]map[string]openAPIOp)
	for p, item := range d.RawPath {
		d.Paths[p] = make(map[string]openAPIOp)
		for k, raw := range item {
			if k == "parameters" || k == "description" || k == "summary" {
				continue
			}
			var op openAPIOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("openapi.json: %s %s: %v", k, p, err)
			}
			d.Paths[p][k] = op
		}
	}
	return &d
}

func (d *openAPIDoc) response(r openAPIResponse) openAPIResponse {
	if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
		return d.Comps.Responses[name]
	}
	return r
}

func (d *openAPIDoc) schema(s openAPISchema) openAPISchema {
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		return d.Comps.Schemas[name]
	}
	return s
}

// proxyPath stands in the document for every path proxy mode forwards;
// proxyOps are the methods documented on it (any method is forwarded; POST
// and PUT are the uploads).
const proxyPath = "/{path}"

var proxyOps = []string{"get", "post", "put"}

// authzOps are authorization-service mode's routes (authz.go), outside the
// endpoint table: they take any method.
var authzOps = []string{"post /v1/authz/envoy/{path}", "put /v1/authz/envoy/{path}", "post /v1/authz/nginx"}

// Every route the server serves is documented, and nothing else is.
func TestOpenAPICoversRoutes(t *testing.T) {
	d := loadOpenAPI(t)
	var served, documented []string
	for _, m := range proxyOps {
		served = append(served, m+" "+proxyPath)
	}
	served = append(served, authzOps...)
	for _, ep := range endpoints {
		served = append(served, strings.ToLower(ep.method)+" "+ep.path)
		if ep.cors {
			served = append(served, "options "+ep.path)
		}
	}
	for p, ops := range d.Paths {
		for m := range ops {
			documented = append(documented, m+" "+p)
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	if !slices.Equal(served, documented) {
		t.Errorf("served routes and the document differ:\nserved     %v\ndocumented %v", served, documented)
	}
}

// Every documented operation answers as documented on the real server:
// the status is one the document lists, JSON bodies carry the schema's
// required fields, and error codes are from the documented enum. The
// wrong method on each path answers a documented 405.
func TestOpenAPIAnswersAsDocumented(t *testing.T) {
	d := loadOpenAPI(t)
	cfg := testConfig()
	cfg.CORSOrigins = []string{"https://app.example"}
	e := startEdge(t, cfg)
	r := rand.New(rand.NewPCG(7, 8))
	snap := indexSnapshot(t, 3, []match.Entry{{Kind: fingerprint.KindPDQ, PDQ: randomPDQ(r), Labels: []string{"l"}, Source: "s"}})
	filter := []byte("filter bytes")
	snap.Filters = map[string]Artifact{filterName(filter): MemoryArtifact(filter)}
	e.Load(snap)

	errCodes := d.schema(openAPISchema{Ref: "#/components/schemas/Error"}).Properties["code"].Enum
	for path, ops := range d.Paths {
		if path == proxyPath || strings.HasPrefix(path, "/v1/authz/") {
			continue // TestOpenAPIProxyAnswersAsDocumented, TestOpenAPIAuthzAnswersAsDocumented
		}
		url := e.url + strings.Replace(path, "{sha256}", filterName(filter), 1)
		for method, op := range ops {
			t.Run(method+" "+path, func(t *testing.T) {
				var body []byte
				if op.RequestBody != nil {
					if c, ok := op.RequestBody.Content["application/json"]; ok {
						body = c.Example
					} else {
						body = encodePNG(t, makeImage(1, 64, 64))
					}
				}
				hdr := []string{"Origin", "https://app.example", "Access-Control-Request-Method", "GET"}
				if op.RequestBody != nil {
					if _, ok := op.RequestBody.Content["application/json"]; ok {
						hdr = append(hdr, "Content-Type", "application/json")
					}
				}
				resp, got := do(t, strings.ToUpper(method), url, body, hdr...)
				checkDocumented(t, d, op, resp.StatusCode, resp.Header.Get("Content-Type"), got, errCodes)
				if method == "options" {
					// A header over the read buffer is refused before routing.
					resp, got := do(t, "OPTIONS", url, nil, "X-Padding", strings.Repeat("p", 9<<10))
					checkDocumented(t, d, op, resp.StatusCode, resp.Header.Get("Content-Type"), got, errCodes)
					if resp.StatusCode != 431 {
						t.Errorf("OPTIONS %s with a 9 KiB header = %d, want 431", path, resp.StatusCode)
					}
				} else {
					wrong := "DELETE"
					resp, got := do(t, wrong, url, nil)
					checkDocumented(t, d, op, resp.StatusCode, resp.Header.Get("Content-Type"), got, errCodes)
					if resp.StatusCode != 405 {
						t.Errorf("%s %s = %d, want 405", wrong, path, resp.StatusCode)
					}
				}
			})
		}
	}
	// Paths the document does not name are not served.
	for _, p := range []string{"/", "/v1", "/v1/", "/v1/filter/", "/v2/verify", "/v1/verify/x", "/debug/pprof/"} {
		if resp, _ := do(t, "GET", e.url+p, nil); resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
	}
}

// In proxy mode the answers the edge gives for the origin's paths (a
// blocked upload, an unfingerprintable one, a body too large, an origin
// that fails) are the documented ones of the proxy operations.
func TestOpenAPIProxyAnswersAsDocumented(t *testing.T) {
	d := loadOpenAPI(t)
	errCodes := d.schema(openAPISchema{Ref: "#/components/schemas/Error"}).Properties["code"].Enum
	ops := d.Paths[proxyPath]
	listed := encodeJPEG(t, makeImage(42, 320, 240), 92)
	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin = o.URL
	cfg.UploadPaths = []string{"/upload/**"}
	// The refused body is far larger than the socket buffers: unless the edge
	// drops the rest before closing, the client sees a reset, not the 413.
	cfg.MaxBodyBytes = 1 << 20
	e := startEdge(t, cfg)

	cases := []struct {
		name, method, path string
		body               []byte
		ctype              string
		want               int
	}{
		{"no release yet", "POST", "/upload/a.jpg", listed, "image/jpeg", 503},
		{"listed image", "POST", "/upload/a.jpg", listed, "image/jpeg", 451},
		{"listed image by PUT", "PUT", "/upload/b.jpg", listed, "image/jpeg", 451},
		{"not an image", "POST", "/upload/c.bin", []byte("plain text, not a picture"), "application/octet-stream", 415},
		{"truncated JPEG", "POST", "/upload/d.jpg", listed[:len(listed)/3], "image/jpeg", 422},
		{"body over the limit", "POST", "/upload/e.jpg", make([]byte, 4<<20), "image/jpeg", 413},
		{"clear image, forwarded", "POST", "/upload/f.jpg", encodeJPEG(t, makeImage(5, 320, 240), 92), "image/jpeg", 201},
		{"other path, forwarded", "GET", "/index.html", nil, "", 201},
		{"origin down", "GET", "/index.html", nil, "", 502},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			switch tt.name {
			case "listed image":
				e.Load(indexSnapshot(t, 4, []match.Entry{listedEntry(t, listed, "l")}))
			case "origin down":
				o.Close()
			}
			resp, got := do(t, tt.method, e.url+tt.path, tt.body, "Content-Type", tt.ctype)
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, resp.StatusCode, got, tt.want)
			}
			op, ok := ops[strings.ToLower(tt.method)]
			if !ok {
				t.Fatalf("%s %s not documented", tt.method, proxyPath)
			}
			if _, ok := op.Responses[strconv.Itoa(resp.StatusCode)]; !ok && resp.StatusCode == 201 {
				if _, ok := op.Responses["default"]; !ok {
					t.Errorf("%s: the origin's answer is not documented (default)", op.OperationID)
				}
				return
			}
			checkDocumented(t, d, op, resp.StatusCode, resp.Header.Get("Content-Type"), got, errCodes)
		})
	}
}

func checkDocumented(t *testing.T, d *openAPIDoc, op openAPIOp, status int, ctype string, body []byte, errCodes []any) {
	t.Helper()
	r, ok := op.Responses[strconv.Itoa(status)]
	if !ok {
		t.Errorf("%s answered %d, not documented (%s)", op.OperationID, status, body)
		return
	}
	r = d.response(r)
	if len(r.Content) == 0 {
		return
	}
	mt := strings.TrimSpace(strings.Split(ctype, ";")[0])
	c, ok := r.Content[mt]
	if !ok {
		t.Errorf("%s %d: Content-Type %q not documented", op.OperationID, status, ctype)
		return
	}
	s := d.schema(c.Schema)
	if mt != "application/json" || len(s.Required) == 0 {
		return
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		t.Errorf("%s %d: body not a JSON object: %s", op.OperationID, status, body)
		return
	}
	for _, f := range s.Required {
		if _, ok := obj[f]; !ok {
			t.Errorf("%s %d: required field %q missing in %s", op.OperationID, status, f, body)
		}
	}
	if code, ok := obj["code"]; ok && status >= 400 && !slices.Contains(errCodes, code) {
		t.Errorf("%s %d: code %v not in the documented enum", op.OperationID, status, code)
	}
}

func TestOpenAPIErrorCodes(t *testing.T) {
	d := loadOpenAPI(t)
	enum := d.schema(openAPISchema{Ref: "#/components/schemas/Error"}).Properties["code"].Enum
	codes := []string{CodeBadRequest, CodeMalformedMultipart, CodeNotFound, CodeMethodNotAllowed, CodeBodyTooLarge,
		CodeImageTooLarge, CodeUnsupportedMedia, CodeUnprocessable, CodeRateLimited, CodeBlocked,
		CodeOriginUnavailable, CodeNotReady, CodeBusy, CodeInternal, CodeRequestTimeout, CodeHeaderTooLarge,
		CodeTooManyImages, CodeScanTimeout,
		CodeVideoUnavailable, CodeVideoTooLarge, CodeVideoTooLong, CodeNotVideo, CodeVideoTimeout,
		CodeNotOblivious, CodeOPRFKey}
	if len(enum) != len(codes) {
		t.Errorf("document lists %d codes, the package %d", len(enum), len(codes))
	}
	for _, c := range codes {
		if !slices.Contains(enum, any(c)) {
			t.Errorf("code %q not documented", c)
		}
	}
}
