package staffing

import "errors"

var (
	// ErrInvalid marks a target, interval, requirement or template that cannot be used; the
	// wrapped message says which field and why.
	ErrInvalid = errors.New("staffing: invalid input")
	// ErrUnreachable means no agent count up to the search limit meets the target.
	ErrUnreachable = errors.New("staffing: target unreachable")
)
