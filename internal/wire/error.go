package wire

// Error is an error with its own message that matches each of its causes
// with errors.Is and errors.As. It stands in for fmt.Errorf with %w, which
// code in the wasm module avoids (fmt is tens of KB of it).
type Error struct {
	msg  string
	errs []error
}

// NewError returns an error whose message is msg and that wraps causes
// (sentinels to match, or underlying errors). It is kept out of line: error
// paths are many and cold, and inlined each would grow the wasm module.
//
//go:noinline
func NewError(msg string, causes ...error) error { return &Error{msg, causes} }

// Wrap is fmt.Errorf("%s: %w", msg, err), out of line like NewError.
//
//go:noinline
func Wrap(msg string, err error) error { return &Error{msg + ": " + err.Error(), []error{err}} }

func (e *Error) Error() string   { return e.msg }
func (e *Error) Unwrap() []error { return e.errs }
