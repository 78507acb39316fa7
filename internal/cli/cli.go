// Package cli holds what the project's commands share: ExitError, the
// error that carries a command's exit status from deep in a cobra
// command to its main.
package cli

import (
	"errors"
	"fmt"
)

// ExitError ends a command with the exit status Code. Err says what went
// wrong; it is nil when the command's output has said it all already
// (ilnpcheck's report of violations, say).
type ExitError struct {
	Code int
	Err  error
}

// Error returns Err's message, or "exit status N" without one.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an error that ends the command with status code; err may
// be nil (see ExitError).
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// Exitf is Exit with a formatted error (fmt.Errorf: %w wraps).
func Exitf(code int, format string, args ...any) error {
	return Exit(code, fmt.Errorf(format, args...))
}

// Status returns the exit status for err: 0 for nil, the Code of the
// ExitError in its chain, or otherwise (an error no one gave a status)
// dflt.
func Status(err error, dflt int) int {
	if err == nil {
		return 0
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return dflt
}

// Message returns what to print for err after the program's name: its
// message, or "" for an ExitError without one.
func Message(err error) string {
	var e *ExitError
	if errors.As(err, &e) && e.Err == nil {
		return ""
	}
	return err.Error()
}
