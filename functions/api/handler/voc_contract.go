package handler

import (
	"net/http"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/voc"
)

// vocEnums are the enums of the VOC bodies.
var vocEnums = [][]any{
	{lxevents.AlertTopic, lxevents.AlertIntent, lxevents.AlertQueue, lxevents.AlertNegative},
	{lxevents.AlertOpen, lxevents.AlertAcknowledged, lxevents.AlertAssigned, lxevents.AlertResolved},
}

// vocOperations are voc.go's routes as the contract describes them; op is Contract's tenantOp.
func vocOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const tag = "Voice of the customer"
	supervisor := "supervisor"
	ok := func(body any) []openapi.Response { return []openapi.Response{{Status: http.StatusOK, Body: body}} }
	notFoundOr := openapi.Problems(httpapi.KindNotFound, httpapi.KindUnavailable)
	step := openapi.Problems(httpapi.KindNotFound, kindAlertState, httpapi.KindUnavailable)
	return []openapi.Operation{
		op(openapi.Operation{Route: "GET /v1/voc/alerts", ID: "listVOCAlerts", Tag: tag,
			Summary:     "Spike alerts, newest first: a topic, intent, queue or negative-sentiment share that rose above its seasonal baseline",
			Description: "docs/voc.md. state keeps only alerts in that state; a page may then hold fewer than limit alerts while next_cursor is set.",
			Paginated:   true,
			Query:       []openapi.Param{{Name: "state", Description: "only alerts in this state", Pattern: "^(open|acknowledged|assigned|resolved)$"}},
			Responses:   ok(page[voc.Alert]{}), Problems: openapi.Problems(httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "GET /v1/voc/alerts/{id}", ID: "getVOCAlert", Tag: tag,
			Summary:   "One alert: its key, example messages, count against the expectation, onset, and its workflow so far",
			Responses: ok(voc.Alert{}), Problems: notFoundOr}, supervisor),
		op(openapi.Operation{Route: "POST /v1/voc/alerts/{id}/acknowledge", ID: "acknowledgeVOCAlert", Tag: tag,
			Summary:     "Acknowledge an open alert (again: no change)",
			Description: "Commits alert.changed (state acknowledged); a resolved or assigned alert is 409 voc-alert-state.",
			Body:        openapi.BodyEmpty, Responses: ok(voc.Alert{}), Problems: step}, supervisor),
		op(openapi.Operation{Route: "POST /v1/voc/alerts/{id}/assign", ID: "assignVOCAlert", Tag: tag,
			Summary:     "Assign an alert that is not resolved to an owner (a user of the tenant)",
			Description: "Commits alert.changed (state assigned, owner_id); an owner who is not an enabled user of the tenant is 422 voc-alert-owner-unknown, a resolved alert 409 voc-alert-state.",
			Body:        openapi.BodyRequired, Request: assignBody{}, Responses: ok(voc.Alert{}),
			Problems: openapi.Problems(httpapi.KindNotFound, kindAlertState, kindAlertOwner, httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "POST /v1/voc/alerts/{id}/resolve", ID: "resolveVOCAlert", Tag: tag,
			Summary:     "Resolve an alert, with an optional note; the time from onset to resolution is kept",
			Description: "Commits alert.changed (state resolved, resolution_seconds); the key may alert again. A resolved alert is 409 voc-alert-state.",
			Body:        openapi.BodyOptional, Request: resolveBody{}, Responses: ok(voc.Alert{}), Problems: step}, supervisor),
		op(openapi.Operation{Route: "GET /v1/voc/topics", ID: "listVOCTopics", Tag: tag,
			Summary:   "The keys counted in the last 24 hours (intents, topics, queues, negative messages per channel) with their volumes, largest first",
			Responses: ok(vocTopicsOut{}), Problems: openapi.Problems(httpapi.KindUnavailable)}, supervisor),
	}
}
