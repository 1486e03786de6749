package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/strategy"
)

// dispatchEnums are the enums of the dispatch bodies.
var dispatchEnums = [][]any{
	{strategy.Divert, strategy.BotFirst, strategy.Callback, strategy.Overflow, strategy.AnnounceWait, strategy.PauseOutbound, strategy.MoveAgents, strategy.CallIn},
	{strategy.ByEngine, strategy.ByOverride},
}

// dispatchOperations are dispatch.go's routes as the contract describes them; op is Contract's
// tenantOp.
func dispatchOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const tag = "Dispatch engine"
	admin, supervisor := "admin", "supervisor"
	unavailable := openapi.Problems(httpapi.KindUnavailable)
	notFoundOr := openapi.Problems(httpapi.KindNotFound, httpapi.KindUnavailable)
	ok := func(body any) []openapi.Response { return []openapi.Response{{Status: http.StatusOK, Body: body}} }
	return []openapi.Operation{
		op(openapi.Operation{Route: "GET /v1/dispatch/strategies", ID: "listDispatchStrategies", Tag: tag,
			Summary:     "Every strategy of the engine's catalog: what it does and where, the tenant's settings of it, its measured effect per context, and its activations in force",
			Description: "docs/dispatch-engine.md. The measured effect per context (the channel with most of the load, the gap's size) is what the judgements learnt: activations judged, the mean ratio of measured to modelled effect, the service-level gain and the abandonment drop in points.",
			Responses:   ok(strategiesOut{}), Problems: unavailable}, supervisor),
		op(openapi.Operation{Route: "GET /v1/dispatch/settings", ID: "getDispatchSettings", Tag: tag,
			Summary:   "The engine's settings: on or off, each strategy's, the divert cap, the horizon, the hysteresis and the exploration budget (the defaults until written)",
			Responses: ok(strategy.Settings{}), Problems: unavailable}, supervisor),
		op(openapi.Operation{Route: "PUT /v1/dispatch/settings", ID: "putDispatchSettings", Tag: tag,
			Summary:     "Replace the engine's settings",
			Description: "The whole settings; strategies left out keep the catalog's defaults. A field out of its range is 400 with a pointer to it.",
			Body:        openapi.BodyRequired, Request: strategy.Settings{},
			Responses: ok(strategy.Settings{}), Problems: unavailable}, admin),
		op(openapi.Operation{Route: "GET /v1/dispatch/now", ID: "getDispatchNow", Tag: tag,
			Summary:   "The last decision's gap per queue (required and available agents, now and projected, with its band), its options and choice, and the activations in force now",
			Responses: ok(dispatchNowOut{}), Problems: unavailable}, supervisor),
		op(openapi.Operation{Route: "GET /v1/dispatch/decisions", ID: "listDispatchDecisions", Tag: tag,
			Summary:     "The engine's decisions, newest first: kept 30 days, one for every minute with an open gap, something in force or a change",
			Description: "from and to bound the decisions' minutes (default: the last 24 hours).",
			Paginated:   true,
			Query: []openapi.Param{{Name: "from", Description: "decisions at or after this: an RFC 3339 time or a date (2006-01-02)"},
				{Name: "to", Description: "decisions before this: an RFC 3339 time or a date (default: now)"}},
			Responses: ok(page[strategy.Decision]{}), Problems: unavailable}, supervisor),
		op(openapi.Operation{Route: "GET /v1/dispatch/decisions/{id}", ID: "getDispatchDecision", Tag: tag,
			Summary:   "One decision (its id is its minute in UTC, 20060102T1504): per queue the gap seen, every strategy considered with why it was feasible or not, the choice and why; what it activated, withdrew and kept",
			Responses: ok(strategy.Decision{}), Problems: notFoundOr}, supervisor),
		op(openapi.Operation{Route: "GET /v1/dispatch/activations", ID: "listDispatchActivations", Tag: tag,
			Summary:   "Activations, newest first; active=true lists only those in force",
			Paginated: true, Query: []openapi.Param{{Name: "active", Description: "true: only activations in force", Pattern: "^(true|false)$"}},
			Responses: ok(page[ActivationRecord]{}), Problems: unavailable}, supervisor),
		op(openapi.Operation{Route: "GET /v1/dispatch/activations/{id}", ID: "getDispatchActivation", Tag: tag,
			Summary:   "One activation: why it started, its expected effect, when and why it was withdrawn, and its judgement (observed against the simulator's counterfactual)",
			Responses: ok(ActivationRecord{}), Problems: notFoundOr}, supervisor),
		op(openapi.Operation{Route: "POST /v1/dispatch/overrides", ID: "createDispatchOverride", Tag: tag,
			Summary: "Force a strategy on (with the catalog's default params unless given) or off on a queue for 1–1440 minutes; the engine keeps to it",
			Description: "Applies at once: the active set is rewritten and dispatch.strategy events are emitted (overridden for the activation an on override forces, withdrawn for an engine activation it replaces or turns off). " +
				"The override is the caller's (the session's user or the key); a queue the tenant does not have is 422 dispatch-override-rejected.",
			Body: openapi.BodyRequired, Request: overrideBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: strategy.Override{}}},
			Problems:  openapi.Problems(kindOverrideRejected, httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "GET /v1/dispatch/overrides", ID: "listDispatchOverrides", Tag: tag,
			Summary:   "The overrides in force",
			Responses: ok(overridesOut{}), Problems: unavailable}, supervisor),
		op(openapi.Operation{Route: "DELETE /v1/dispatch/overrides/{id}", ID: "deleteDispatchOverride", Tag: tag,
			Summary: "End an override at once; the engine decides for the queue again from its next minute", Body: openapi.BodyEmpty,
			Responses: noContent, Problems: notFoundOr}, supervisor),
	}
}
