// Package edge is hashgate's edge verifier: a fasthttp server that holds the
// full hash list and is the authority on what matches.
//
// It re-confirms a browser checker's local filter hit with an exact search
// (POST /v1/verify), re-fingerprints uploads itself (POST /v1/scan, and as a
// reverse proxy in front of an upload origin that answers 451 Unavailable For
// Legal Reasons on a match), serves the signed release to checkers
// (GET /v1/manifest, GET /v1/filter/{sha256}), evaluates an oblivious
// release's blinded filter keys under a per-client budget (POST /v1/oprf,
// oprf.go; ObliviousChecker is the checker's side), and reports health, readiness
// and Prometheus metrics. Releases are polled, verified with package release,
// decrypted with the edge's HPKE key and swapped in atomically; a release that
// fails any check is logged and counted and never replaces the one in use.
//
// The HTTP API is described by the OpenAPI 3 document openapi.json in this
// folder (served at GET /v1/openapi.json); a test holds the server to it.
// Status codes follow RFC 9110, 429 with Retry-After follows RFC 6585 and
// 451 follows RFC 7725.
//
// Every answer is an oracle an evader can probe, so answers are rationed (a
// per-client token bucket) and say as little as they can: the labels and
// list of a match, never the listed hash or its distance. Logs never record
// fingerprints, nor the names of files that did not match.
//
// edge sits on top of the project: it may import fingerprint, match, release,
// oblivious and bloom, and nothing may import it except cmd/hashgate.
package edge
