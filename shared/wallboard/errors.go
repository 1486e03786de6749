package wallboard

import "errors"

var (
	// ErrBadEvent: an event's data could not be read as its type. Permanent: the same bytes fail
	// the same way again.
	ErrBadEvent = errors.New("wallboard: bad event")
	// ErrBadItem: a stored wallboard item could not be decoded.
	ErrBadItem = errors.New("wallboard: bad stored item")
	// ErrBadDay: a day is not of the form 2006-01-02.
	ErrBadDay = errors.New("wallboard: bad day")
)
