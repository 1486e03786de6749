package floor

import (
	"errors"

	"github.com/lingxi/lingxi/shared/store"
)

// Errors callers map to HTTP statuses; each is wrapped with the detail. A write that returns one
// changed nothing.
var (
	// ErrNotFound (404): the contact, queue, agent or user does not exist. It is store.ErrNotFound.
	ErrNotFound = store.ErrNotFound
	// ErrOfferGone (409): the offer timed out, was declined, or the contact went to someone else.
	ErrOfferGone = errors.New("offer gone")
	// ErrNotYours (403): the contact is offered or assigned to another agent.
	ErrNotYours = errors.New("not your contact")
	// ErrWrongState (409): the contact or agent is not in a state that allows the change.
	ErrWrongState = errors.New("wrong state")
	// ErrInvalid (400): an argument breaks a rule (a bad state name, a too long disposition).
	ErrInvalid = errors.New("invalid argument")
)
