package edge

import _ "embed"

// openAPIDocument describes the edge's HTTP API; GET /v1/openapi.yaml serves it.
//
//go:embed openapi.yaml
var openAPIDocument []byte
