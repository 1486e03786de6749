package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/canned"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
)

// humanEnums are the enums of the human-service bodies.
var humanEnums = [][]any{
	{floor.StateQueued, floor.StateOffered, floor.StateAssigned, floor.StateWrapup, floor.StateClosed, floor.StateAbandoned},
	{floor.AgentAvailable, floor.AgentBreak, floor.AgentOffline},
}

// humanOperations are the human-service routes as the contract describes them; op is Contract's
// tenantOp.
func humanOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const cannedTag, knowledgeTag = "Canned responses", "Knowledge base"
	admin, agent, partner := "admin", "agent", "partner"
	one := []openapi.Response{{Status: http.StatusOK, Body: cannedOut{}, ETag: true}}
	const queueTag, contactTag, agentTag = "Queues", "Contacts", "Agents"
	supervisor, agentOrPartner := "supervisor", "agent or partner"
	oneQueue := []openapi.Response{{Status: http.StatusOK, Body: queueOut{}, ETag: true}}
	contactNow := []openapi.Response{{Status: http.StatusOK, Body: contactListed{}}}
	gone := openapi.Problems(httpapi.KindNotFound, kindOfferGone, httpapi.KindForbidden, httpapi.KindUnavailable)
	acts := openapi.Problems(httpapi.KindNotFound, httpapi.KindForbidden, httpapi.KindConflict, httpapi.KindUnavailable)
	return []openapi.Operation{
		op(openapi.Operation{Route: "POST /v1/queues", ID: "createQueue", Tag: queueTag,
			Summary:     "Create an agent queue: required skills, priority, service-level target, overflow, maximum wait, callback, offer timeout",
			Description: "docs/human-service.md. Emits bot.config.changed (kind queue).",
			Body:        openapi.BodyRequired, Request: queueBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: queueOut{}, ETag: true}},
			Problems:  openapi.Problems(httpapi.KindConflict)}, admin),
		op(openapi.Operation{Route: "GET /v1/queues", ID: "listQueues", Tag: queueTag,
			Summary: "List the queues (agents read them for transfers)", Paginated: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[queueOut]{}}}}, agent),
		op(openapi.Operation{Route: "GET /v1/queues/{id}", ID: "getQueue", Tag: queueTag,
			Summary: "Read a queue", Responses: oneQueue, Problems: notFound}, agent),
		op(openapi.Operation{Route: "PATCH /v1/queues/{id}", ID: "updateQueue", Tag: queueTag,
			Summary: "Change a queue (members left out stay; lists are replaced whole)",
			Body:    openapi.BodyRequired, Request: queueBody{}, Preconditions: true, Responses: oneQueue, Problems: deleteProblems}, admin),
		op(openapi.Operation{Route: "DELETE /v1/queues/{id}", ID: "deleteQueue", Tag: queueTag,
			Summary: "Delete a queue", Body: openapi.BodyEmpty, Preconditions: true, Responses: noContent, Problems: deleteProblems}, admin),

		op(openapi.Operation{Route: "POST /v1/contacts", ID: "createContact", Tag: contactTag,
			Summary:     "Queue a contact for a person, as a bot handoff does (contact.created)",
			Description: "The dispatcher offers it to the best available agent of the queue. Chat only: voice contacts come from calls.",
			Body:        openapi.BodyRequired, Request: contactBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: contactListed{}}},
			Problems:  openapi.Problems(httpapi.KindUnavailable)}, partner),
		op(openapi.Operation{Route: "GET /v1/contacts", ID: "listContacts", Tag: contactTag,
			Summary:     "List contacts: an agent's own open ones, or every contact for supervisors, admins and partners",
			Description: "Without transcripts and decisions. An agent gets one page of their offered, assigned and wrap-up contacts.",
			Paginated:   true, Query: []openapi.Param{{Name: "state", Description: "only contacts in this state", Pattern: "^(queued|offered|assigned|wrapup|closed|abandoned)$"}},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[contactListed]{}}}, Problems: openapi.Problems(httpapi.KindUnavailable)}, agentOrPartner),
		op(openapi.Operation{Route: "GET /v1/contacts/{id}", ID: "getContact", Tag: contactTag,
			Summary:     "A contact with its dispatch decisions, transcript, intent, slots and the customer's profile",
			Description: "An agent reads only contacts offered to them now or before (404 otherwise, as for an unknown contact).",
			Responses:   []openapi.Response{{Status: http.StatusOK, Body: contactOut{}, ETag: true}}, Problems: openapi.Problems(httpapi.KindNotFound, httpapi.KindUnavailable)}, agentOrPartner),
		op(openapi.Operation{Route: "POST /v1/contacts/{id}/accept", ID: "acceptContact", Tag: contactTag,
			Summary:     "Accept an offer (the signed-in agent it was offered to)",
			Description: "409 offer-gone when the offer timed out, was declined or went to someone else; nothing changes.",
			Body:        openapi.BodyRequired, Request: offerBody{}, Responses: contactNow, Problems: gone}, agent),
		op(openapi.Operation{Route: "POST /v1/contacts/{id}/decline", ID: "declineContact", Tag: contactTag,
			Summary: "Decline an offer; the contact goes back to its queue and counts as a miss",
			Body:    openapi.BodyRequired, Request: offerBody{}, Responses: contactNow, Problems: gone}, agent),
		op(openapi.Operation{Route: "POST /v1/contacts/{id}/messages", ID: "sendContactMessage", Tag: contactTag,
			Summary: "Write to the customer (the assigned agent): appended to the conversation, chat.message with role agent",
			Body:    openapi.BodyRequired, Request: messageBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: agentMessageOut{}}}, Problems: acts}, agent),
		op(openapi.Operation{Route: "GET /v1/contacts/{id}/suggestions", ID: "getContactSuggestions", Tag: contactTag,
			Summary:   "Suggested replies for the customer's last message: knowledge-base articles and canned responses, ranked",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: suggestions{}}}, Problems: openapi.Problems(httpapi.KindNotFound, httpapi.KindUnavailable)}, agent),
		op(openapi.Operation{Route: "POST /v1/contacts/{id}/transfer", ID: "transferContact", Tag: contactTag,
			Summary:     "Move an assigned contact to another queue, or offer it straight to an available agent",
			Description: "The assigned agent, or a supervisor or admin for any contact.",
			Body:        openapi.BodyRequired, Request: transferBody{}, Responses: contactNow, Problems: acts}, agent),
		op(openapi.Operation{Route: "POST /v1/contacts/{id}/wrapup", ID: "wrapupContact", Tag: contactTag,
			Summary:     "Close a contact with a disposition (and a note); frees the agent's slot and ends the chat if still open",
			Description: "The assigned agent, or a supervisor or admin on the agent's behalf.",
			Body:        openapi.BodyRequired, Request: wrapupBody{}, Responses: contactNow, Problems: acts}, agent),

		op(openapi.Operation{Route: "GET /v1/agents", ID: "listAgents", Tag: agentTag,
			Summary:   "Every agent on the floor: state and since when, skills, capacity, contacts held, misses",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: agentList{}}}, Problems: openapi.Problems(httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "PUT /v1/agents/{id}/state", ID: "putAgentState", Tag: agentTag,
			Summary:     "Set a person's state (available, break, offline): one's own (id or me), or anyone's as a supervisor or admin",
			Description: "Emits agent.state (reason self or supervisor). Another person's id from an agent is 404.",
			Body:        openapi.BodyRequired, Request: agentStateBody{},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: floor.Presence{}}},
			Problems:  openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict, httpapi.KindUnavailable)}, agent),

		op(openapi.Operation{Route: "GET /v1/wallboard", ID: "getWallboard", Tag: agentTag,
			Summary:     "The supervisor's wallboard figures now: per queue waiting, longest wait, service level, ASA, abandon rate, offered and answered today; agents by state; arrivals per 15 minutes, and today's forecast beside them",
			Description: "The same figures the WebSocket pushes to supervisors as they change (docs/wallboard.md).",
			Query:       []openapi.Param{{Name: "forecast", Description: "today: also today's forecast per 15 minutes (docs/forecasting.md)", Pattern: "^today$"}},
			Responses:   []openapi.Response{{Status: http.StatusOK, Body: wallboardOut{}}}}, supervisor),

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
