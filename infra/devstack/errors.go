package devstack

import "errors"

var (
	// errClosed: the stack (or one of its parts) is shutting down.
	errClosed = errors.New("devstack is closed")
	// errPayloadTooLarge: an invocation payload over Lambda's 6 MB synchronous limit.
	errPayloadTooLarge = errors.New("request payload exceeds Lambda's 6 MB limit")
	// errUnknownFunction: no function with that logical id in the template.
	errUnknownFunction = errors.New("unknown function")
	// errUnsupported: the template uses something devstack does not emulate.
	errUnsupported = errors.New("not supported by devstack")
	// errNoValue is the internal marker for AWS::NoValue: the enclosing key or item is dropped.
	errNoValue = errors.New("AWS::NoValue")
)
