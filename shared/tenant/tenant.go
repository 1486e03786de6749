// Package tenant holds the typed tenant identifier that every store and stream call takes.
//
// A tenant ID must come from authentication (an API key resolved by the auth package) or from a
// validated event envelope, never from a request body. Parse is the only constructor; a test in
// this package fails if any non-test file outside the trusted packages calls it.
package tenant

import (
	"errors"
	"fmt"
)

// ID identifies a tenant. The zero value is invalid and every store call rejects it.
type ID struct{ v string }

// ErrInvalid is returned by Parse for a malformed tenant id.
var ErrInvalid = errors.New("invalid tenant id")

// MaxLen is the longest tenant id accepted.
const MaxLen = 64

// Parse checks s and returns it as an ID. Ids are 1–64 characters of [a-z0-9-], starting with a
// letter or digit, so they can be embedded in keys ("T#<tenant>#…") without escaping.
func Parse(s string) (ID, error) {
	if s == "" || len(s) > MaxLen {
		return ID{}, fmt.Errorf("%w: length %d", ErrInvalid, len(s))
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' && i > 0
		if !ok {
			return ID{}, fmt.Errorf("%w: character %q at %d", ErrInvalid, r, i)
		}
	}
	return ID{v: s}, nil
}

// String returns the id as text.
func (id ID) String() string { return id.v }

// IsZero reports whether id is the zero ID (never authenticated).
func (id ID) IsZero() bool { return id.v == "" }

// MarshalText lets an ID appear in JSON output (it cannot be unmarshalled: ids are never read
// from bodies).
func (id ID) MarshalText() ([]byte, error) { return []byte(id.v), nil }
