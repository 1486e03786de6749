package openapi

import "github.com/lingxi/lingxi/shared/httpapi"

// Auth is who may call an operation.
type Auth int

// Who may call.
const (
	AuthTenant        Auth = iota // a tenant API key (Role says which); rate-limited per tenant
	AuthPlatformAdmin             // the platform-admin key only
	AuthNone                      // no key
)

// Body says what a route reads from its request body.
type Body int

// Request bodies.
const (
	BodyNone     Body = iota // the route reads no body
	BodyRequired             // a JSON object of Request's type
	BodyOptional             // empty, or a JSON object of Request's type
	BodyEmpty                // empty or {} (DELETEs, POSTs that act on the path alone)
)

// Operation is one route as partners see it. A handler package lists its routes' operations
// next to its router (Contract); the generator turns them into the OpenAPI document and the drift
// test compares them with the router's Routes().
type Operation struct {
	Route       string // the router's key: "PUT /v1/intents/{id}"
	ID          string // operationId, lowerCamel: "putIntent"
	Tag         string // group in the document: "Intents"
	Summary     string
	Description string

	Auth Auth
	Role string // AuthTenant: the least role the route needs ("admin", "partner")

	Body    Body
	Request any      // a value of the body's Go type (BodyRequired, BodyOptional); nil for a body only of Media types
	Media   []string // request media types besides application/json ("text/csv")

	Paginated     bool     // ?limit=&cursor= and a next_cursor in the body
	Query         []Param  // other query parameters
	Preconditions bool     // If-Match / If-None-Match (items with a version)
	Idempotent    bool     // Idempotency-Key (every POST)
	Secrets       []string // JSON pointers of secrets the answer shows once: a replay leaves them out

	Responses []Response      // the success answers
	Problems  []*httpapi.Kind // the problems the route answers beyond the ones every route of its kind does
}

// Contract is what a handler package declares: its routes, and the values of its named string
// types that hold one of a few constants (each list's first element names the type).
type Contract struct {
	Operations []Operation
	Enums      [][]any
}

// Param is a query parameter.
type Param struct {
	Name        string
	Description string
	Pattern     string
}

// Response is one success answer.
type Response struct {
	Status      int
	Description string
	Body        any    // a value of the body's Go type; nil: no body (or Media's)
	Media       string // a body of this media type instead of JSON ("application/pdf")
	ETag        bool   // the answer carries the item's version as ETag
	Location    bool   // the answer carries Location (202 jobs)
	NoStore     bool   // Cache-Control: no-store (a secret shown once)
	Cache       bool   // Cache-Control and ETag of a public document; 304 on If-None-Match
}

// Problems lists problem kinds, for Operation.Problems.
func Problems(kinds ...*httpapi.Kind) []*httpapi.Kind { return kinds }
