package handler

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
)

// forecastDataOption wires the forecast data routes over db, as the api's main does.
func forecastDataOption(db *store.Store) Option {
	return WithForecastData(intervals.New(db), forecastcal.New(db))
}

const csvType = "Content-Type: text/csv"

// historyCSV is a valid history of the general queue: hourly voice counts over a day.
func historyCSV(count int) string {
	var b strings.Builder
	b.WriteString(intervals.HistoryHeader + "\n")
	for h := range 24 {
		fmt.Fprintf(&b, "2025-05-01T%02d:00:00+08:00,general,voice,%d\n", h, count)
	}
	return b.String()
}

// plannedEvent is a PUT body whose windows are far in the future.
const plannedEvent = `{"type":"campaign","name":"Summer sale","queue":"general","windows":[{"start":"2099-06-01T00:00:00Z","end":"2099-06-08T00:00:00Z"},{"start":"2099-07-01T00:00:00Z","end":"2099-07-02T00:00:00Z"}]}`

// pastEvents is an event-history body.
const pastEvents = `{"events":[{"id":"outage-2024","type":"outage","name":"Card outage","windows":[{"start":"2024-03-01T08:00:00Z","end":"2024-03-01T12:00:00Z"}]}]}`

func TestForecastHistoryRoute(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	r := e.call(t, "POST", "/v1/forecast/history", key, historyCSV(5), csvType)
	r.want(t, "import", http.StatusCreated)
	// The import registers the tenant for the forecast schedules.
	var registered []string
	for id, err := range e.api.fc.pub.Store().Tenants(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		registered = append(registered, id.String())
	}
	if !slices.Contains(registered, "acme") {
		t.Fatalf("registered tenants %v, want acme", registered)
	}
	series := r.body["series"].([]any)
	if r.body["rows"] != float64(24) || len(series) != 1 || series[0].(map[string]any)["step"] != "60m" || series[0].(map[string]any)["total"] != float64(120) {
		t.Fatalf("summary %v", r.body)
	}
	before := e.call(t, "GET", "/v1/forecast/history", key, "").String()
	if !strings.Contains(before, `"step":"60m"`) || !strings.Contains(before, `"queue":"general"`) {
		t.Fatalf("history %s", before)
	}
	bad := intervals.HistoryHeader + "\n" +
		"2025-05-01T00:00:00+08:00,general,voice,1\n" +
		"2025-05-01T01:00:00+08:00,general,voice,-2\n" + // negative
		"2025-05-01T03:00:00+08:00,general,voice,1\n" + // a gap before it
		"2025-05-01T04:00:00+08:00,refunds,voice,1\n" + // unknown queue
		"2025-05-01T04:00:00+08:00,general,voice,1\n" +
		"2025-05-01T04:00:00+08:00,general,voice,1\n" // duplicate
	r = e.call(t, "POST", "/v1/forecast/history", key, bad, csvType)
	r.want(t, "bad history", http.StatusUnprocessableEntity, "/rows/2", "/rows/3", "/rows/4", "/rows/6")
	if r.body["type"] != kindForecastRejected.TypeURI() {
		t.Fatalf("type %v", r.body["type"])
	}
	e.call(t, "POST", "/v1/forecast/history", key, historyCSV(5), "Content-Type: application/json").want(t, "JSON", http.StatusUnsupportedMediaType)
	e.call(t, "POST", "/v1/forecast/history", key, intervals.HistoryHeader+"\n"+strings.Repeat("x", intervals.MaxHistoryBytes), csvType).
		want(t, "too large", http.StatusRequestEntityTooLarge)
	if after := e.call(t, "GET", "/v1/forecast/history", key, "").String(); after != before {
		t.Fatalf("a refused import changed the history:\n%s\n%s", before, after)
	}
	// A second import of the series replaces it.
	r = e.call(t, "POST", "/v1/forecast/history", key, historyCSV(7), csvType)
	r.want(t, "second import", http.StatusCreated)
	if fmt.Sprint(r.body["replaced"]) != "[map[channel:voice queue:general]]" {
		t.Fatalf("replaced %v", r.body["replaced"])
	}
	partner := e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner","name":"crm"}`).body["key"].(string)
	e.call(t, "GET", "/v1/forecast/history", partner, "").want(t, "partner reads", http.StatusForbidden)
}

