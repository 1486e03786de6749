package satisfaction

import "errors"

var (
	// ErrAnswered: the contact already has the answer being recorded (one answer per contact).
	ErrAnswered = errors.New("the contact's survey is already answered")
	// ErrInvalid: an answer or a figures request that breaks the rules; the error says which.
	ErrInvalid = errors.New("invalid")
)
