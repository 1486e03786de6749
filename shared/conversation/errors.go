package conversation

import "errors"

// Errors the service returns for the caller's mistakes; anything else is internal. Match them
// with errors.Is.
var (
	// ErrNotFound: no such conversation for this tenant (another tenant's looks the same).
	ErrNotFound = errors.New("conversation not found")
	// ErrEnded: the conversation has ended and takes no more messages.
	ErrEnded = errors.New("conversation has ended")
	// ErrBusy: other turns kept changing the conversation; the caller may retry.
	ErrBusy = errors.New("conversation is busy")
	// ErrUnknownIntent: a suggestion names an intent the tenant does not have.
	ErrUnknownIntent = errors.New("unknown intent")
	// ErrOtherCall: a voice turn names a conversation that belongs to another call.
	ErrOtherCall = errors.New("conversation belongs to another call")
)