// Admins write the forecast data; supervisors read it and may not write; agents and partners may
// do neither.
func TestForecastDataRoles(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	e.createUser(t, key, "sup", "supervisor", pw)
	e.createUser(t, key, "agent", "agent", pw)
	sup, agent := e.signIn(t, "acme", "sup", pw), e.signIn(t, "acme", "agent", pw)
	partner := e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner","name":"crm"}`).body["key"].(string)
	for _, path := range []string{"/v1/forecast/history", "/v1/forecast/events", "/v1/forecast/settings"} {
		e.call(t, "GET", path, sup, "").want(t, "supervisor reads "+path, http.StatusOK)
		e.call(t, "GET", path, agent, "").want(t, "agent reads "+path, http.StatusForbidden)
		e.call(t, "GET", path, partner, "").want(t, "partner reads "+path, http.StatusForbidden)
	}
	e.call(t, "PUT", "/v1/forecast/events/sale", sup, plannedEvent).want(t, "supervisor plans", http.StatusForbidden)
	e.call(t, "POST", "/v1/forecast/history", sup, historyCSV(1), csvType).want(t, "supervisor imports", http.StatusForbidden)
	e.call(t, "PUT", "/v1/forecast/settings", sup, `{"time_zone":"UTC","holidays":[]}`).want(t, "supervisor sets", http.StatusForbidden)
}

func TestForecastEventRoutes(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	r := e.call(t, "PUT", "/v1/forecast/events/summer-sale", key, plannedEvent)
	r.want(t, "plan", http.StatusCreated)
	if r.body["source"] != "planned" || r.headers["ETag"] != `"1"` {
		t.Fatalf("planned %v %v", r.body, r.headers)
	}
	e.call(t, "PUT", "/v1/forecast/events/summer-sale", key, strings.Replace(plannedEvent, "Summer sale", "Big summer sale", 1), "If-Match: 1").
		want(t, "replace", http.StatusOK)
	list := e.call(t, "GET", "/v1/forecast/events", key, "").String()
	rules := map[string]struct {
		body  string
		field string
	}{
		"window in the past":  {strings.Replace(plannedEvent, "2099-07-01T00", "2020-07-01T00", 1), "/windows/1/end"},
		"end before start":    {strings.Replace(plannedEvent, "2099-07-02T00", "2099-06-30T00", 1), "/windows/1/end"},
		"overlapping windows": {strings.Replace(plannedEvent, "2099-07-01T00", "2099-06-07T00", 1), "/windows/1"},
		"unknown queue":       {strings.Replace(plannedEvent, `"general"`, `"refunds"`, 1), "/queue"},
		"unknown type":        {strings.Replace(plannedEvent, "campaign", "party", 1), "/type"},
	}
	for name, tc := range rules {
		e.call(t, "PUT", "/v1/forecast/events/summer-sale", key, tc.body).want(t, name, http.StatusUnprocessableEntity, tc.field)
		e.call(t, "PUT", "/v1/forecast/events/other", key, tc.body).want(t, name+" (new)", http.StatusUnprocessableEntity, tc.field)
	}
	if now := e.call(t, "GET", "/v1/forecast/events", key, "").String(); now != list {
		t.Fatalf("refused writes changed the events:\n%s\n%s", list, now)
	}

	e.call(t, "POST", "/v1/forecast/event-history", key, pastEvents).want(t, "past", http.StatusCreated)
	e.call(t, "POST", "/v1/forecast/event-history", key, pastEvents).want(t, "past again", http.StatusOK)
	e.call(t, "POST", "/v1/forecast/event-history", key, strings.Replace(pastEvents, "2024-03-01T12", "2099-03-01T12", 1)).
		want(t, "not past", http.StatusUnprocessableEntity, "/events/0/windows/0/end")
	e.call(t, "POST", "/v1/forecast/event-history", key, strings.Replace(pastEvents, "outage-2024", "summer-sale", 1)).
		want(t, "a planned id", http.StatusUnprocessableEntity, "/events/0/id")
	two := strings.Replace(pastEvents, `}]}]}`, `}]},{"id":"outage-2024","type":"outage","name":"x","windows":[{"start":"2023-01-01T00:00:00Z","end":"2023-01-02T00:00:00Z"}]}]}`, 1)
	e.call(t, "POST", "/v1/forecast/event-history", key, two).want(t, "repeated id", http.StatusUnprocessableEntity, "/events/1/id")
	e.call(t, "PUT", "/v1/forecast/events/outage-2024", key, plannedEvent).want(t, "planning over a past one", http.StatusConflict)

	r = e.call(t, "GET", "/v1/forecast/events?source=history", key, "")
	if items := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != "outage-2024" {
		t.Fatalf("past events %v", r.body)
	}
	r = e.call(t, "GET", "/v1/forecast/events?queue=sales", key, "")
	if items := r.body["items"].([]any); len(items) != 1 { // the outage is of every queue
		t.Fatalf("events of sales %v", r.body)
	}
	e.call(t, "GET", "/v1/forecast/events/summer-sale", key, "").want(t, "get", http.StatusOK)
	e.call(t, "PUT", "/v1/forecast/events/Summer%20Sale", key, plannedEvent).want(t, "bad id", http.StatusBadRequest, "id")
	e.call(t, "DELETE", "/v1/forecast/events/summer-sale", key, "", "If-Match: 1").want(t, "stale delete", http.StatusPreconditionFailed)
	e.call(t, "DELETE", "/v1/forecast/events/summer-sale", key, "").want(t, "delete", http.StatusNoContent)
	e.call(t, "GET", "/v1/forecast/events/summer-sale", key, "").want(t, "deleted", http.StatusNotFound)
}

