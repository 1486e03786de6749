// Package openapi is the HTTP contract of Lingxi's public routes (the api and chat functions):
// an OpenAPI 3.1 document generated from the Go types and the routers, kept in the repository as
// openapi.json and served at GET /v1/openapi.json.
//
//   - operation.go: Operation, how a handler package describes each route it serves (the body
//     types, success statuses, the problems it answers, its headers). functions/api/handler and
//     functions/chat/handler each export Contract() next to their router.
//   - spec.go: the checked-in document (go:embed), as served.
//   - gen/: builds the document from the operations (request and response schemas reflected from
//     the Go types with invopop/jsonschema).
//   - openapitest/: a test helper that checks real requests and responses against the document
//     with kin-openapi's openapi3filter.
//
// The drift test (spec_test.go) fails when a route, a field or a status exists on one side only;
// `go test ./shared/openapi -update` rewrites openapi.json after a deliberate change.
package openapi
