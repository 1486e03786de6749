package handler

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/forecastpub"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// forecastOptions wire the forecast routes over db and ob as the api's main does.
func forecastOptions(db *store.Store, ob *outbox.Outbox) []Option {
	cal := forecastcal.New(db)
	return []Option{WithForecasts(forecastpub.New(forecastpub.Config{DB: db, Counts: intervals.New(db), Cal: cal, Commit: ob, Source: Source}), cal)}
}

// importHistory gives tenant id 21 days of hourly history of general on channel ch up to today.
func importHistory(t *testing.T, e *env, id, ch string) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("interval_start,queue,channel,count\n")
	today := time.Now().UTC().Truncate(24 * time.Hour)
	for at := today.AddDate(0, 0, -21); at.Before(today); at = at.Add(time.Hour) {
		v := 5 + 40*math.Exp(-math.Pow(float64(at.Hour())-12, 2)/12)
		fmt.Fprintf(&b, "%s,general,%s,%d\n", at.Format(time.RFC3339), ch, int(v))
	}
	h, err := intervals.ParseHistory(&b, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	ten, _ := tenant.Parse(id)
	if _, err := intervals.New(e.api.store.(*store.Store)).Import(context.Background(), ten, h); err != nil {
		t.Fatal(err)
	}
}

// publishScheduling publishes the tenant's scheduling forecast and returns its id.
func publishScheduling(t *testing.T, e *env, key string) string {
	t.Helper()
	r := e.call(t, "POST", "/v1/forecasts/publish", key, `{"products":["scheduling"]}`)
	r.want(t, "publish", http.StatusOK)
	items, _ := r.body["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("publish: %v", r.body)
	}
	return items[0].(map[string]any)["id"].(string)
}

// The read routes over a published forecast: listing with filters, one forecast, staffing with
// targets from the settings and from the query, settings written and read, accuracy.
func TestForecastRoutes(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "fc")
	e.call(t, "POST", "/v1/forecasts/publish", key, `{}`).want(t, "publish without history", http.StatusConflict)
	importHistory(t, e, "fc", "voice")
	r := e.call(t, "POST", "/v1/forecasts/publish", key, `{"queue":"general","products":["daily","scheduling"]}`)
	r.want(t, "publish", http.StatusOK)
	if items := r.body["items"].([]any); len(items) != 2 {
		t.Fatalf("published %v", r.body)
	}
	// Without a product: every product's index, the summaries of both.
	r = e.call(t, "GET", "/v1/forecasts?queue=general&channel=voice", key, "")
	r.want(t, "list every product", http.StatusOK)
	products := map[string]bool{}
	for _, it := range r.body["items"].([]any) {
		products[it.(map[string]any)["product"].(string)] = true
		if _, ok := it.(map[string]any)["points"]; ok {
			t.Fatalf("a listed forecast has its points: %v", it)
		}
	}
	if len(products) != 2 || !products["daily"] || !products["scheduling"] {
		t.Fatalf("list without a product: %v", r.body)
	}
	r = e.call(t, "GET", "/v1/forecasts?product=scheduling&queue=general&channel=voice", key, "")
	r.want(t, "list", http.StatusOK)
	items := r.body["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("list scheduling: %v", r.body)
	}
	id := items[0].(map[string]any)["id"].(string)
	if n := items[0].(map[string]any)["intervals"].(float64); n != 31*48 {
		t.Fatalf("scheduling has %v intervals", n)
	}
	r = e.call(t, "GET", "/v1/wallboard?forecast=today", key, "")
	if r.want(t, "wallboard", http.StatusOK); len(r.body["forecast"].([]any)) != 96 {
		t.Fatalf("the wallboard's forecast of today: %v", r.body["forecast"])
	}
	if r = e.call(t, "GET", "/v1/wallboard", key, ""); len(r.body["forecast"].([]any)) != 0 {
		t.Fatalf("the wallboard read the forecast unasked: %d points", len(r.body["forecast"].([]any)))
	}
	r = e.call(t, "GET", "/v1/forecasts?product=daily&from=2001-01-01&to=2001-02-01", key, "")
	if r.want(t, "list by range", http.StatusOK); len(r.body["items"].([]any)) != 0 {
		t.Fatalf("a range without forecasts lists %v", r.body["items"])
	}
	r = e.call(t, "GET", "/v1/forecasts/"+id, key, "")
	r.want(t, "get", http.StatusOK)
	if pts := r.body["points"].([]any); len(pts) != 31*48 {
		t.Fatalf("points: %d", len(pts))
	}
	e.call(t, "GET", "/v1/forecasts/fc_20260101T000000_AAAAAAAA", key, "").want(t, "unknown", http.StatusNotFound)

	r = e.call(t, "GET", "/v1/staffing?forecast="+id, key, "")
	r.want(t, "staffing", http.StatusOK)
	ivs := r.body["intervals"].([]any)
	plan := r.body["plan"].(map[string]any)
	if len(ivs) != 7*48 || len(plan["shifts"].([]any)) == 0 || r.body["model"] != "erlang_c" {
		t.Fatalf("staffing: %d intervals, plan %v, model %v", len(ivs), plan["shifts"], r.body["model"])
	}
	peak := 0.0
	for _, iv := range ivs {
		peak = math.Max(peak, iv.(map[string]any)["agents"].(float64))
	}
	r = e.call(t, "GET", "/v1/staffing?forecast="+id+"&sl=95/10&patience=60&aht=600&shrinkage=35", key, "")
	r.want(t, "staffing with overrides", http.StatusOK)
	peak2 := 0.0
	for _, iv := range r.body["intervals"].([]any) {
		peak2 = math.Max(peak2, iv.(map[string]any)["agents"].(float64))
	}
	if r.body["model"] != "erlang_a" || r.body["aht_s"].(float64) != 600 || peak2 <= peak {
		t.Fatalf("overrides: model %v aht %v, peak %v then %v", r.body["model"], r.body["aht_s"], peak, peak2)
	}
	e.call(t, "GET", "/v1/staffing?forecast="+id+"&sl=80/20&asa=30", key, "").want(t, "sl and asa", http.StatusBadRequest, "sl")
	e.call(t, "GET", "/v1/staffing", key, "").want(t, "no forecast", http.StatusBadRequest, "forecast")
	r = e.call(t, "GET", "/v1/forecasts?product=daily", key, "")
	daily := r.body["items"].([]any)[0].(map[string]any)["id"].(string)
	e.call(t, "GET", "/v1/staffing?forecast="+daily, key, "").want(t, "daily", http.StatusBadRequest, "forecast")

	r = e.call(t, "GET", "/v1/staffing/settings", key, "")
	r.want(t, "settings", http.StatusOK)
	if r.body["version"].(float64) != 0 || r.body["aht_s"].(float64) != 300 {
		t.Fatalf("default settings: %v", r.body)
	}
	body := `{"aht_s":240,"service_level":0.9,"answer_within_s":15,"asa_s":0,"max_occupancy":0.9,"shrinkage":0.25,"patience_s":0,
		"rolling_hours":6,"rolling_step_m":5,"shift_templates":[{"name":"day","length_m":480,"earliest":"08:00","latest":"10:00","every_m":60,"breaks":[],"days":["mon"],"max":0}]}`
	e.call(t, "PUT", "/v1/staffing/settings", key, body).want(t, "put settings", http.StatusOK)
	e.call(t, "PUT", "/v1/staffing/settings", key, body, `If-Match: "7"`).want(t, "stale", http.StatusPreconditionFailed)
	bad := `{"aht_s":0,"service_level":0.9,"answer_within_s":15,"asa_s":0,"max_occupancy":0.9,"shrinkage":0.25,"patience_s":0,"rolling_hours":6,"rolling_step_m":7,"shift_templates":[]}`
	e.call(t, "PUT", "/v1/staffing/settings", key, bad).want(t, "bad settings", http.StatusBadRequest, "/aht_s", "/rolling_step_m")
	r = e.call(t, "GET", "/v1/staffing/settings", key, "")
	if r.body["version"].(float64) != 1 || r.body["aht_s"].(float64) != 240 {
		t.Fatalf("settings after put: %v", r.body)
	}
	r = e.call(t, "GET", "/v1/forecast/accuracy?queue=general", key, "")
	r.want(t, "accuracy", http.StatusOK)
	e.call(t, "GET", "/v1/forecast/accuracy", key, "").want(t, "accuracy without queue", http.StatusBadRequest, "queue")
}

