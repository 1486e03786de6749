package handler

// vocreport.go: the weekly voice-of-the-customer report (shared/vocreport, docs/voc-report.md).
// Supervisors and admins read and build reports; admins import the daily transaction counts the
// contact rate per 10,000 transactions needs.
//
//	POST /v1/voc/transactions           import daily transaction counts {days: [{date, count}]}
//	GET  /v1/voc/transactions           the imported counts of ?from=&to= (dates, at most 366 days)
//	GET  /v1/voc/reports                the built reports, newest week first
//	POST /v1/voc/reports                build a week's report now {week: "2026-W49"} (once per week)
//	GET  /v1/voc/reports/{week}         one report's headline figures and links
//	GET  /v1/voc/reports/{week}/html    its HTML (text/html)
//	GET  /v1/voc/reports/{week}/pdf     its PDF (application/pdf)

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/vocreport"
)

// WithVOCReports serves the report routes from b. Without it they answer 503.
func WithVOCReports(b *vocreport.Builder) Option {
	return func(api *API) { api.reports = b }
}

func (api *API) vocReportRoutes() {
	api.router.Handle("POST /v1/voc/transactions", api.tenantKey(auth.RoleAdmin, api.importTransactions))
	api.router.Handle("GET /v1/voc/transactions", api.tenantKey(auth.RoleSupervisor, api.listTransactions))
	api.router.Handle("GET /v1/voc/reports", api.tenantKey(auth.RoleSupervisor, api.listVOCReports))
	api.router.Handle("POST /v1/voc/reports", api.tenantKey(auth.RoleSupervisor, api.buildVOCReport))
	api.router.Handle("GET /v1/voc/reports/{week}", api.tenantKey(auth.RoleSupervisor, api.getVOCReport))
	api.router.Handle("GET /v1/voc/reports/{week}/html", api.tenantKey(auth.RoleSupervisor, api.vocReportBody(vocreport.FormatHTML)))
	api.router.Handle("GET /v1/voc/reports/{week}/pdf", api.tenantKey(auth.RoleSupervisor, api.vocReportBody(vocreport.FormatPDF)))
}

func (api *API) vocReports() (*vocreport.Builder, error) {
	if api.reports == nil {
		return nil, httpapi.Errorf(httpapi.KindUnavailable, "VOC reports are not configured")
	}
	return api.reports, nil
}

type transactionsBody struct {
	Days []vocreport.DayCount `json:"days"`
}

type transactionsOut struct {
	Imported int    `json:"imported"` // days stored
	From     string `json:"from"`     // the earliest date imported
	To       string `json:"to"`       // the latest
}

