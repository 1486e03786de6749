package stream

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrRecordTooLarge is returned by Publish, before any call to Kinesis, for an envelope whose
	// record (JSON plus partition key) exceeds MaxRecordBytes.
	ErrRecordTooLarge = errors.New("stream: record too large")
	// ErrInvalidRecord is returned by Publish, before any call to Kinesis, for an envelope that
	// events.Validate rejects (the error wraps its reason too) or whose partition key Kinesis
	// would refuse.
	ErrInvalidRecord = errors.New("stream: invalid record")
)

// Permanent marks err as a failure that retrying cannot fix (bad input, a rule the event breaks).
// A Handler returns Permanent(err) so the Consumer reports the record for the failure destination
// without holding back the later events of its subject. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// FailedRecord is one envelope that Publish could not write.
type FailedRecord struct {
	// Index is the envelope's position in the Publish call.
	Index int
	// EventID is the envelope's id.
	EventID string
	// ErrorCode and ErrorMessage come from the last PutRecords response for the record, or say
	// why it was not sent (ErrorCode "NotSent").
	ErrorCode    string
	ErrorMessage string
}

// PublishError is returned by Publish when some records were not written after all attempts. The
// records not listed were written. Envelope ids are idempotency keys, so publishing the failed ones
// (or all of them) again is safe.
type PublishError struct {
	// Total is the number of envelopes passed to Publish.
	Total int
	// Failed lists the envelopes that were not written, in Publish order.
	Failed []FailedRecord
	// Err is the PutRecords call error that ended publishing early, or nil.
	Err error
}

func (e *PublishError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stream: publish: %d of %d records failed", len(e.Failed), e.Total)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	} else if len(e.Failed) > 0 {
		f := e.Failed[0]
		fmt.Fprintf(&b, " (first: event %s: %s: %s)", f.EventID, f.ErrorCode, f.ErrorMessage)
	}
	return b.String()
}

// Unwrap returns the call error that ended publishing, if any.
func (e *PublishError) Unwrap() error { return e.Err }
