package handler

import (
	"testing"

	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
)

// human_test.go: the human-service routes in the standing suites (TestTenantIsolationEveryRoute,
// TestBadInputEveryWriteRoute, TestIdempotencyEveryPOST).

// humanIdem is one POST of TestIdempotencyEveryPOST: the request, another of the same route, and
// for a route that emits no event a GET that shows what it did.
type humanIdem struct {
	key, path, body, otherPath, otherBody, quiet string
}

func humanIdemCases(t *testing.T, e *env, key string) map[string]humanIdem {
	t.Helper()
	return map[string]humanIdem{
		"POST /v1/canned-responses": {key: key, path: "/v1/canned-responses", body: cannedBody,
			otherPath: "/v1/canned-responses", otherBody: `{"title":"Other","text":"Another text."}`},
	}
}

func humanBadInputRoutes(t *testing.T, e *env, key string) map[string]httpapitest.Route {
	t.Helper()
	return cannedBadInputRoutes(t, e, key)
}

func humanIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	return cannedIsolationCases(t, e, keyA, keyB)
}
