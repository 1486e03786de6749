package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/openapi"
)

// qaEnums are the enums of the quality-inspection bodies.
var qaEnums = [][]any{
	{inspect.ForbiddenPhrase, inspect.RequiredPhrase, inspect.Silence, inspect.TalkOver, inspect.NegativeEmotion, inspect.CardNumber, inspect.SpeakingShare},
	{inspect.Customer, inspect.Agent, inspect.Bot, inspect.Any},
	{inspect.First, inspect.Last},
	{inspect.ByWords, inspect.ByTime},
	{inspect.ReviewNone, inspect.ReviewSampled, inspect.ReviewDisputed, inspect.ReviewRescored},
}

// qaOperations are qa.go's routes as the contract describes them; op is Contract's tenantOp.
func qaOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const tag = "Quality inspection"
	admin, supervisor, agent := "admin", "supervisor", "agent"
	unavailable := openapi.Problems(httpapi.KindUnavailable)
	notFoundOr := openapi.Problems(httpapi.KindNotFound, httpapi.KindUnavailable)
	ok := func(body any) []openapi.Response { return []openapi.Response{{Status: http.StatusOK, Body: body}} }
	return []openapi.Operation{
		op(openapi.Operation{Route: "GET /v1/qa/forms", ID: "listQAForms", Tag: tag,
			Summary:     "The tenant's scoring forms by id, the built-in default among them until replaced, and which one contacts are inspected with",
			Description: "docs/quality.md: the rule kinds, which run live, and how a score is made.",
			Responses:   ok(qaForms{}), Problems: unavailable}, supervisor),
		op(openapi.Operation{Route: "GET /v1/qa/forms/{id}", ID: "getQAForm", Tag: tag,
			Summary:   "One scoring form (\"default\" is the built-in one until the tenant writes its own)",
			Responses: ok(qaForm{}), Problems: notFoundOr}, supervisor),
		op(openapi.Operation{Route: "PUT /v1/qa/forms/{id}", ID: "putQAForm", Tag: tag,
			Summary:     "Create or replace a scoring form; active: true inspects every contact with it from now on",
			Description: "Each rule is checked for its kind's fields (phrases and a speaker, a window of turns, seconds, a threshold, bounds); a field that does not belong to the kind is 400 with a pointer to it.",
			Body:        openapi.BodyRequired, Request: qaFormBody{},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: qaForm{}, Description: "replaced"}, {Status: http.StatusCreated, Body: qaForm{}, Description: "created"}},
			Problems:  openapi.Problems(httpapi.KindConflict, httpapi.KindUnavailable)}, admin),
		op(openapi.Operation{Route: "GET /v1/qa/contacts/{id}", ID: "getQAResult", Tag: tag,
			Summary:     "A contact's inspection: the automatic score, each rule's result, the violations with the turn that triggered each, the transcript (card numbers masked) and the review",
			Description: "The id is the conversation id of a chat or the call id of a call. An agent reads only their own contacts.",
			Responses:   ok(inspect.Result{}), Problems: notFoundOr}, agent),
		op(openapi.Operation{Route: "GET /v1/qa/agents/{id}", ID: "getQAAgent", Tag: tag,
			Summary: "An agent's scores over time: each inspected contact (automatic and final score), the mean per day and over the window",
			Query: []openapi.Param{{Name: "from", Description: "contacts inspected at or after this: an RFC 3339 time or a date (default: 30 days before to)"},
				{Name: "to", Description: "contacts inspected before this: an RFC 3339 time or a date (default: now)"}},
			Responses: ok(inspect.AgentSeries{}), Problems: notFoundOr}, agent),
		op(openapi.Operation{Route: "POST /v1/qa/reviews", ID: "sampleQAReviews", Tag: tag,
			Summary:     "Draw a random sample of inspected contacts for review (of one agent, in a window) and mark them sampled",
			Description: "Contacts already in review are not drawn again; available says how many there were to draw from.",
			Body:        openapi.BodyRequired, Request: qaSampleBody{},
			Responses: ok(qaSampled{}), Problems: openapi.Problems(httpapi.KindConflict, httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "POST /v1/qa/contacts/{id}/dispute", ID: "disputeQAResult", Tag: tag,
			Summary: "The agent disputes their contact's result, with a reason (once; 409 after)",
			Body:    openapi.BodyRequired, Request: qaDisputeBody{},
			Responses: ok(inspect.Result{}), Problems: openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict, httpapi.KindUnavailable)}, agent),
		op(openapi.Operation{Route: "POST /v1/qa/contacts/{id}/rescore", ID: "rescoreQAResult", Tag: tag,
			Summary:     "A supervisor re-scores a contact with per-rule overrides; the new score is kept beside the automatic one",
			Description: "Emits contact.inspected with source review. An override naming no rule of the result is 400 with a pointer to it.",
			Body:        openapi.BodyRequired, Request: qaRescoreBody{},
			Responses: ok(inspect.Result{}), Problems: openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict, httpapi.KindUnavailable)}, supervisor),
	}
}
