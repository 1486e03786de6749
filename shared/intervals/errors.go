package intervals

import "errors"

// Sentinel errors; every error of the package that is about its input wraps one of them (or is a
// *HistoryError), the others wrap the store's.
var (
	// ErrInvalid is the error of a call with a bad queue, channel, counter, event id, step or range.
	ErrInvalid = errors.New("intervals: invalid argument")
	// ErrTooLarge is the error of a history over MaxHistoryBytes, MaxHistoryRows or
	// MaxHistorySeries, and of an import that would leave a tenant more than MaxHistorySeries
	// imported series in all.
	ErrTooLarge = errors.New("intervals: history too large")
	// ErrNewerImport is the error of an import that finished after a newer one of the same series
	// switched the head; nothing of it is visible.
	ErrNewerImport = errors.New("intervals: a newer import of the series finished first")
)