// A planned event stays editable once one of its windows has passed: the passed window, sent
// unchanged, is accepted; changing it, or adding a window in the past, is not.
func TestForecastEventEditAfterAWindowPassed(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	e.call(t, "PUT", "/v1/forecast/events/summer-sale", key, plannedEvent).want(t, "plan", http.StatusCreated)
	e.api.now = func() time.Time { return time.Date(2099, 6, 20, 0, 0, 0, 0, time.UTC) } // the June window has passed
	e.call(t, "PUT", "/v1/forecast/events/summer-sale", key, strings.Replace(plannedEvent, "2099-07-02T00", "2099-07-03T00", 1), "If-Match: 1").
		want(t, "extend the July window", http.StatusOK)
	e.call(t, "PUT", "/v1/forecast/events/summer-sale", key, strings.Replace(plannedEvent, "2099-06-08T00", "2099-06-09T00", 1)).
		want(t, "change the passed window", http.StatusUnprocessableEntity, "/windows/0/end")
	added := strings.Replace(plannedEvent, `]}`, `,{"start":"2099-06-10T00:00:00Z","end":"2099-06-11T00:00:00Z"}]}`, 1)
	e.call(t, "PUT", "/v1/forecast/events/summer-sale", key, added).want(t, "add a past window", http.StatusUnprocessableEntity, "/windows/2/end")
	e.call(t, "PUT", "/v1/forecast/events/other", key, plannedEvent).want(t, "a new event with a passed window", http.StatusUnprocessableEntity, "/windows/0/end")
}

