package sentiment

import (
	"errors"
	"fmt"
)

var (
	errNoExamples = errors.New("sentiment: no training examples")
	errOneLabel   = errors.New("sentiment: training needs at least two labels")
	errBadLabel   = errors.New("sentiment: unknown label")
	// ErrFormat is returned by UnmarshalBinary for bytes that are not a
	// model of this format.
	ErrFormat = errors.New("sentiment: not a model of format " + FormatVersion)
)

// LineError is a reader's error about one line of its input (1-based).
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }
