package handler

// contract.go: the chat function's routes as the OpenAPI contract describes them
// (shared/openapi). Each route New registers has one Operation here; the drift test in
// shared/openapi fails when the two lists differ, or when openapi.json was not regenerated
// (`go test ./shared/openapi -update`).

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/satisfaction"
)

// businessEventAccepted is the answer of POST /v1/business-events: the event's id, and whether
// guess-your-question keeps it.
type businessEventAccepted struct {
	ID     string `json:"id"`
	Stored bool   `json:"stored"`
}

// visitorNote is said of the routes a widget visitor's token may call.
const visitorNote = "A widget visitor's token (lxv_…) may call this for its own conversation; any other is 404 to it."

// Contract describes every route New registers, for the OpenAPI document.
func Contract() openapi.Contract {
	op := func(o openapi.Operation) openapi.Operation {
		o.Auth, o.Role, o.Tag = openapi.AuthTenant, string(auth.RolePartner), "Conversations"
		o.Idempotent = o.Route[:4] == "POST"
		return o
	}
	notFound := openapi.Problems(httpapi.KindNotFound)
	turn := openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict)
	enums := [][]any{
		{conversation.StateActive, conversation.StateHandoff, conversation.StateEnded},
		{conversation.ActionSay, conversation.ActionGather, conversation.ActionTransfer, conversation.ActionHangup},
	}
	return openapi.Contract{Enums: enums, Operations: []openapi.Operation{
		op(openapi.Operation{Route: "POST /v1/conversations", ID: "startConversation",
			Summary: "Start a conversation: the greeting and guess-your-question suggestions",
			Body:    openapi.BodyRequired, Request: startBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: startResponse{}}},
			Problems:  openapi.Problems(httpapi.KindConflict, httpapi.KindQuotaExceeded)}),
		op(openapi.Operation{Route: "GET /v1/conversations/{id}", ID: "getConversation",
			Summary: "A conversation's transcript", Description: visitorNote, Responses: []openapi.Response{{Status: http.StatusOK, Body: transcript{}}},
			Problems: notFound}),
		op(openapi.Operation{Route: "POST /v1/conversations/{id}/messages", ID: "postMessage",
			Summary:     "One customer turn: text, a suggestion or DTMF; answers the bot's messages, quick replies, actions and state",
			Description: "Send exactly one of text, suggestion and dtmf. " + visitorNote,
			Body:        openapi.BodyRequired, Request: messageBody{},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: turnResponse{}}}, Problems: turn}),
		op(openapi.Operation{Route: "POST /v1/conversations/{id}/end", ID: "endConversation",
			Summary: "The customer left: end the conversation (emits contact.ended); answers the transcript", Description: visitorNote,
			Body: openapi.BodyEmpty, Responses: []openapi.Response{{Status: http.StatusOK, Body: transcript{}}}, Problems: turn}),
		op(openapi.Operation{Route: "POST /v1/voice/turns", ID: "voiceTurn",
			Summary: "The media edge's voice turn: say, gather, transfer, hang up",
			Body:    openapi.BodyRequired, Request: voiceBody{},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: voiceResponse{}}},
			Problems:  openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict, httpapi.KindQuotaExceeded)}),
		{Route: "POST /v1/widgets/{widget}/conversations", ID: "startWidgetConversation", Tag: "Widget", Auth: openapi.AuthNone,
			Summary: "A web chat widget's visitor starts a conversation; answers it and a visitor token for it, once",
			Description: "No key: the widget's public id (lxw_…, GET /v1/widget) names the tenant. Send the token as `Authorization: Bearer lxv_…` " +
				"to GET /v1/conversations/{id}, POST …/messages and …/end of this conversation only, and as ?token= to the WebSocket API; " +
				"it lasts 24 hours. A customer_id is kept as the unverified attribute claimed_customer_id. 403 when the request's Origin is " +
				"not one of the widget's origins. Rate-limited per widget and source address. Never replayed: Idempotency-Key is refused.",
			Body: openapi.BodyOptional, Request: widgetStartBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: widgetStarted{}, NoStore: true}},
			Problems:  openapi.Problems(httpapi.KindNotFound, httpapi.KindForbidden, httpapi.KindRateLimited, httpapi.KindConflict, httpapi.KindQuotaExceeded)},
		op(openapi.Operation{Route: "POST /v1/business-events", ID: "postBusinessEvent",
			Summary: "A customer's business event (payment failed, card shipped…), emitted as business.event; it feeds guess-your-question",
			Body:    openapi.BodyRequired, Request: businessEventBody{},
			Responses: []openapi.Response{{Status: http.StatusAccepted, Body: businessEventAccepted{}}}}),
		op(openapi.Operation{Route: "POST /v1/contacts/{id}/feedback", ID: "postFeedback",
			Summary: "A customer's survey answer about a contact (CSAT 1–5, NPS 0–10, a comment), emitted as feedback.submitted",
			Description: "The id is a conversation of the key's tenant or a human-service contact of it. A contact takes one answer: " +
				"a second is 409, whoever sent the first (the chat survey or this route).",
			Body: openapi.BodyRequired, Request: feedbackBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: satisfaction.Feedback{}}},
			Problems:  openapi.Problems(httpapi.KindNotFound, httpapi.KindConflict)}),
	}}
}
