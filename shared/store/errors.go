package store

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Sentinel errors. Every error the store returns wraps what was being done around one of these (or
// around the SDK's error); match them with errors.Is.
var (
	// ErrNotFound: the item does not exist, or has passed its TTL.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a write's condition failed (the item exists, or is not at the expected version).
	// The error is a *ConflictError when the store knows which item and version.
	ErrConflict = errors.New("conflict")
	// ErrTxConflict: DynamoDB cancelled a transaction because another transaction was writing one
	// of its items at the same moment (cancellation reason TransactionConflict). No condition
	// failed and nothing was written: the same transaction may simply be tried again. It also
	// matches ErrConflict, so callers that treat every conflict alike need not change; callers
	// that must tell a real condition failure from this one test ErrTxConflict first.
	ErrTxConflict error = txConflict{}
	// ErrInvalidCursor: a Query cursor that is malformed or belongs to another query (another
	// tenant, kind, prefix or direction).
	ErrInvalidCursor = errors.New("invalid cursor")
	// ErrClaimed: Claim found the event held by another caller's live lease; it is not done.
	ErrClaimed = errors.New("event claimed by another live lease")
	// ErrInvalidKey: a Key, event id, id prefix or counter field name that breaks the rules.
	ErrInvalidKey = errors.New("invalid key")
	// ErrInvalidValue: a value that does not marshal to a map of attributes, or that uses a reserved
	// attribute name (pk, sk, ver, ttl).
	ErrInvalidValue = errors.New("invalid value")
)

// txConflict is ErrTxConflict: its own value, and also ErrConflict.
type txConflict struct{}

func (txConflict) Error() string        { return "conflict: transaction cancelled by a concurrent write" }
func (txConflict) Is(target error) bool { return target == ErrConflict }

// errZeroTenant is returned, before any I/O, by every tenant call given the zero tenant.ID.
var errZeroTenant = fmt.Errorf("%w: zero tenant", tenant.ErrInvalid)

// ConflictError says which item's condition failed. errors.Is(err, ErrConflict) is true for it.
type ConflictError struct {
	Key Key
	// Want is the version the write expected: 0 means the item had to be absent.
	Want int64
}

// Error says what the write expected.
func (e *ConflictError) Error() string {
	if e.Want == 0 {
		return fmt.Sprintf("conflict: %s already exists", e.Key)
	}
	return fmt.Sprintf("conflict: %s is not at version %d (changed or deleted)", e.Key, e.Want)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// conditionFailed reports whether err is DynamoDB's "the condition expression was false".
func conditionFailed(err error) bool {
	_, ok := errors.AsType[*types.ConditionalCheckFailedException](err)
	return ok
}
