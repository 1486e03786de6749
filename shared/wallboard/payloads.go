package wallboard

import (
	"fmt"

	"github.com/lingxi/lingxi/events"
)

// Types lists the event types Apply reads; others leave the state as it is.
func Types() []string {
	return []string{events.TypeContactCreated, events.TypeContactQueued, events.TypeContactOffered,
		events.TypeContactAssigned, events.TypeContactAbandoned, events.TypeContactTransferred,
		events.TypeContactEnded, events.TypeAgentState, events.TypeDispatchStrategy}
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

// Check reports whether Apply can read e: nil for an event type the board does not read, an
// ErrBadEvent when e's data does not fit its type.
func Check(e events.Envelope) error {
	var err error
	switch e.Type {
	case events.TypeContactCreated:
		_, err = read[events.ContactCreated](e)
	case events.TypeContactQueued:
		_, err = read[events.ContactQueued](e)
	case events.TypeContactOffered:
		_, err = read[events.ContactOffered](e)
	case events.TypeContactAssigned:
		_, err = read[events.ContactAssigned](e)
	case events.TypeContactAbandoned:
		_, err = read[events.ContactAbandoned](e)
	case events.TypeContactTransferred:
		_, err = read[events.ContactTransferred](e)
	case events.TypeContactEnded:
		_, err = read[events.ContactEnded](e)
	case events.TypeAgentState:
		_, err = read[events.AgentState](e)
	case events.TypeDispatchStrategy:
		_, err = read[events.DispatchStrategy](e)
	}
	return err
}
