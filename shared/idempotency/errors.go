package idempotency

import (
	"errors"
	"net/http"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// Problem kinds of idempotency keys, beyond httpapi's.
var (
	kindKeyReused          = &httpapi.Kind{Slug: "idempotency-key-reused", Title: "The Idempotency-Key was already used for another request", Status: http.StatusUnprocessableEntity}
	kindKeyInFlight        = &httpapi.Kind{Slug: "idempotency-key-in-flight", Title: "A request with this Idempotency-Key is still running; retry later", Status: http.StatusConflict}
	kindTooManyWrites      = &httpapi.Kind{Slug: "idempotency-too-many-writes", Title: "With an Idempotency-Key a request must be written in one transaction", Status: http.StatusUnprocessableEntity}
	kindResponseTooLarge   = &httpapi.Kind{Slug: "idempotency-response-too-large", Title: "The response is too large to keep for an Idempotency-Key", Status: http.StatusUnprocessableEntity}
	errCommitHeldAndStaged = errors.New("idempotency: a request both held commits and committed its response itself")
)

// Kinds lists the problems a route answers because it honours Idempotency-Key (besides a
// validation problem for a bad key and 503 where keys are not kept): the API contract names them.
func Kinds() []*httpapi.Kind {
	var kinds []*httpapi.Kind
	return append(kinds, kindKeyReused, kindKeyInFlight, kindTooManyWrites, kindResponseTooLarge)
}
