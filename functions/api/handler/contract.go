package handler

// contract.go: the api function's routes as the OpenAPI contract describes them
// (shared/openapi). Each route New registers has one Operation here; the drift test in
// shared/openapi fails when the two lists differ, or when openapi.json was not regenerated
// (`go test ./shared/openapi -update`). Bodies the handlers build as maps are described by the
// types below; the conformance check (shared/openapi/openapitest, in every e.call) fails when a
// handler's answer has a field these types do not.

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/webhooks/delivery"
)

// page is one page of a listing: follow next_cursor until it is empty.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// tenantCreated is the answer of POST /v1/tenants: the tenant and its first admin key, shown once.
type tenantCreated struct {
	Tenant Tenant     `json:"tenant"`
	APIKey KeyCreated `json:"api_key"`
}

// modelPage is GET /v1/nlu/models: a page of models and the active version ("" before the first).
type modelPage struct {
	page[modelSummary]
	Active string `json:"active"`
}

// activation is the answer of POST /v1/nlu/models/{version}/activate.
type activation struct {
	Version     string    `json:"version"`
	ActivatedAt time.Time `json:"activated_at"`
	Previous    string    `json:"previous"`
}

// activeModel is GET /v1/nlu/active.
type activeModel struct {
	Version     string       `json:"version"`
	ActivatedAt time.Time    `json:"activated_at"`
	Model       modelSummary `json:"model"`
}

// webhookSecret is the answer of POST /v1/bot/webhook-secret: the only time the secret is shown.
type webhookSecret struct {
	WebhookSecret string `json:"webhook_secret"`
	Version       int64  `json:"version"`
}

// importCounts is the answer of POST /v1/import.
type importCounts struct {
	Intents  importCount `json:"intents"`
	Articles importCount `json:"articles"`
}

type importCount struct {
	Created  int `json:"created"`
	Replaced int `json:"replaced"`
}

// specRoute serves the contract. It needs no key: the contract is public (partners read it before
// they have a key) and the answer is a constant from memory, with no store call, so serving it
// costs one invocation; API Gateway throttles the route on its own (template.yaml), and clients
// that send If-None-Match with its ETag get 304 without the body.
func (api *API) specRoute(_ context.Context, r *httpapi.Request) (httpapi.Response, error) {
	h := map[string]string{"ETag": openapi.ETag, "Cache-Control": "public, max-age=300"}
	if r.Header("if-none-match") == openapi.ETag {
		return httpapi.Response{Status: http.StatusNotModified, Headers: h}, nil
	}
	return httpapi.Response{Status: http.StatusOK, Body: json.RawMessage(openapi.JSON()), Headers: h}, nil
}

// The answers and problems the routes of versioned items share (Contract, voiceOperations): a
// create or replace, a delete, a read of what may not exist, a conditional write or delete.
func versioned(body any) []openapi.Response {
	return []openapi.Response{{Status: http.StatusOK, Body: body, ETag: true, Description: "replaced"},
		{Status: http.StatusCreated, Body: body, ETag: true, Description: "created"}}
}

var (
	noContent      = []openapi.Response{{Status: http.StatusNoContent, Description: "deleted"}}
	notFound       = openapi.Problems(httpapi.KindNotFound)
	writeProblems  = openapi.Problems(kindPrecondition, httpapi.KindConflict, httpapi.KindQuotaExceeded)
	deleteProblems = openapi.Problems(httpapi.KindNotFound, kindPrecondition, httpapi.KindConflict)
)