func (api *API) importTransactions(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.vocReports()
	if err != nil {
		return httpapi.Response{}, err
	}
	var body transactionsBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if err := vocreport.CheckDays(body.Days); err != nil {
		return httpapi.Response{}, daysInvalid(err)
	}
	if err := b.Transactions().Import(ctx, p.Tenant, body.Days); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "another import changed the same months meanwhile; retry")
		}
		return httpapi.Response{}, err
	}
	out := transactionsOut{Imported: len(body.Days), From: body.Days[0].Date, To: body.Days[0].Date}
	for _, d := range body.Days {
		out.From, out.To = min(out.From, d.Date), max(out.To, d.Date)
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

type transactionsList struct {
	Days []vocreport.DayCount `json:"days"` // the imported days of the range, oldest first
}

func (api *API) listTransactions(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.vocReports()
	if err != nil {
		return httpapi.Response{}, err
	}
	q := r.QueryStringParameters
	from, ferr := time.Parse(time.DateOnly, q["from"])
	to, terr := time.Parse(time.DateOnly, q["to"])
	var fields []httpapi.FieldError
	if ferr != nil {
		fields = append(fields, httpapi.FieldError{Field: "from", Reason: "is required: a date (2006-01-02)"})
	}
	if terr != nil {
		fields = append(fields, httpapi.FieldError{Field: "to", Reason: "is required: a date (2006-01-02)"})
	}
	if ferr == nil && terr == nil && (to.Before(from) || to.Sub(from) >= vocreport.MaxImportDays*24*time.Hour) {
		fields = append(fields, httpapi.FieldError{Field: "to", Reason: fmt.Sprintf("must be from 'from' to %d days after it", vocreport.MaxImportDays-1)})
	}
	if len(fields) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fields...)
	}
	days, err := b.Transactions().Days(ctx, p.Tenant, q["from"], q["to"])
	if err != nil {
		return httpapi.Response{}, err
	}
	out := transactionsList{Days: make([]vocreport.DayCount, 0, len(days))}
	for _, d := range slices.Sorted(maps.Keys(days)) {
		out.Days = append(out.Days, vocreport.DayCount{Date: d, Count: days[d]})
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

// daysInvalid turns a *vocreport.DaysError into field errors at /days/<i>/date or /days/<i>/count.
func daysInvalid(err error) error {
	var de *vocreport.DaysError
	if !errors.As(err, &de) {
		return err
	}
	fields := make([]httpapi.FieldError, 0, len(de.Problems))
	for _, p := range de.Problems {
		field := "/days"
		reason := p.Reason
		if p.Index >= 0 {
			name, rest, ok := cutField(p.Reason)
			field += "/" + strconv.Itoa(p.Index)
			if ok {
				field, reason = field+"/"+name, rest
			}
		}
		fields = append(fields, httpapi.FieldError{Field: field, Reason: reason})
	}
	return httpapi.Invalid(fields...)
}

// cutField splits "date: must be …" into "date" and "must be …".
func cutField(reason string) (string, string, bool) {
	for _, f := range []string{"date", "count"} {
		if len(reason) > len(f)+2 && reason[:len(f)+2] == f+": " {
			return f, reason[len(f)+2:], true
		}
	}
	return "", reason, false
}

// vocReportOut is a report's metadata with where to read its bodies.
type vocReportOut struct {
	vocreport.Report
	Links vocReportLinks `json:"links"`
}

type vocReportLinks struct {
	HTML string `json:"html"` // the API path of the HTML body
	PDF  string `json:"pdf"`
}

func reportOut(r vocreport.Report) vocReportOut {
	base := "/v1/voc/reports/" + r.Week
	return vocReportOut{Report: r, Links: vocReportLinks{HTML: base + "/html", PDF: base + "/pdf"}}
}

func (api *API) listVOCReports(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.vocReports()
	if err != nil {
		return httpapi.Response{}, err
	}
	pr, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	reports, next, err := b.List(ctx, p.Tenant, pr)
	if errors.Is(err, store.ErrInvalidCursor) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("list VOC reports of %s: %w", p.Tenant, err)
	}
	items := make([]vocReportOut, len(reports))
	for i, rep := range reports {
		items[i] = reportOut(rep)
	}
	return httpapi.JSON(http.StatusOK, page[vocReportOut]{Items: items, NextCursor: next}), nil
}

type buildReportBody struct {
	Week string `json:"week"` // ISO week, "2026-W49", in the tenant's time zone
}

func (api *API) buildVOCReport(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.vocReports()
	if err != nil {
		return httpapi.Response{}, err
	}
	var body buildReportBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	rep, built, err := b.Build(ctx, p.Tenant, body.Week)
	switch {
	case errors.Is(err, vocreport.ErrBadWeek):
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/week", Reason: "must be an ISO week of 2000-2099 (2026-W49)"})
	case errors.Is(err, vocreport.ErrFutureWeek):
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/week", Reason: "has not begun in the tenant's time zone"})
	case err != nil:
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if built {
		status = http.StatusCreated
	}
	return httpapi.JSON(status, reportOut(rep)), nil
}

func (api *API) getVOCReport(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.vocReports()
	if err != nil {
		return httpapi.Response{}, err
	}
	rep, err := b.Get(ctx, p.Tenant, r.Params["week"])
	if errors.Is(err, vocreport.ErrNotFound) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no VOC report of week %q", r.Params["week"])
	}
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, reportOut(rep)), nil
}

func (api *API) vocReportBody(format string) tenantHandler {
	return func(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
		b, err := api.vocReports()
		if err != nil {
			return httpapi.Response{}, err
		}
		body, err := b.Body(ctx, p.Tenant, r.Params["week"], format)
		if errors.Is(err, vocreport.ErrNotFound) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no VOC report of week %q", r.Params["week"])
		}
		if err != nil {
			return httpapi.Response{}, err
		}
		name := "voc-" + r.Params["week"] + "." + format
		return httpapi.Response{Status: http.StatusOK, Raw: body, Headers: map[string]string{
			"Content-Type":        vocreport.ContentType[format],
			"Content-Disposition": `inline; filename="` + name + `"`,
			"Cache-Control":       "private, no-cache",
		}}, nil
	}
}
