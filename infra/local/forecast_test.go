package local

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/logbuf"
)

// forecastList is the part of GET /v1/forecasts the test reads.
type forecastList struct {
	Items []struct {
		ID          string    `json:"id"`
		Queue       string    `json:"queue"`
		Channel     string    `json:"channel"`
		Product     string    `json:"product"`
		Start       time.Time `json:"start"`
		Intervals   int       `json:"intervals"`
		Total       float64   `json:"total"`
		PublishedAt time.Time `json:"published_at"`
	} `json:"items"`
}

// Forecasting on the local stack as `make run` brings it up: the demo tenant's imported year of
// history published as every product at start; a burst of live contacts counted from the stream
// by the forecast function moves the next rolling forecast (its rate(5 minutes) schedule's job,
// run now rather than waited for); staffing and a shift plan served for the scheduling forecast.
func TestForecastEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	log := &logbuf.Buffer{}
	l := start(t, t.TempDir(), log)
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	list := func(query string) forecastList {
		t.Helper()
		code, body, err := l.Call(ctx, "GET", "/v1/forecasts?"+query, l.DemoKey, nil)
		var out forecastList
		if err != nil || code != http.StatusOK || json.Unmarshal(body, &out) != nil {
			t.Fatalf("GET /v1/forecasts?%s: %d %.300s %v", query, code, body, err)
		}
		return out
	}

	// Every product of both demo series was published at start.
	for _, p := range []string{"daily", "monthly", "hiring", "scheduling", "rolling"} {
		for _, ch := range []string{"voice", "chat"} {
			got := list("queue=general&channel=" + ch + "&product=" + p)
			if len(got.Items) == 0 || got.Items[0].Total <= 0 {
				t.Fatalf("no %s forecast of general/%s after start: %+v\n%s", p, ch, got, log.String())
			}
		}
	}
	rolling := func() (string, float64) {
		t.Helper()
		got := list("queue=general&channel=chat&product=rolling&limit=1")
		code, body, err := l.Call(ctx, "GET", "/v1/forecasts/"+got.Items[0].ID, l.DemoKey, nil)
		var f struct {
			Points []float64 `json:"points"`
		}
		if err != nil || code != http.StatusOK || json.Unmarshal(body, &f) != nil || len(f.Points) == 0 {
			t.Fatalf("rolling forecast %s: %d %.300s %v", got.Items[0].ID, code, body, err)
		}
		return got.Items[0].ID, f.Points[0]
	}
	beforeID, before := rolling()

	// A burst of live contacts, as a partner makes them: 60 chats queued with POST /v1/contacts now,
	// in the open 5-minute slot. The api function emits contact.created, the dispatch function
	// queues each (contact.queued, reason api) and the forecast function's stream consumer counts
	// them. The rolling update weighs the open slot's count so far against the elapsed part of its
	// plan, so the next run rises without waiting for the slot to close.
	for i := range 60 {
		code, body, err := l.Call(ctx, "POST", "/v1/contacts", l.DemoKey, map[string]any{
			"channel": "chat", "queue": "general", "customer_id": fmt.Sprintf("burst-%d", i)})
		if err != nil || code != http.StatusCreated && code != http.StatusAccepted {
			t.Fatalf("POST /v1/contacts: %d %.300s %v", code, body, err)
		}
	}

	// The rolling schedule's job, run until the counted burst shows (the stream's consumer may
	// still be counting): the next rolling forecast of general/chat rises.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		job, err := l.ForecastJob(ctx, "rolling", DemoTenant, false)
		if err != nil {
			t.Fatalf("rolling job: %v\n%s", err, log.String())
		}
		id, after := rolling()
		if id != beforeID && after > before {
			t.Logf("rolling forecast of general/chat, next interval: %.1f before the burst, %.1f after (%d published)", before, after, len(job.Published))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rolling forecast never rose after the burst: %.1f, then %.1f (%s)\n%s", before, after, id, log.String())
		}
		time.Sleep(2 * time.Second)
	}

	// Staffing and a shift plan for the scheduling forecast of general/voice.
	sched := list("queue=general&channel=voice&product=scheduling&limit=1").Items[0]
	code, body, err := l.Call(ctx, "GET", "/v1/staffing?forecast="+sched.ID+"&sl=80/20", l.DemoKey, nil)
	var staff struct {
		Intervals []struct {
			Agents int `json:"agents"`
		} `json:"intervals"`
		Plan struct {
			Shifts []struct {
				Template string `json:"template"`
				Count    int    `json:"count"`
			} `json:"shifts"`
			Method string `json:"method"`
		} `json:"plan"`
		Model string `json:"model"`
	}
	if err != nil || code != http.StatusOK || json.Unmarshal(body, &staff) != nil {
		t.Fatalf("staffing: %d %.300s %v", code, body, err)
	}
	peak := 0
	for _, iv := range staff.Intervals {
		peak = max(peak, iv.Agents)
	}
	if len(staff.Intervals) != 7*48 || peak == 0 || len(staff.Plan.Shifts) == 0 || staff.Model != "erlang_a" {
		t.Fatalf("staffing: %d intervals, peak %d agents, %d shift blocks, model %s", len(staff.Intervals), peak, len(staff.Plan.Shifts), staff.Model)
	}
	t.Logf("staffing of %s: peak %d agents, %d shift blocks (%s)", sched.ID, peak, len(staff.Plan.Shifts), staff.Plan.Method)
}