// Contract describes every route New registers, for the OpenAPI document.
func Contract() openapi.Contract {
	admin, partner := string(auth.RoleAdmin), string(auth.RolePartner)
	tenantOp := func(o openapi.Operation, role string) openapi.Operation {
		o.Auth, o.Role = openapi.AuthTenant, role
		if o.Route[:4] == "POST" {
			o.Idempotent = true
		}
		o.Secrets = secretFields[o.Route]
		return o
	}
	platformOp := func(o openapi.Operation) openapi.Operation {
		o.Auth = openapi.AuthPlatformAdmin
		o.Idempotent = o.Route[:4] == "POST"
		o.Secrets = secretFields[o.Route]
		return o
	}
	ok := func(body any) []openapi.Response { return []openapi.Response{{Status: http.StatusOK, Body: body}} }

	enums := [][]any{
		{auth.RoleAdmin, auth.RolePartner},
		{botconfig.JobQueued, botconfig.JobRunning, botconfig.JobSucceeded, botconfig.JobFailed},
		{botconfig.ChannelChat, botconfig.ChannelVoice},
		{dialog.LangEn, dialog.LangZh},
		{delivery.StatusPending, delivery.StatusDelivered, delivery.StatusRetrying, delivery.StatusParked},
		userEnums,
	}
	enums = append(enums, humanEnums...)
	enums = append(enums, forecastReadEnums...)
	enums = append(enums, dispatchEnums...)
	enums = append(enums, qaEnums...)
	enums = append(enums, vocEnums...)
	ops := []openapi.Operation{
		{Route: "GET /v1/openapi.json", ID: "getOpenAPI", Tag: "Contract", Auth: openapi.AuthNone,
			Summary:   "This OpenAPI document",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: map[string]any{}, Cache: true}, {Status: http.StatusNotModified, Cache: true, Description: "If-None-Match named the current ETag"}}},

		platformOp(openapi.Operation{Route: "POST /v1/tenants", ID: "createTenant", Tag: "Tenants",
			Summary: "Create a tenant; answers its first admin API key, once",
			Body:    openapi.BodyRequired, Request: createTenantBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: tenantCreated{}}},
			Problems:  openapi.Problems(httpapi.KindConflict)}),
		platformOp(openapi.Operation{Route: "POST /v1/tenants/{id}/admin-keys", ID: "recoverTenant", Tag: "Tenants",
			Summary: "Recover a tenant: a new admin key, shown once, audited by tenant.recovered",
			Body:    openapi.BodyRequired, Request: recoverBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: KeyCreated{}}}, Problems: notFound}),
		platformOp(openapi.Operation{Route: "PUT /v1/tenants/{id}/plan", ID: "putTenantPlan", Tag: "Tenants",
			Summary: "Set a tenant's quotas and rate limits (left out or 0: the default); answers the effective plan",
			Body:    openapi.BodyRequired, Request: planBody{},
			Responses: ok(plan.Plan{}), Problems: openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict)}),
		tenantOp(openapi.Operation{Route: "GET /v1/tenant", ID: "getTenant", Tag: "Tenants",
			Summary: "The caller's tenant, its quotas with their usage, and its rate limits", Responses: ok(tenantOut{})}, partner),

		tenantOp(openapi.Operation{Route: "POST /v1/api-keys", ID: "createApiKey", Tag: "API keys",
			Summary: "Create an API key; the key is shown once", Body: openapi.BodyRequired, Request: createKeyBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: KeyCreated{}}},
			Problems:  openapi.Problems(httpapi.KindConflict, httpapi.KindQuotaExceeded)}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/api-keys", ID: "listApiKeys", Tag: "API keys",
			Summary: "List API keys (prefix only)", Paginated: true, Responses: ok(page[auth.Key]{})}, admin),
		tenantOp(openapi.Operation{Route: "DELETE /v1/api-keys/{id}", ID: "revokeApiKey", Tag: "API keys",
			Summary: "Revoke an API key; the last admin key cannot be revoked (409)", Body: openapi.BodyEmpty,
			Responses: noContent, Problems: openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict)}, admin),

		tenantOp(openapi.Operation{Route: "GET /v1/intents", ID: "listIntents", Tag: "Intents",
			Summary: "List intents", Paginated: true, Responses: ok(page[intentSummary]{})}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/intents/{id}", ID: "getIntent", Tag: "Intents",
			Summary: "Read an intent", Responses: []openapi.Response{{Status: http.StatusOK, Body: intentOut{}, ETag: true}},
			Problems: notFound}, admin),
		tenantOp(openapi.Operation{Route: "PUT /v1/intents/{id}", ID: "putIntent", Tag: "Intents",
			Summary: "Create or replace an intent", Body: openapi.BodyRequired, Request: intentBody{}, Preconditions: true,
			Responses: versioned(intentOut{}), Problems: writeProblems}, admin),
		tenantOp(openapi.Operation{Route: "DELETE /v1/intents/{id}", ID: "deleteIntent", Tag: "Intents",
			Summary: "Delete an intent", Body: openapi.BodyEmpty, Preconditions: true, Responses: noContent, Problems: deleteProblems}, admin),

		tenantOp(openapi.Operation{Route: "GET /v1/articles", ID: "listArticles", Tag: "Knowledge base",
			Summary: "List knowledge-base articles", Paginated: true, Responses: ok(page[articleSummary]{}),
			Query: []openapi.Param{{Name: "tag", Description: "only articles with this tag"}}}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/articles/{id}", ID: "getArticle", Tag: "Knowledge base",
			Summary: "Read an article", Responses: []openapi.Response{{Status: http.StatusOK, Body: articleOut{}, ETag: true}},
			Problems: notFound}, admin),
		tenantOp(openapi.Operation{Route: "PUT /v1/articles/{id}", ID: "putArticle", Tag: "Knowledge base",
			Summary: "Create or replace an article", Body: openapi.BodyRequired, Request: articleBody{}, Preconditions: true,
			Responses: versioned(articleOut{}), Problems: writeProblems}, admin),
		tenantOp(openapi.Operation{Route: "DELETE /v1/articles/{id}", ID: "deleteArticle", Tag: "Knowledge base",
			Summary: "Delete an article", Body: openapi.BodyEmpty, Preconditions: true, Responses: noContent, Problems: deleteProblems}, admin),
		tenantOp(openapi.Operation{Route: "POST /v1/import", ID: "importConfig", Tag: "Knowledge base",
			Summary:     "Create or replace many intents and articles, all or nothing",
			Description: "JSON `{intents, articles}` (each item a PUT body plus its id), or CSV (`Content-Type: text/csv`, header `type,id,text,…`); at most 1,000 items and 1 MB.",
			Body:        openapi.BodyRequired, Request: importBody{}, Media: []string{"text/csv"},
			Responses: ok(importCounts{}), Problems: openapi.Problems(httpapi.KindConflict, httpapi.KindQuotaExceeded)}, admin),

		tenantOp(openapi.Operation{Route: "GET /v1/flows", ID: "listFlows", Tag: "Flows",
			Summary: "List flows", Paginated: true, Responses: ok(page[flowSummary]{})}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/flows/{id}", ID: "getFlow", Tag: "Flows",
			Summary: "Read a flow and its definition", Responses: []openapi.Response{{Status: http.StatusOK, Body: flowOut{}, ETag: true}},
			Problems: notFound}, admin),
		tenantOp(openapi.Operation{Route: "PUT /v1/flows/{id}", ID: "putFlow", Tag: "Flows",
			Summary:     "Create or replace a flow; the body is the flow definition",
			Description: "The body's `id` must be the path's. Its `version` is read-only: the API sets it on every write and ignores the body's; send If-Match: <version> to replace only that version.",
			Body:        openapi.BodyRequired, Request: dialog.Flow{}, Preconditions: true,
			Responses: versioned(flowOut{}), Problems: writeProblems}, admin),
		tenantOp(openapi.Operation{Route: "DELETE /v1/flows/{id}", ID: "deleteFlow", Tag: "Flows",
			Summary: "Delete a flow no intent starts (409 names the intents that do)", Body: openapi.BodyEmpty, Preconditions: true,
			Responses: noContent, Problems: deleteProblems}, admin),

		tenantOp(openapi.Operation{Route: "GET /v1/bot/settings", ID: "getBotSettings", Tag: "Bot settings",
			Summary:   "Read the bot settings (version 0 and no ETag before the first save)",
			Responses: ok(settingsOut{})}, admin),
		tenantOp(openapi.Operation{Route: "PUT /v1/bot/settings", ID: "putBotSettings", Tag: "Bot settings",
			Summary: "Replace the bot settings", Body: openapi.BodyRequired, Request: settingsBody{}, Preconditions: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: settingsOut{}, ETag: true}},
			Problems:  openapi.Problems(kindPrecondition, httpapi.KindConflict)}, admin),
		tenantOp(openapi.Operation{Route: "POST /v1/bot/webhook-secret", ID: "rotateWebhookSecret", Tag: "Bot settings",
			Summary: "Rotate the secret that signs flow webhook calls; shown only here", Body: openapi.BodyEmpty,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: webhookSecret{}, NoStore: true}},
			Problems:  openapi.Problems(httpapi.KindConflict)}, admin),

		tenantOp(openapi.Operation{Route: "POST /v1/nlu/train", ID: "trainNlu", Tag: "NLU",
			Summary: "Queue a training job", Body: openapi.BodyOptional, Request: trainBody{},
			Responses: []openapi.Response{{Status: http.StatusAccepted, Body: botconfig.TrainingJob{}, Location: true}},
			Problems:  openapi.Problems(httpapi.KindConflict, kindUntrainable)}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/nlu/jobs", ID: "listTrainingJobs", Tag: "NLU",
			Summary: "List training jobs, newest first, without evaluations", Paginated: true,
			Responses: ok(page[botconfig.TrainingJob]{})}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/nlu/jobs/{id}", ID: "getTrainingJob", Tag: "NLU",
			Summary: "Follow a training job", Responses: ok(botconfig.TrainingJob{}), Problems: notFound}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/nlu/models", ID: "listNluModels", Tag: "NLU",
			Summary: "List models, newest first", Paginated: true, Responses: ok(modelPage{})}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/nlu/models/{version}", ID: "getNluModel", Tag: "NLU",
			Summary: "A model with its evaluation report", Responses: ok(modelOut{}), Problems: notFound}, admin),
		tenantOp(openapi.Operation{Route: "POST /v1/nlu/models/{version}/activate", ID: "activateNluModel", Tag: "NLU",
			Summary: "Make a model the one the bot uses (or roll back to an older one)", Body: openapi.BodyOptional, Request: activateBody{},
			Responses: ok(activation{}), Problems: openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict)}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/nlu/active", ID: "getActiveNluModel", Tag: "NLU",
			Summary: "The active model (404 before the first training)", Responses: ok(activeModel{}), Problems: notFound}, admin),

		tenantOp(openapi.Operation{Route: "POST /v1/webhooks", ID: "createWebhook", Tag: "Webhooks",
			Summary:     "Create a partner webhook endpoint; its signing secret is shown once",
			Description: "docs/webhooks.md: event types, the signature scheme, retries and ordering.",
			Body:        openapi.BodyRequired, Request: webhookBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: webhookCreated{}, NoStore: true, ETag: true}},
			Problems:  openapi.Problems(httpapi.KindConflict, httpapi.KindQuotaExceeded)}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/webhooks", ID: "listWebhooks", Tag: "Webhooks",
			Summary: "List webhook endpoints (never their secrets)", Paginated: true, Responses: ok(page[delivery.Endpoint]{})}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/webhooks/{id}", ID: "getWebhook", Tag: "Webhooks",
			Summary: "Read a webhook endpoint", Responses: []openapi.Response{{Status: http.StatusOK, Body: delivery.Endpoint{}, ETag: true}},
			Problems: notFound}, admin),
		tenantOp(openapi.Operation{Route: "PATCH /v1/webhooks/{id}", ID: "updateWebhook", Tag: "Webhooks",
			Summary: "Change a webhook endpoint's url, event types, description or enabled (absent fields stay)",
			Body:    openapi.BodyRequired, Request: webhookBody{}, Preconditions: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: delivery.Endpoint{}, ETag: true}}, Problems: deleteProblems}, admin),
		tenantOp(openapi.Operation{Route: "DELETE /v1/webhooks/{id}", ID: "deleteWebhook", Tag: "Webhooks",
			Summary: "Delete a webhook endpoint; its pending deliveries are parked", Body: openapi.BodyEmpty, Preconditions: true,
			Responses: noContent, Problems: deleteProblems}, admin),
		tenantOp(openapi.Operation{Route: "POST /v1/webhooks/{id}/secret", ID: "rotateWebhookEndpointSecret", Tag: "Webhooks",
			Summary: "Rotate an endpoint's signing secret; the old one signs beside it for grace_seconds",
			Body:    openapi.BodyOptional, Request: rotateBody{}, Preconditions: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: webhookCreated{}, NoStore: true, ETag: true}},
			Problems:  deleteProblems}, admin),
		tenantOp(openapi.Operation{Route: "GET /v1/webhooks/{id}/deliveries", ID: "listWebhookDeliveries", Tag: "Webhooks",
			Summary: "The endpoint's delivery log, oldest event first", Paginated: true,
			Responses: ok(page[delivery.Delivery]{}), Problems: notFound}, admin),
		tenantOp(openapi.Operation{Route: "POST /v1/webhooks/{id}/deliveries/{delivery}/replay", ID: "replayWebhookDelivery", Tag: "Webhooks",
			Summary: "Send a delivered or parked delivery again (409 while it is still being tried)", Body: openapi.BodyEmpty,
			Responses: []openapi.Response{{Status: http.StatusAccepted, Body: delivery.Delivery{}}},
			Problems:  openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict, httpapi.KindUnavailable)}, admin),
	}
	ops = append(ops, userOperations(tenantOp)...)
	ops = append(ops, humanOperations(tenantOp)...)
	ops = append(ops, forecastReadOperations(tenantOp)...)
	ops = append(ops, forecastDataOperations(tenantOp)...)
	ops = append(ops, dispatchOperations(tenantOp)...)
	ops = append(ops, qaOperations(tenantOp)...)
	ops = append(ops, satisfactionOperations(tenantOp)...)
	ops = append(ops, vocReportOperations(tenantOp)...)
	ops = append(ops, vocOperations(tenantOp)...)
	ops = append(ops, voiceOperations(func(o openapi.Operation) openapi.Operation { return tenantOp(o, admin) })...)
	ops = append(ops, widgetOperations(func(o openapi.Operation) openapi.Operation { return tenantOp(o, admin) })...)
	return openapi.Contract{Enums: enums, Operations: ops}
}
