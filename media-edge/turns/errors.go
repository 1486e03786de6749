package turns

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

var (
	// ErrFunction: the invocation failed (the function timed out, crashed or returned an error);
	// the turn may or may not have run. Wrapped with Lambda's error type.
	ErrFunction = errors.New("chat function failed")

	errNoTenant    = errors.New("no tenant")
	errTextAndDTMF = errors.New("a turn carries text or dtmf, not both")
	errBadAnswer   = errors.New("the chat function's answer is not a voice reply")
)

// FieldError points at one invalid field of the payload.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a turn the chat function refused: an RFC 9457 problem with the chat API's stable
// types (docs/errors.md), without internal text.
type Error struct {
	// Type is the problem type, e.g. "urn:lingxi:problem:conflict".
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Fields []FieldError `json:"errors,omitempty"`
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%s (%d): %s", e.Type, e.Status, e.Detail)
	}
	return fmt.Sprintf("%s (%d): %s", e.Type, e.Status, e.Title)
}

// Temporary says whether the same turn may succeed later: the tenant's rate limit (429) or a
// dependency unavailable (503). A conflict (409) is not: it is a call whose conversation has
// ended, or a turn the chat function already retried against concurrent ones.
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable
}

// functionError reads Lambda's error document of a failed invocation.
func functionError(kind string, payload []byte) error {
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(payload, &doc) == nil && doc.ErrorType != "" {
		return fmt.Errorf("%w: %s (%s)", ErrFunction, doc.ErrorType, kind)
	}
	return fmt.Errorf("%w: %s", ErrFunction, kind)
}
