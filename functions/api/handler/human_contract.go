package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/canned"
	"github.com/lingxi/lingxi/shared/openapi"
)

// humanEnums are the enums of the human-service bodies.
var humanEnums = []any{}

// humanOperations are the human-service routes as the contract describes them; op is Contract's
// tenantOp.
func humanOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const cannedTag, knowledgeTag = "Canned responses", "Knowledge base"
	admin, agent := "admin", "agent"
	one := []openapi.Response{{Status: http.StatusOK, Body: cannedOut{}, ETag: true}}
	return []openapi.Operation{
		op(openapi.Operation{Route: "POST /v1/canned-responses", ID: "createCannedResponse", Tag: cannedTag,
			Summary:     "Create a canned response (话术) agents send or adapt: title, text, language, tags",
			Description: "docs/human-service.md. Emits bot.config.changed (kind canned_response).",
			Body:        openapi.BodyRequired, Request: canned.Patch{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: cannedOut{}, ETag: true}}}, admin),
		op(openapi.Operation{Route: "GET /v1/canned-responses", ID: "listCannedResponses", Tag: cannedTag,
			Summary: "List the tenant's canned responses (agents and supervisors read them too)", Paginated: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[cannedOut]{}}}}, agent),
		op(openapi.Operation{Route: "PATCH /v1/canned-responses/{id}", ID: "updateCannedResponse", Tag: cannedTag,
			Summary: "Change a canned response (absent fields stay)",
			Body:    openapi.BodyRequired, Request: canned.Patch{}, Preconditions: true, Responses: one, Problems: deleteProblems}, admin),
		op(openapi.Operation{Route: "DELETE /v1/canned-responses/{id}", ID: "deleteCannedResponse", Tag: cannedTag,
			Summary: "Delete a canned response", Body: openapi.BodyEmpty, Preconditions: true,
			Responses: noContent, Problems: deleteProblems}, admin),
		op(openapi.Operation{Route: "GET /v1/knowledge/search", ID: "searchKnowledge", Tag: knowledgeTag,
			Summary:     "Search the knowledge base as the agent desktop does: articles ranked by BM25 over questions, answers and tags",
			Description: "Reads the articles as stored now (no training needed); only articles valid now. `match` is about 1 for a verbatim question, near 0 for a weak match.",
			Query: []openapi.Param{{Name: "q", Description: "the query, 1–500 characters (required)"},
				{Name: "language", Description: "zh or en: the language of the answers shown (default: the query's)", Pattern: "^(zh|en)$"},
				{Name: "limit", Description: "at most this many articles, 1–20 (default 10)", Pattern: "^[0-9]+$"}},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: knowledgeResults{}}}}, agent),
	}
}
