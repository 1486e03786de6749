package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/users"
)

// userEnums are the enums of users.go's bodies.
var userEnums = []any{users.RoleAgent, users.RoleSupervisor, users.RoleAdmin}

// userOperations are users.go's routes as the contract describes them; op is Contract's tenantOp.
func userOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const tag, signIn = "People", "Sign-in"
	admin, agent := "admin", "agent"
	one := []openapi.Response{{Status: http.StatusOK, Body: userOut{}, ETag: true}}
	return []openapi.Operation{
		op(openapi.Operation{Route: "POST /v1/users", ID: "createUser", Tag: tag,
			Summary:     "Create a person who signs in to the console: login name, role, skills, capacity, password",
			Description: "The password is write-only (stored as its argon2id hash). Login names are unique within the tenant (409). docs/people.md.",
			Body:        openapi.BodyRequired, Request: users.Patch{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: userOut{}, ETag: true}},
			Problems:  openapi.Problems(httpapi.KindConflict, httpapi.KindQuotaExceeded)}, admin),
		op(openapi.Operation{Route: "GET /v1/users", ID: "listUsers", Tag: tag,
			Summary: "List the tenant's people (never their passwords)", Paginated: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[userOut]{}}}}, admin),
		op(openapi.Operation{Route: "GET /v1/users/{id}", ID: "getUser", Tag: tag,
			Summary: "Read a person", Responses: one, Problems: notFound}, admin),
		op(openapi.Operation{Route: "PATCH /v1/users/{id}", ID: "updateUser", Tag: tag,
			Summary:     "Change a person (absent fields stay)",
			Description: "A new password, role or login name, or disabling, ends the person's sessions.",
			Body:        openapi.BodyRequired, Request: users.Patch{}, Preconditions: true, Responses: one, Problems: deleteProblems}, admin),
		op(openapi.Operation{Route: "DELETE /v1/users/{id}", ID: "deleteUser", Tag: tag,
			Summary: "Delete a person and end their sessions", Body: openapi.BodyEmpty, Preconditions: true,
			Responses: noContent, Problems: deleteProblems}, admin),
		op(openapi.Operation{Route: "DELETE /v1/users/{id}/sessions", ID: "revokeUserSessions", Tag: tag,
			Summary: "End every session of a person (they must sign in again)", Body: openapi.BodyEmpty,
			Responses: []openapi.Response{{Status: http.StatusNoContent, Description: "ended"}},
			Problems:  openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict)}, admin),
		{Route: "POST /v1/sessions", ID: "signIn", Tag: signIn, Auth: openapi.AuthNone,
			Summary: "Sign in with the tenant's id, a login name and a password; answers a session token, once",
			Description: "Send the token as `Authorization: Bearer lxs_…`; it lasts 12 hours from sign-in. Every refusal is the same " +
				"sign-in-failed problem. Attempts are rate-limited per login name and per source address. Never replayed: Idempotency-Key is refused.",
			Body: openapi.BodyRequired, Request: signInBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: sessionCreated{}, NoStore: true}},
			Problems:  openapi.Problems(kindSignInFailed, httpapi.KindRateLimited, httpapi.KindConflict)},
		op(openapi.Operation{Route: "DELETE /v1/sessions/current", ID: "signOut", Tag: signIn,
			Summary: "Sign out: end the session whose token the request carries", Body: openapi.BodyEmpty,
			Responses: []openapi.Response{{Status: http.StatusNoContent, Description: "signed out"}}}, agent),
		op(openapi.Operation{Route: "GET /v1/me", ID: "getMe", Tag: signIn,
			Summary:   "The signed-in person, with their state on the floor once they set one",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: meOut{}, ETag: true}}, Problems: notFound}, agent),
	}
}
