package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/forecastpub"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
)

// forecastReadEnums are the enums of the forecast read bodies.
var forecastReadEnums = [][]any{
	{forecaststore.Daily, forecaststore.Monthly, forecaststore.Hiring, forecaststore.Scheduling, forecaststore.Rolling},
}

// forecastReadOperations are forecast_read.go's routes as the contract describes them; op is
// Contract's tenantOp.
func forecastReadOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const fcTag, staffTag = "Forecasts", "Staffing"
	admin, supervisor := "admin", "supervisor"
	timeParam := func(name, what string) openapi.Param {
		return openapi.Param{Name: name, Description: what + ": an RFC 3339 time or a date (2006-01-02)"}
	}
	return []openapi.Operation{
		op(openapi.Operation{Route: "GET /v1/forecasts", ID: "listForecasts", Tag: fcTag,
			Summary:     "List published forecasts without their points: newest first within each product, queue and channel",
			Description: "docs/forecasting.md. Filters: queue, channel, product, and from/to (forecasts whose period overlaps).",
			Paginated:   true,
			Query: []openapi.Param{{Name: "queue", Description: "a queue id, or _all for every contact of a channel"},
				{Name: "channel", Description: "chat or voice", Pattern: "^(chat|voice)$"},
				{Name: "product", Description: "daily, monthly, hiring, scheduling or rolling", Pattern: "^(daily|monthly|hiring|scheduling|rolling)$"},
				timeParam("from", "forecasts ending after this"), timeParam("to", "forecasts starting before this")},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[forecaststore.Summary]{}}},
			Problems:  openapi.Problems(httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "GET /v1/forecasts/{id}", ID: "getForecast", Tag: fcTag,
			Summary:     "A published forecast: points, baseline, prediction bands, the events it includes, and metrics and review once actuals exist",
			Description: "docs/forecasting.md.",
			Responses:   []openapi.Response{{Status: http.StatusOK, Body: forecaststore.Forecast{}}},
			Problems:    openapi.Problems(httpapi.KindNotFound, httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "POST /v1/forecasts/publish", ID: "publishForecasts", Tag: fcTag,
			Summary:     "Publish forecasts now, for one queue or every series (synchronous, bounded to 25 s)",
			Description: "Each product asked for (default: daily, monthly, hiring, scheduling) is published with a forecast.published event. Series that could not be published within the bound are listed in failed.",
			Body:        openapi.BodyOptional, Request: publishBody{},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: publishOut{}}},
			Problems:  openapi.Problems(httpapi.KindConflict, httpapi.KindUnavailable)}, admin),
		op(openapi.Operation{Route: "GET /v1/forecast/accuracy", ID: "getForecastAccuracy", Tag: fcTag,
			Summary:   "A queue's accuracy history: each scored forecast's deviation, WAPE, MAPE, attainment and daily WAPE, newest first",
			Paginated: true, Query: []openapi.Param{{Name: "queue", Description: "required: a queue id or _all"}},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[forecaststore.Accuracy]{}}},
			Problems:  openapi.Problems(httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "GET /v1/staffing", ID: "getStaffing", Tag: staffTag,
			Summary:     "Agents needed per interval of an intraday forecast (Erlang C, or Erlang A with patience) and a shift plan from the tenant's templates",
			Description: "docs/staffing.md. Targets come from the staffing settings; the query overrides them. At most 7 days at a time (default: the forecast's first 7).",
			Query: []openapi.Param{{Name: "forecast", Description: "required: a forecast id (scheduling or rolling)"},
				{Name: "sl", Description: "service level: percent/seconds, e.g. 80/20", Pattern: `^[0-9]{1,2}(\.[0-9]+)?/[0-9]{1,4}$`},
				{Name: "asa", Description: "average speed of answer target, seconds (instead of sl)"},
				{Name: "aht", Description: "average handle time, seconds"},
				{Name: "shrinkage", Description: "fraction (0.3) or percent (30)"},
				{Name: "max_occupancy", Description: "fraction (0.85) or percent (85)"},
				{Name: "patience", Description: "mean patience, seconds: Erlang A (0: Erlang C)"},
				timeParam("from", "the plan's start"), timeParam("to", "the plan's end")},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: forecastpub.Staffing{}}},
			Problems:  openapi.Problems(httpapi.KindNotFound, httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "GET /v1/staffing/settings", ID: "getStaffingSettings", Tag: staffTag,
			Summary:   "The staffing settings: targets, handle time, shrinkage, occupancy cap, patience, the rolling forecast's shape and the shift templates (defaults at version 0)",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: staffingSettingsOut{}, ETag: true}},
			Problems:  openapi.Problems(httpapi.KindUnavailable)}, supervisor),
		op(openapi.Operation{Route: "PUT /v1/staffing/settings", ID: "putStaffingSettings", Tag: staffTag,
			Summary: "Replace the staffing settings", Body: openapi.BodyRequired, Request: staffingSettingsBody{}, Preconditions: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: staffingSettingsOut{}, ETag: true}},
			Problems:  openapi.Problems(kindPrecondition, httpapi.KindConflict, httpapi.KindUnavailable)}, admin),
	}
}
