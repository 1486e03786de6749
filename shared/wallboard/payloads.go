package wallboard

import (
	"fmt"

	"github.com/lingxi/lingxi/events"
)

// Types lists the event types Apply reads; others leave the state as it is.
func Types() []string {
	return []string{events.TypeContactCreated, events.TypeContactQueued, events.TypeContactOffered,
		events.TypeContactAssigned, events.TypeContactAbandoned, events.TypeContactTransferred,
		events.TypeContactEnded, events.TypeAgentState}
}

// read decodes e's data as T, validated against its type's schema (events.DataAs); the error
// wraps ErrBadEvent.
func read[T any](e events.Envelope) (T, error) {
	v, err := events.DataAs[T](e)
	if err != nil {
		return v, fmt.Errorf("%w: %s %s: %w", ErrBadEvent, e.Type, e.ID, err)
	}
	return v, nil
}
