// Package deps holds the project's import policy: one table (deps_test.go)
// of which hashgate packages each package may import and which outside
// packages it must not, checked against `go list` for the native build and
// for the wasm module (GOOS=wasip1), in the manner of Go's own
// go/build/deps_test.go. docs/architecture.md draws the same graph
// (architecture.dot, which the test keeps equal to the real one).
//
// The package has no code; nothing imports it.
package deps
