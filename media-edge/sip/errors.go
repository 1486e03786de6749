package sip

import (
	"errors"
	"fmt"
)

var (
	// errBadSDP: the body is not a well-formed SDP session description (400).
	errBadSDP = errors.New("malformed sdp")
	// errNotAcceptable: the SDP is well formed but offers nothing the edge can use (488).
	errNotAcceptable = errors.New("sdp not acceptable")
	// errNoCall: an in-dialog request names no dialog of this server (481).
	errNoCall = errors.New("no such dialog")
	// ErrNotServing: Dial before Serve or after it ended (draining does not stop Dial: calls in
	// progress may still transfer).
	ErrNotServing = errors.New("sip: server not serving")
	// ErrNoAnswer: a dialled leg did not answer before the dial timeout.
	ErrNoAnswer = errors.New("sip: no answer")
	// ErrNotRegistered: an "account:NAME" target has no live registration.
	ErrNotRegistered = errors.New("sip: account not registered")
)

// RejectedError is a dialled leg's final non-2xx answer.
type RejectedError struct {
	Status int
	Reason string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("sip: dial rejected: %d %s", e.Status, e.Reason)
}

// sdpStatus maps an SDP error to the SIP status that answers it.
func sdpStatus(err error) (int, string) {
	if errors.Is(err, errNotAcceptable) {
		return 488, "Not Acceptable Here"
	}
	return 400, "Bad Request"
}
