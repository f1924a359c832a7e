//go:build !oblivious

package checker

// obliviousCheck is Check's answer for an oblivious release in the open
// module, which has no VOPRF client.
const obliviousCheck = "checker: the release is in oblivious mode, which this module does not query: load the oblivious-capable module (hashgate-oblivious.wasm)"
