package dialog

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

var (
	// ErrInvalidFlow is matched (errors.Is) by every *FlowError.
	ErrInvalidFlow = errors.New("dialog: invalid flow")
	// ErrFlowMismatch is returned by Turn for a state started on another
	// flow or flow version.
	ErrFlowMismatch = errors.New("dialog: state belongs to another flow or version")
	// ErrFinished is returned by Turn for a conversation whose flow has
	// ended.
	ErrFinished = errors.New("dialog: flow already finished")
	// ErrBadState is returned by Turn for a state that does not wait at an
	// ask or confirm step of the flow (corrupt or hand-edited).
	ErrBadState = errors.New("dialog: malformed state")
	// ErrBadInput is returned by Start for preset slots the flow does not
	// know or whose values do not fit their type.
	ErrBadInput = errors.New("dialog: bad input")
	// ErrStepLimit is returned by Start and Turn when one turn runs more
	// steps than Config.MaxStepsPerTurn without waiting for the customer.
	ErrStepLimit = errors.New("dialog: too many steps in one turn")
	// ErrSignature is returned by VerifySignature when the signature header
	// is malformed or no signature in it matches.
	ErrSignature = errors.New("dialog: webhook signature mismatch")
	// ErrTimestamp is returned by VerifySignature when the timestamp is not
	// a Unix time within the tolerance of now.
	ErrTimestamp = errors.New("dialog: webhook timestamp outside tolerance")
)

// Issue is one problem in a flow definition: Field is a JSON pointer
// (RFC 6901) into the document ("/steps/3/slot/type"; "" for the whole
// document) and Reason says what is wrong in words safe to show the tenant.
// It is httpapi.FieldError, the one field-error type of every route.
type Issue = jsonptr.FieldError

// SyntaxError is returned by ParseFlow for data that is not JSON at all:
// Offset is the byte at which it stops being JSON. It matches ErrInvalidFlow
// with errors.Is; an HTTP handler answers it as a malformed body, like any
// other body that is not JSON.
type SyntaxError struct {
	Offset int64
}

// Error says where the data stops being JSON.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("dialog: the flow is not valid JSON (at byte %d)", e.Offset)
}

// Is makes errors.Is(err, ErrInvalidFlow) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrInvalidFlow }

// FlowError is returned by ParseFlow: every problem found, in document
// order (at most 50). It matches ErrInvalidFlow with errors.Is.
type FlowError struct {
	// Issues lists the problems found.
	Issues []Issue
}

// Error names the first issue and counts the others.
func (e *FlowError) Error() string {
	var b strings.Builder
	b.WriteString("dialog: invalid flow")
	if len(e.Issues) > 0 {
		b.WriteString(": ")
		b.WriteString(e.Issues[0].String())
	}
	if n := len(e.Issues) - 1; n > 0 {
		fmt.Fprintf(&b, " (and %d more)", n)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidFlow) true.
func (e *FlowError) Is(target error) bool { return target == ErrInvalidFlow }
