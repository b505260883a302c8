package diag

import (
	"errors"
	"fmt"
)

// InternalError is a failure of hmcc itself, not of the model, the data or the flags: a state one
// stage promised another could not happen. It is a type of its own, not a message prefix, so the
// CLI can tell it from a user's mistake (exit 1, and a request to report it) wherever it was
// wrapped. Pos, when known, is the place in the model the failing step was working on.
type InternalError struct {
	Pos Pos
	Msg string
	Err error // the cause, when there is one
}

// ReportTo says where an internal error should go.
const ReportTo = "please report this with the model and data that caused it"

// Internalf builds an internal error. Like fmt.Errorf, a %w verb wraps its argument; an internal
// error wrapped in another prints its message once, without a second "internal error:".
func Internalf(format string, args ...any) *InternalError {
	return InternalAt(Pos{}, format, args...)
}

// InternalAt is Internalf about a place in the model.
func InternalAt(pos Pos, format string, args ...any) *InternalError {
	var cause error
	for i, a := range args {
		ie, ok := a.(*InternalError)
		if !ok {
			if err, ok := a.(error); ok && cause == nil {
				cause = err
			}
			continue
		}
		if cause == nil {
			cause = ie
		}
		args[i] = bare{ie}
	}
	return &InternalError{Pos: pos, Msg: fmt.Errorf(format, args...).Error(), Err: cause}
}

func (e *InternalError) Error() string {
	if e.Pos.File != "" || e.Pos.Line != 0 {
		return e.Pos.String() + ": internal error: " + e.Msg
	}
	return "internal error: " + e.Msg
}

func (e *InternalError) Unwrap() error { return e.Err }

// bare prints an internal error wrapped in another one without its prefix.
type bare struct{ e *InternalError }

func (b bare) Error() string { return b.e.Msg }
func (b bare) Unwrap() error { return b.e }

// IsInternal reports whether err is, or wraps, an internal error.
func IsInternal(err error) bool {
	var ie *InternalError
	return errors.As(err, &ie)
}
