package voc

import "errors"

var (
	// ErrInvalid: a key, event or argument that breaks the package's rules.
	ErrInvalid = errors.New("voc: invalid")
	// ErrNotFound: no such alert.
	ErrNotFound = errors.New("voc: not found")
	// ErrState: the workflow step does not apply to the alert's state (a resolved alert is final).
	ErrState = errors.New("voc: not in a state for this step")
)