func TestForecastSettingsRoute(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "acme")
	r := e.call(t, "GET", "/v1/forecast/settings", key, "")
	if r.status != 200 || r.body["time_zone"] != "UTC" || r.body["version"] != float64(0) {
		t.Fatalf("defaults %d %v", r.status, r.body)
	}
	body := `{"time_zone":"Asia/Shanghai","holidays":[{"date":"2025-10-01","name":"National Day"},{"date":"2025-01-29","name":"Spring Festival"}]}`
	r = e.call(t, "PUT", "/v1/forecast/settings", key, body)
	r.want(t, "put", http.StatusOK)
	if h := r.body["holidays"].([]any); h[0].(map[string]any)["date"] != "2025-01-29" {
		t.Fatalf("holidays not in date order: %v", h)
	}
	e.call(t, "PUT", "/v1/forecast/settings", key, `{"time_zone":"Mars/Olympus","holidays":[]}`).want(t, "bad zone", http.StatusUnprocessableEntity, "/time_zone")
	e.call(t, "PUT", "/v1/forecast/settings", key, `{"time_zone":"UTC","holidays":[{"date":"2025-02-30","name":"x"}]}`).
		want(t, "bad date", http.StatusUnprocessableEntity, "/holidays/0/date")
	e.call(t, "PUT", "/v1/forecast/settings", key, body, "If-Match: 7").want(t, "stale", http.StatusPreconditionFailed)
	if r := e.call(t, "GET", "/v1/forecast/settings", key, ""); r.body["time_zone"] != "Asia/Shanghai" || r.headers["ETag"] != `"1"` {
		t.Fatalf("after refusals %v %v", r.body, r.headers)
	}
}

// forecastDataIsolationCases are forecast_data.go's routes for TestTenantIsolationEveryRoute: B's
// history, events and settings, which A can neither read nor change.
func forecastDataIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	bImport := e.call(t, "POST", "/v1/forecast/history", keyB, historyCSV(9), csvType)
	bImport.want(t, "B's history", http.StatusCreated)
	bImportID := bImport.body["import_id"].(string)
	e.call(t, "PUT", "/v1/forecast/events/summer-sale", keyB, plannedEvent).want(t, "B's event", http.StatusCreated)
	e.call(t, "POST", "/v1/forecast/event-history", keyB, pastEvents).want(t, "B's past", http.StatusCreated)
	e.call(t, "PUT", "/v1/forecast/settings", keyB, `{"time_zone":"Asia/Tokyo","holidays":[]}`).want(t, "B's settings", http.StatusOK)
	bState := func(t *testing.T) string {
		t.Helper()
		var out []string
		for _, p := range []string{"/v1/forecast/history", "/v1/forecast/events", "/v1/forecast/settings"} {
			out = append(out, e.call(t, "GET", p, keyB, "").String())
		}
		return strings.Join(out, "\n")
	}
	b := bState(t)
	unchanged := func(t *testing.T) {
		t.Helper()
		if now := bState(t); now != b {
			t.Fatalf("B's forecast data changed:\n%s\n%s", b, now)
		}
	}
	return map[string]func(t *testing.T){
		"POST /v1/forecast/history": func(t *testing.T) {
			e.call(t, "POST", "/v1/forecast/history", keyA, historyCSV(1), csvType).want(t, "A's import", http.StatusCreated)
			unchanged(t)
		},
		"GET /v1/forecast/history": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/forecast/history", keyA, ""); r.status != 200 || strings.Contains(r.String(), bImportID) {
				t.Fatalf("A's history %v", r.body)
			}
		},
		"GET /v1/forecast/events": func(t *testing.T) {
			for _, it := range e.call(t, "GET", "/v1/forecast/events", keyA, "").body["items"].([]any) {
				if it.(map[string]any)["id"] == "summer-sale" { // A may have recorded its own outage-2024
					t.Fatalf("A lists B's event %v", it)
				}
			}
		},
		"GET /v1/forecast/events/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/forecast/events/summer-sale", keyA, "").want(t, "A reads B's event", http.StatusNotFound)
		},
		"PUT /v1/forecast/events/{id}": func(t *testing.T) {
			e.call(t, "PUT", "/v1/forecast/events/summer-sale", keyA, plannedEvent, "If-Match: 1").want(t, "A's If-Match on B's version", http.StatusPreconditionFailed)
			unchanged(t)
		},
		"DELETE /v1/forecast/events/{id}": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/forecast/events/summer-sale", keyA, "").want(t, "A deletes B's event", http.StatusNotFound)
			unchanged(t)
		},
		"POST /v1/forecast/event-history": func(t *testing.T) {
			e.call(t, "POST", "/v1/forecast/event-history", keyA, pastEvents).want(t, "A's past, B's ids", http.StatusCreated)
			unchanged(t)
		},
		"GET /v1/forecast/settings": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/forecast/settings", keyA, ""); r.body["time_zone"] != "UTC" {
				t.Fatalf("A sees %v", r.body)
			}
		},
		"PUT /v1/forecast/settings": func(t *testing.T) {
			e.call(t, "PUT", "/v1/forecast/settings", keyA, `{"time_zone":"Europe/Paris","holidays":[]}`, "If-Match: 1").
				want(t, "A's If-Match on B's version", http.StatusPreconditionFailed)
			unchanged(t)
		},
	}
}

