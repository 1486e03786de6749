package handler

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/openapi/openapitest"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/vocreport"
)

// vocreport_test.go: the VOC report routes, and their lines in the standing suites
// (TestTenantIsolationEveryRoute, TestBadInputEveryWriteRoute, TestIdempotencyEveryPOST).

// reportsOption serves the report routes from a fresh bucket on the emulators, over db's interval
// counters and calendars, with no other part's figures (vocreport.NoData).
func reportsOption(t *testing.T, db *store.Store) Option {
	t.Helper()
	client, bucket := emulators.NewBucket(t, modelstore.NewClient)
	return WithVOCReports(vocreport.New(vocreport.Config{DB: db, S3: client, Bucket: bucket,
		Contacts: intervals.New(db), Calendars: forecastcal.New(db)}))
}

// raw is a call whose answer is not JSON: its status, headers and body bytes.
func (e *env) raw(t *testing.T, path, key string) (int, map[string]string, []byte) {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{RawPath: path, Headers: map[string]string{"authorization": "Bearer " + key}}
	req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path = "GET", path
	resp, err := e.api.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	openapitest.Check(t, req, resp)
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, resp.Headers, body
}

// lastWeek is the ISO week before the current one (UTC, the default time zone): complete, so a
// report of it is built once.
func lastWeek() string {
	return vocreport.WeekOf(time.Now().AddDate(0, 0, -7), time.UTC).ID
}

const vocDays = `{"days":[{"date":"2026-11-30","count":200000},{"date":"2026-12-01","count":180000}]}`

// A supervisor builds last week's report from the counted contacts and imported transactions,
// lists it and reads both bodies; an agent may not; the admin imports transactions, a supervisor
// may only read them.
func TestVOCReportRoutes(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	e.createUser(t, key, "sup", "supervisor", pw)
	e.createUser(t, key, "agent", "agent", pw)
	sup, agent := e.signIn(t, "acme", "sup", pw), e.signIn(t, "acme", "agent", pw)

	week := lastWeek()
	w, _ := vocreport.ParseWeek(week, time.UTC)
	ctr := intervals.New(e.api.reports.Transactions().DB())
	if err := ctr.Count(context.Background(), mustTenant(t, "acme"), "ev-1", intervals.AllQueues, lxevents.ChannelChat,
		w.From.Add(10*time.Hour), map[string]int64{intervals.Offered: 40}); err != nil {
		t.Fatal(err)
	}
	day := w.Days()[0]
	e.call(t, "POST", "/v1/voc/transactions", key, `{"days":[{"date":"`+day+`","count":100000}]}`).want(t, "import", http.StatusOK)
	e.call(t, "POST", "/v1/voc/transactions", sup, vocDays).want(t, "supervisor imports", http.StatusForbidden)
	got := e.call(t, "GET", "/v1/voc/transactions?from="+day+"&to="+w.Days()[6], sup, "")
	got.want(t, "read transactions", http.StatusOK)
	if days := got.body["days"].([]any); len(days) != 1 || days[0].(map[string]any)["count"] != float64(100000) {
		t.Fatalf("transactions %v", got.body)
	}

	e.call(t, "GET", "/v1/voc/reports", agent, "").want(t, "agent lists", http.StatusForbidden)
	built := e.call(t, "POST", "/v1/voc/reports", sup, `{"week":"`+week+`"}`)
	built.want(t, "build", http.StatusCreated)
	if built.body["contacts"] != float64(40) || built.body["rate"] != float64(4) || built.body["transactions_source"] != "import" {
		t.Fatalf("report %v", built.body)
	}
	e.call(t, "POST", "/v1/voc/reports", key, `{"week":"`+week+`"}`).want(t, "build again", http.StatusOK)
	list := e.call(t, "GET", "/v1/voc/reports", sup, "")
	list.want(t, "list", http.StatusOK)
	items := list.body["items"].([]any)
	links := items[0].(map[string]any)["links"].(map[string]any)
	if len(items) != 1 || links["pdf"] != "/v1/voc/reports/"+week+"/pdf" {
		t.Fatalf("list %v", list.body)
	}
	e.call(t, "GET", "/v1/voc/reports/"+week, sup, "").want(t, "get", http.StatusOK)

	status, h, body := e.raw(t, links["html"].(string), sup)
	if status != 200 || h["Content-Type"] != "text/html; charset=utf-8" || !strings.Contains(string(body), "<svg") || !strings.Contains(string(body), "万求率") {
		t.Fatalf("html %d %v", status, h)
	}
	status, h, body = e.raw(t, links["pdf"].(string), sup)
	if status != 200 || h["Content-Type"] != "application/pdf" || !strings.HasPrefix(string(body), "%PDF-1.4") {
		t.Fatalf("pdf %d %v %.20q", status, h, body)
	}
	if status, _, _ := e.raw(t, "/v1/voc/reports/2020-W01/pdf", sup); status != 404 {
		t.Fatalf("missing report: %d", status)
	}
	next := vocreport.WeekOf(time.Now().AddDate(0, 0, 14), time.UTC).ID
	e.call(t, "POST", "/v1/voc/reports", sup, `{"week":"`+next+`"}`).want(t, "future week", http.StatusBadRequest, "/week")
	e.call(t, "POST", "/v1/voc/transactions", key, `{"days":[{"date":"2026-02-30","count":1},{"date":"2026-03-01","count":-4}]}`).
		want(t, "bad days", http.StatusBadRequest, "/days/0/date", "/days/1/count")
	e.call(t, "GET", "/v1/voc/transactions?from=2026-01-01&to=2027-06-01", key, "").want(t, "long range", http.StatusBadRequest, "to")
}

func reportIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	week := lastWeek()
	w, _ := vocreport.ParseWeek(week, time.UTC)
	e.call(t, "POST", "/v1/voc/transactions", keyB, vocDays).want(t, "B imports", http.StatusOK)
	e.call(t, "POST", "/v1/voc/transactions", keyB, `{"days":[{"date":"`+w.Days()[0]+`","count":7}]}`).want(t, "B imports last week", http.StatusOK)
	// B's report counts B's transactions; a report of A's (built by the POST case) counts none.
	ownedByA := func(rep map[string]any) bool { return rep["transactions_source"] == vocreport.TxNone }
	e.call(t, "POST", "/v1/voc/reports", keyB, `{"week":"`+week+`"}`).want(t, "B builds", http.StatusCreated)
	notFound := func(path string) func(t *testing.T) {
		return func(t *testing.T) {
			if status, _, _ := e.raw(t, path, keyA); status != 404 {
				t.Fatalf("A reads B's %s: %d", path, status)
			}
		}
	}
	return map[string]func(t *testing.T){
		"POST /v1/voc/transactions": func(t *testing.T) {
			e.call(t, "POST", "/v1/voc/transactions", keyA, `{"days":[{"date":"2026-11-30","count":1}]}`).want(t, "A imports", http.StatusOK)
			b := e.call(t, "GET", "/v1/voc/transactions?from=2026-11-30&to=2026-12-01", keyB, "")
			if days := b.body["days"].([]any); len(days) != 2 || days[0].(map[string]any)["count"] != float64(200000) {
				t.Fatalf("A's import changed B's: %v", b.body)
			}
		},
		"GET /v1/voc/transactions": func(t *testing.T) {
			a := e.call(t, "GET", "/v1/voc/transactions?from=2026-12-01&to=2026-12-01", keyA, "")
			if days := a.body["days"].([]any); len(days) != 0 {
				t.Fatalf("A sees B's transactions: %v", a.body)
			}
		},
		"GET /v1/voc/reports": func(t *testing.T) {
			for _, it := range e.call(t, "GET", "/v1/voc/reports", keyA, "").body["items"].([]any) {
				if !ownedByA(it.(map[string]any)) {
					t.Fatalf("A lists B's report: %v", it)
				}
			}
		},
		"POST /v1/voc/reports": func(t *testing.T) {
			// A builds its own report of the same week; B's stays B's.
			e.call(t, "POST", "/v1/voc/reports", keyA, `{"week":"`+week+`"}`).want(t, "A builds", http.StatusCreated)
			if b := e.call(t, "GET", "/v1/voc/reports/"+week, keyB, ""); ownedByA(b.body) || b.body["transactions"] != float64(7) {
				t.Fatalf("B's report %v", b.body)
			}
		},
		"GET /v1/voc/reports/{week}": func(t *testing.T) {
			// Read before A builds its own (the POST case may run first): absent, or A's.
			if r := e.call(t, "GET", "/v1/voc/reports/"+week, keyA, ""); r.status != 404 && !ownedByA(r.body) {
				t.Fatalf("A reads %v", r.body)
			}
		},
		"GET /v1/voc/reports/{week}/html": notFound("/v1/voc/reports/2020-W02/html"),
		"GET /v1/voc/reports/{week}/pdf":  notFound("/v1/voc/reports/2020-W02/pdf"),
	}
}

func reportBadInputRoutes() map[string]httpapitest.Route {
	get := []string{"/v1/voc/reports", "/v1/voc/transactions?from=2026-11-30&to=2026-12-06"}
	return map[string]httpapitest.Route{
		"POST /v1/voc/transactions": {Path: "/v1/voc/transactions", Body: `{"days":[{"date":@,"count":5}]}`, Field: "/days/0/date", Get: get},
		"POST /v1/voc/reports":      {Path: "/v1/voc/reports", Body: `{"week":@}`, Field: "/week", Get: get},
	}
}

func reportIdemCases(key string) map[string]humanIdem {
	week := lastWeek()
	return map[string]humanIdem{
		"POST /v1/voc/transactions": {key: key, path: "/v1/voc/transactions", body: vocDays,
			otherPath: "/v1/voc/transactions", otherBody: strings.Replace(vocDays, "200000", "1", 1),
			quiet: "/v1/voc/transactions?from=2026-11-30&to=2026-12-01"},
		"POST /v1/voc/reports": {key: key, path: "/v1/voc/reports", body: `{"week":"` + week + `"}`,
			otherPath: "/v1/voc/reports", otherBody: `{"week":"2026-W01"}`, quiet: "/v1/voc/reports"},
	}
}
