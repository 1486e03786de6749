package handler

// satisfaction.go: GET /v1/voc/satisfaction, the customers' satisfaction per intent, queue, agent,
// channel or resolution over a range of days (shared/satisfaction; docs/surveys.md). The feedback
// function's fold keeps the daily sums; this route adds them up.

import (
	"context"
	"net/http"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/satisfaction"
)

// satisfactionDefaultDays is the range read when from is not given: the 30 days up to to.
const satisfactionDefaultDays = 30

// satisfactionOut is the answer of GET /v1/voc/satisfaction.
type satisfactionOut struct {
	By   satisfaction.Dimension `json:"by"`
	From string                 `json:"from"`
	To   string                 `json:"to"`
	Rows []satisfaction.Row     `json:"rows"`
}

func (api *API) satisfactionRoutes() {
	api.router.Handle("GET /v1/voc/satisfaction", api.tenantKey(auth.RoleSupervisor, api.getSatisfaction))
}

func (api *API) getSatisfaction(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	q := r.QueryStringParameters
	by := satisfaction.Dimension(q["by"])
	var fe []httpapi.FieldError
	if !by.Valid() {
		fe = append(fe, httpapi.FieldError{Field: "by", Reason: "must be intent, queue, agent, channel or resolution"})
	}
	to := api.now().UTC().Format(time.DateOnly)
	if s := q["to"]; s != "" {
		to = s
	}
	last, err := time.Parse(time.DateOnly, to)
	if err != nil {
		fe = append(fe, httpapi.FieldError{Field: "to", Reason: "must be a date (2006-01-02)"})
	}
	from := last.AddDate(0, 0, 1-satisfactionDefaultDays).Format(time.DateOnly)
	if s := q["from"]; s != "" {
		from = s
	}
	first, err := time.Parse(time.DateOnly, from)
	switch {
	case err != nil:
		fe = append(fe, httpapi.FieldError{Field: "from", Reason: "must be a date (2006-01-02)"})
	case len(fe) == 0 && last.Before(first):
		fe = append(fe, httpapi.FieldError{Field: "to", Reason: "must not be before from"})
	case len(fe) == 0 && last.Sub(first) >= satisfaction.MaxDays*24*time.Hour:
		fe = append(fe, httpapi.FieldError{Field: "from", Reason: "the range is at most 366 days"})
	}
	if len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	rows, err := satisfaction.Figures(ctx, api.store, p.Tenant, by, from, to)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, satisfactionOut{By: by, From: from, To: to, Rows: rows}), nil
}

// satisfactionOperations is the route as the contract describes it; op is Contract's tenantOp.
func satisfactionOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	return []openapi.Operation{
		op(openapi.Operation{Route: "GET /v1/voc/satisfaction", ID: "getSatisfaction", Tag: "Voice of the customer",
			Summary: "Customers' satisfaction per intent, queue, agent, channel or resolution: CSAT mean, CSAT % (4 and 5), NPS, and their counts",
			Description: "docs/surveys.md. Days are UTC days of the answers, from and to both included; by default the 30 days up to today. " +
				"Values without answers in the range are left out; most CSAT answers first.",
			Query: []openapi.Param{
				{Name: "by", Description: "required: intent, queue, agent, channel or resolution", Pattern: "^(intent|queue|agent|channel|resolution)$"},
				{Name: "from", Description: "the first day (2006-01-02)", Pattern: `^\d{4}-\d{2}-\d{2}$`},
				{Name: "to", Description: "the last day (2006-01-02); today by default", Pattern: `^\d{4}-\d{2}-\d{2}$`}},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: satisfactionOut{}}}}, "supervisor"),
	}
}
