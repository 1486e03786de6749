package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
)

// vocReportOperations are vocreport.go's routes as the contract describes them; op is Contract's
// tenantOp.
func vocReportOperations(op func(openapi.Operation, string) openapi.Operation) []openapi.Operation {
	const tag = "VOC reports"
	admin, supervisor := "admin", "supervisor"
	unavailable := openapi.Problems(httpapi.KindUnavailable)
	notFound := openapi.Problems(httpapi.KindNotFound, httpapi.KindUnavailable)
	body := func(route, id, media, what string) openapi.Operation {
		return op(openapi.Operation{Route: route, ID: id, Tag: tag,
			Summary:     "The report's " + what,
			Description: "docs/voc-report.md. The body as stored in S3 at reports/<tenant>/voc/<week>.",
			Responses:   []openapi.Response{{Status: http.StatusOK, Media: media}},
			Problems:    notFound}, supervisor)
	}
	return []openapi.Operation{
		op(openapi.Operation{Route: "POST /v1/voc/transactions", ID: "importTransactions", Tag: tag,
			Summary: "Import daily transaction counts, the base of the contact rate per 10,000 transactions (万求率)",
			Description: "docs/voc-report.md. 1 to 366 days per request, each a date (the tenant's local day) and a count; " +
				"a date already imported is replaced. All or nothing.",
			Body: openapi.BodyRequired, Request: transactionsBody{},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: transactionsOut{}}},
			Problems:  openapi.Problems(httpapi.KindConflict, httpapi.KindUnavailable)}, admin),
		op(openapi.Operation{Route: "GET /v1/voc/transactions", ID: "listTransactions", Tag: tag,
			Summary: "The imported daily transaction counts of a range of dates, oldest first",
			Query: []openapi.Param{{Name: "from", Description: "required: the first date (2006-01-02)"},
				{Name: "to", Description: "required: the last date, at most 365 days after from"}},
			Responses: []openapi.Response{{Status: http.StatusOK, Body: transactionsList{}}},
			Problems:  unavailable}, supervisor),
		op(openapi.Operation{Route: "GET /v1/voc/reports", ID: "listVOCReports", Tag: tag,
			Summary: "The tenant's weekly VOC reports, newest week first", Paginated: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[vocReportOut]{}}},
			Problems:  unavailable}, supervisor),
		op(openapi.Operation{Route: "POST /v1/voc/reports", ID: "buildVOCReport", Tag: tag,
			Summary: "Build a week's report now (201), or answer the one already built (200)",
			Description: "docs/voc-report.md. The week is an ISO week in the tenant's time zone. A week is built once; " +
				"a report built while its week ran (partial) is rebuilt by the first request after the week ends.",
			Body: openapi.BodyRequired, Request: buildReportBody{},
			Responses: []openapi.Response{{Status: http.StatusCreated, Body: vocReportOut{}}, {Status: http.StatusOK, Body: vocReportOut{}}},
			Problems:  unavailable}, supervisor),
		op(openapi.Operation{Route: "GET /v1/voc/reports/{week}", ID: "getVOCReport", Tag: tag,
			Summary:   "A report's headline figures and the paths of its HTML and PDF",
			Responses: []openapi.Response{{Status: http.StatusOK, Body: vocReportOut{}}},
			Problems:  notFound}, supervisor),
		body("GET /v1/voc/reports/{week}/html", "getVOCReportHTML", "text/html", "HTML: one self-contained page with inline SVG charts"),
		body("GET /v1/voc/reports/{week}/pdf", "getVOCReportPDF", "application/pdf", "PDF"),
	}
}
