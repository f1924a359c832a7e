package edge

import _ "embed"

// openAPIDocument describes the edge's HTTP API; GET /v1/openapi.json serves it.
//
//go:embed openapi.json
var openAPIDocument []byte
