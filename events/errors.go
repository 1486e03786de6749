package events

import "errors"

// Errors returned (wrapped, with detail) by Decode, Validate, New and DataAs; match them with
// errors.Is. Each is permanent: retrying the same event cannot fix it, so a consumer reports the
// record as failed and lets it go to the failure destination.
var (
	// ErrMalformed: the envelope is not a JSON object of the envelope schema (bad JSON, trailing
	// data, an unknown or miscased field, a field of the wrong JSON type, an empty id, source or
	// subject, a missing time or data).
	ErrMalformed = errors.New("events: malformed envelope")
	// ErrUnknownType: the envelope's type is not in this build's registry.
	ErrUnknownType = errors.New("events: unknown event type")
	// ErrUnknownVersion: the type is known but not at the envelope's version.
	ErrUnknownVersion = errors.New("events: unknown event version")
	// ErrMissingTenant: the tenant is missing, empty or not a valid tenant id (in that case the
	// error also wraps tenant.ErrInvalid).
	ErrMissingTenant = errors.New("events: missing or invalid tenant")
	// ErrInvalidData: the payload does not satisfy its type's schema (wrong enum value, number out
	// of range, missing required field, unknown field, ...) or its Go type's extra rules.
	ErrInvalidData = errors.New("events: invalid event data")
	// ErrTypeMismatch: a programming error, not bad input: New was given a payload of another Go
	// type than the event type's, or DataAs was asked for another Go type than the envelope's.
	ErrTypeMismatch = errors.New("events: payload Go type does not match event type")
)