// forecastIsolationCases: tenant A cannot see, staff from, or publish over B's forecasts.
func forecastIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	importHistory(t, e, "tenant-b", "voice")
	bID := publishScheduling(t, e, keyB)
	e.call(t, "PUT", "/v1/staffing/settings", keyB, `{"aht_s":99,"service_level":0.8,"answer_within_s":20,"asa_s":0,"max_occupancy":0.85,"shrinkage":0.3,"patience_s":0,"rolling_hours":12,"rolling_step_m":15,"shift_templates":[]}`).want(t, "B's settings", http.StatusOK)
	return map[string]func(t *testing.T){
		"GET /v1/forecasts": func(t *testing.T) {
			r := e.call(t, "GET", "/v1/forecasts", keyA, "")
			if r.status != 200 || len(r.body["items"].([]any)) != 0 {
				t.Fatalf("A lists %d %v", r.status, r.body)
			}
		},
		"GET /v1/forecasts/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/forecasts/"+bID, keyA, "").want(t, "B's forecast", http.StatusNotFound)
		},
		"POST /v1/forecasts/publish": func(t *testing.T) {
			// A publishes over its own series only (none, or the one another case imported, in
			// whatever order the cases run): B's forecasts stay as they were.
			before := e.call(t, "GET", "/v1/forecasts", keyB, "")
			r := e.call(t, "POST", "/v1/forecasts/publish", keyA, `{"queue":"general"}`)
			if r.status != http.StatusConflict && r.status != http.StatusOK {
				t.Fatalf("A publishes: %d %v", r.status, r.body)
			}
			if strings.Contains(r.String(), bID) {
				t.Fatalf("A's publish answered with B's forecast %s: %s", bID, r.String())
			}
			after := e.call(t, "GET", "/v1/forecasts", keyB, "")
			if before.String() != after.String() {
				t.Fatalf("A's publish changed B's forecasts:\n%s\n%s", before.String(), after.String())
			}
		},
		"GET /v1/forecast/accuracy": func(t *testing.T) {
			r := e.call(t, "GET", "/v1/forecast/accuracy?queue=general", keyA, "")
			if r.status != 200 || len(r.body["items"].([]any)) != 0 {
				t.Fatalf("A's accuracy %d %v", r.status, r.body)
			}
		},
		"GET /v1/staffing": func(t *testing.T) {
			e.call(t, "GET", "/v1/staffing?forecast="+bID, keyA, "").want(t, "B's staffing", http.StatusNotFound)
		},
		"GET /v1/staffing/settings": func(t *testing.T) {
			r := e.call(t, "GET", "/v1/staffing/settings", keyA, "")
			if r.status != 200 || r.body["aht_s"].(float64) == 99 {
				t.Fatalf("A reads B's settings: %v", r.body)
			}
		},
		"PUT /v1/staffing/settings": func(t *testing.T) {
			e.call(t, "PUT", "/v1/staffing/settings", keyA, `{"aht_s":100,"service_level":0.8,"answer_within_s":20,"asa_s":0,"max_occupancy":0.85,"shrinkage":0.3,"patience_s":0,"rolling_hours":12,"rolling_step_m":15,"shift_templates":[],"tenant":"tenant-b"}`).want(t, "a tenant in the body", http.StatusBadRequest)
			r := e.call(t, "GET", "/v1/staffing/settings", keyB, "")
			if r.body["aht_s"].(float64) != 99 {
				t.Fatalf("B's settings changed: %v", r.body)
			}
		},
	}
}

// forecastBadInputRoutes are the forecast write routes for the standing bad-input suite.
func forecastBadInputRoutes() map[string]httpapitest.Route {
	get := []string{"/v1/forecasts", "/v1/staffing/settings"}
	return map[string]httpapitest.Route{
		"POST /v1/forecasts/publish": {Path: "/v1/forecasts/publish", Body: `{"queue":@}`, Field: "/queue", EmptyOK: true, Get: get},
		"PUT /v1/staffing/settings": {Path: "/v1/staffing/settings", Body: `{"aht_s":300,"service_level":0.8,"answer_within_s":20,"asa_s":0,"max_occupancy":0.85,"shrinkage":0.3,"patience_s":0,"rolling_hours":12,"rolling_step_m":15,"shift_templates":[{"name":@,"length_m":480,"earliest":"08:00","latest":"09:00","every_m":30,"breaks":[],"days":[],"max":0}]}`,
			Field: "/shift_templates/0/name", Get: get},
	}
}

// forecastIdemCases: POST /v1/forecasts/publish under an Idempotency-Key (it emits
// forecast.published).
func forecastIdemCases(t *testing.T, e *env, key, id string) map[string]humanIdem {
	t.Helper()
	importHistory(t, e, id, "chat") // not general/voice, which the history route's case replaces
	return map[string]humanIdem{
		"POST /v1/forecasts/publish": {key: key, path: "/v1/forecasts/publish", body: `{"products":["daily"]}`,
			otherPath: "/v1/forecasts/publish", otherBody: `{"products":["hiring"]}`},
	}
}
