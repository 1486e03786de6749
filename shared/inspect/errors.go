package inspect

import "errors"

// Sentinels the routes map to problems; errors wrap them with what was being done.
var (
	// ErrNoForm: the tenant has no form of that id.
	ErrNoForm = errors.New("no such form")
	// ErrNoResult: the contact was not inspected (or is not the tenant's).
	ErrNoResult = errors.New("no inspection result")
	// ErrDisputed: the result is already disputed.
	ErrDisputed = errors.New("already disputed")
	// ErrUnknownRule: an override names no rule of the contact's result.
	ErrUnknownRule = errors.New("no such rule in the result")
	// ErrBusy: concurrent writers kept winning; retry.
	ErrBusy = errors.New("the record kept changing meanwhile")
)
