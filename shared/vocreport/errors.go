package vocreport

import "errors"

var (
	// ErrBadWeek: not an ISO week id of 2000–2099.
	ErrBadWeek = errors.New("vocreport: bad week")
	// ErrNotFound: no report of that week.
	ErrNotFound = errors.New("vocreport: no such report")
	// ErrFutureWeek: the week has not begun in the tenant's time zone.
	ErrFutureWeek = errors.New("vocreport: the week has not begun")
	// ErrBadDays: a transactions import that breaks the rules (DaysError says where).
	ErrBadDays = errors.New("vocreport: bad transaction days")
)
