// Package httpapi is the small HTTP layer our functions share over API Gateway (payload format 2.0):
// a router keyed by route ("POST /v1/tenants"), strict JSON bodies with clean text (text.go: valid
// UTF-8, no control characters), and RFC 9457 problem responses with stable type URIs. Internal
// error text never reaches a caller: it goes to the log.
package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// Kind is a class of failure with a stable problem type and an HTTP status.
type Kind struct {
	Slug   string // the last part of the problem type URI
	Title  string
	Status int
}

// Error kinds. Handlers return errors built with Errorf (or wrapping these) and Respond maps them.
var (
	KindValidation      = &Kind{"validation", "The request is not valid", http.StatusBadRequest}
	KindMalformed       = &Kind{"malformed-body", "The request body is not valid JSON", http.StatusBadRequest}
	KindUnauthenticated = &Kind{"unauthenticated", "Missing or invalid API key", http.StatusUnauthorized}
	KindForbidden       = &Kind{"forbidden", "This key may not do that", http.StatusForbidden}
	KindNotFound        = &Kind{"not-found", "No such resource", http.StatusNotFound}
	KindNoRoute         = &Kind{"no-route", "No such route", http.StatusNotFound}
	KindConflict        = &Kind{"conflict", "The resource changed or already exists", http.StatusConflict}
	KindTooLarge        = &Kind{"too-large", "The request body is too large", http.StatusRequestEntityTooLarge}
	KindMediaType       = &Kind{"unsupported-media-type", "Send application/json", http.StatusUnsupportedMediaType}
	KindUnavailable     = &Kind{"unavailable", "A dependency is unavailable; retry later", http.StatusServiceUnavailable}
	KindInternal        = &Kind{"internal", "Internal error", http.StatusInternalServerError}
	KindQuotaExceeded   = &Kind{"quota-exceeded", "A quota of the tenant's plan is reached", http.StatusConflict}
)

// TypeURI is the stable problem type of k.
func (k *Kind) TypeURI() string { return "urn:lingxi:problem:" + k.Slug }

// FieldError points at one invalid field with a JSON pointer ("/questions/2"): the one field-error
// type of every route, shared with the pure packages through jsonptr.
type FieldError = jsonptr.FieldError

// QuotaUsage names the quota a refused write would exceed (problem type quota-exceeded).
type QuotaUsage struct {
	Name  string `json:"name"`
	Limit int64  `json:"limit"`
	Usage int64  `json:"usage"`
}

// Error is an error meant for the caller: its Detail and Fields are safe to show.
type Error struct {
	Kind   *Kind
	Detail string
	Fields []FieldError
	Quota  *QuotaUsage // for KindQuotaExceeded
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Kind.Title
	}
	return e.Kind.Slug + ": " + e.Detail
}

// Errorf builds a caller-facing error of kind k; the text must be safe to show.
func Errorf(k *Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// Invalid builds a validation error listing the fields at fault.
func Invalid(fields ...FieldError) *Error {
	detail := "invalid field"
	if len(fields) > 0 {
		detail = fmt.Sprintf("%s: %s", fields[0].Field, fields[0].Reason)
	}
	return &Error{Kind: KindValidation, Detail: detail, Fields: fields}
}

// Problem is the RFC 9457 body.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	Quota    *QuotaUsage  `json:"quota,omitempty"`
}

// ProblemFor maps err to the problem a caller sees. Errors that are not *Error become "internal"
// with no detail: their text may hold table names or SDK messages.
func ProblemFor(err error, instance string) Problem {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Kind: KindInternal}
	}
	return Problem{
		Type: e.Kind.TypeURI(), Title: e.Kind.Title, Status: e.Kind.Status,
		Detail: e.Detail, Instance: instance, Errors: e.Fields, Quota: e.Quota,
	}
}

// ProblemResponse renders p as an API Gateway response with media type application/problem+json.
func ProblemResponse(p Problem) events.APIGatewayV2HTTPResponse {
	b, _ := marshal(p) // strings and numbers: cannot fail
	return events.APIGatewayV2HTTPResponse{
		StatusCode: p.Status,
		Headers:    map[string]string{"Content-Type": "application/problem+json"},
		Body:       string(b),
	}
}
