package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/openapi"
)

// forecastDataOperations are forecast_data.go's routes as the contract describes them; op is
// Contract's tenantOp.
func forecastDataOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const tag = "Forecast data"
	admin, reader := "admin", "supervisor"
	rejectedOr := func(kinds ...*httpapi.Kind) []*httpapi.Kind {
		return append(openapi.Problems(kindForecastRejected, httpapi.KindUnavailable), kinds...)
	}
	oneEvent := []openapi.Response{{Status: http.StatusOK, Body: forecastEventOut{}, ETag: true}}
	settings := []openapi.Response{{Status: http.StatusOK, Body: forecastSettingsOut{}, ETag: true}}
	return []openapi.Operation{
		op(openapi.Operation{Route: "POST /v1/forecast/history", ID: "importForecastHistory", Tag: tag,
			Summary: "Import the history of contact volumes as CSV (interval_start,queue,channel,count), all or nothing",
			Description: "docs/forecast-history.md. Content-Type: text/csv. Each (queue, channel) series has one step of 5, 6, 10, 15, 30 or 60 minutes " +
				"and no gaps (an empty count marks an interval not observed); an imported series replaces the earlier import of the same series. " +
				"A file that breaks a rule is 422 forecast-data-rejected with `/rows/<n>` pointers (n: the data row, 1 after the header); nothing is stored. " +
				"At most 5 MiB and 150,000 rows (413).",
			Body: openapi.BodyRequired, Media: []string{"text/csv"},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: intervals.ImportSummary{}}},
			Problems:  rejectedOr(httpapi.KindConflict)}, admin),
		op(openapi.Operation{Route: "GET /v1/forecast/history", ID: "getForecastHistory", Tag: tag,
			Summary:   "The imported history by series, and every series counted live or imported",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: historyOut{}}}, Problems: openapi.Problems(httpapi.KindUnavailable)}, reader),
		op(openapi.Operation{Route: "GET /v1/forecast/events", ID: "listForecastEvents", Tag: tag,
			Summary: "List the calendar events, planned and past", Paginated: true,
			Query: []openapi.Param{
				{Name: "queue", Description: "only events of this queue and of every queue", Pattern: "^[a-z0-9][a-z0-9_-]{0,63}$"},
				{Name: "source", Description: "only planned events, or only past occurrences", Pattern: "^(planned|history)$"},
			},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[forecastEventOut]{}}}}, reader),
		op(openapi.Operation{Route: "GET /v1/forecast/events/{id}", ID: "getForecastEvent", Tag: tag,
			Summary: "Read a calendar event", Responses: oneEvent, Problems: notFound}, reader),
		op(openapi.Operation{Route: "PUT /v1/forecast/events/{id}", ID: "putForecastEvent", Tag: tag,
			Summary: "Plan a calendar event (campaign, product launch, outage, billing day, holiday) for a queue or all, with its windows",
			Description: "Every window must end after now and after its start, and no two may overlap: 422 forecast-data-rejected with " +
				"`/windows/<n>/end` or `/windows/<n>`. On a replace, windows sent unchanged from the stored event may have ended. " +
				"Past occurrences go to POST /v1/forecast/event-history.",
			Body: openapi.BodyRequired, Request: forecastEventBody{}, Preconditions: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: forecastEventOut{}, ETag: true}, {Status: http.StatusCreated, Body: forecastEventOut{}, ETag: true}},
			Problems:  rejectedOr(kindPrecondition, httpapi.KindConflict)}, admin),
		op(openapi.Operation{Route: "DELETE /v1/forecast/events/{id}", ID: "deleteForecastEvent", Tag: tag,
			Summary: "Delete a calendar event", Body: openapi.BodyEmpty, Preconditions: true, Responses: noContent, Problems: deleteProblems}, admin),
		op(openapi.Operation{Route: "POST /v1/forecast/event-history", ID: "importForecastEventHistory", Tag: tag,
			Summary:     "Record past occurrences of events (up to 90 a request, all or nothing), from which the forecaster learns each type's uplift",
			Description: "Every window must have ended. Ids already recorded as past occurrences are replaced; an id of a planned event is 422.",
			Body:        openapi.BodyRequired, Request: eventHistoryBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: eventHistoryOut{}}, {Status: http.StatusOK, Body: eventHistoryOut{}}},
			Problems:  rejectedOr(httpapi.KindConflict)}, admin),
		op(openapi.Operation{Route: "GET /v1/forecast/settings", ID: "getForecastSettings", Tag: tag,
			Summary:   "The calendar the forecaster reads days in: time zone and holidays (UTC and none until set)",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: forecastSettingsOut{}, Description: "with an ETag once the settings were written"}},
			Problems:  openapi.Problems(httpapi.KindUnavailable)}, reader),
		op(openapi.Operation{Route: "PUT /v1/forecast/settings", ID: "putForecastSettings", Tag: tag,
			Summary: "Set the time zone (IANA name) and the holidays (dates in that zone)",
			Body:    openapi.BodyRequired, Request: forecastSettingsBody{}, Preconditions: true, Responses: settings,
			Problems: rejectedOr(kindPrecondition, httpapi.KindConflict)}, admin),
	}
}