// forecastDataBadInputRoutes are forecast_data.go's write routes for TestBadInputEveryWriteRoute,
// over an event made here.
func forecastDataBadInputRoutes(t *testing.T, e *env, key string) map[string]httpapitest.Route {
	t.Helper()
	e.call(t, "PUT", "/v1/forecast/events/summer-sale", key, plannedEvent).want(t, "event", http.StatusCreated)
	events := []string{"/v1/forecast/events", "/v1/forecast/events/summer-sale"}
	csv := intervals.HistoryHeader + "\n2025-05-01T00:00:00Z,@,voice,1\n2025-05-01T01:00:00Z,general,voice,2\n"
	return map[string]httpapitest.Route{
		"POST /v1/forecast/history":       {Path: "/v1/forecast/history", Body: csv, Field: "/rows/1", Media: "text/csv", Get: []string{"/v1/forecast/history"}},
		"PUT /v1/forecast/events/{id}":    {Path: "/v1/forecast/events/summer-sale", Body: strings.Replace(plannedEvent, `"Summer sale"`, "@", 1), Field: "/name", Get: events},
		"DELETE /v1/forecast/events/{id}": {Path: "/v1/forecast/events/summer-sale", EmptyOK: true, Get: events},
		"POST /v1/forecast/event-history": {Path: "/v1/forecast/event-history", Body: strings.Replace(pastEvents, `"Card outage"`, "@", 1), Field: "/events/0/name", Get: events},
		"PUT /v1/forecast/settings":       {Path: "/v1/forecast/settings", Body: `{"time_zone":"UTC","holidays":[{"date":"2025-10-01","name":@}]}`, Field: "/holidays/0/name", Get: []string{"/v1/forecast/settings"}},
	}
}

// forecastDataIdemCases are forecast_data.go's POSTs for TestIdempotencyEveryPOST; they emit no
// event, so each names the GET that shows what it did.
func forecastDataIdemCases() map[string]humanIdem {
	return map[string]humanIdem{
		"POST /v1/forecast/history": {path: "/v1/forecast/history", body: historyCSV(3), otherPath: "/v1/forecast/history", otherBody: historyCSV(4),
			quiet: "/v1/forecast/history"},
		"POST /v1/forecast/event-history": {path: "/v1/forecast/event-history", body: pastEvents,
			otherPath: "/v1/forecast/event-history", otherBody: strings.Replace(pastEvents, "outage-2024", "outage-2023", 1), quiet: "/v1/forecast/events"},
	}
}

// mediaOf is the Content-Type header a POST of route sends in the standing suites.
func mediaOf(route string) string {
	if route == "POST /v1/forecast/history" {
		return csvType
	}
	return "Content-Type: application/json"
}
