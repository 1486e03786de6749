package docs

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/functions/api/handler"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

// samplesNow is the time the event samples of docs/forecast-history.md are checked at: their
// planned windows are after it, their past ones before.
var samplesNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sampleQueues are the queues the forecast samples may name: every tenant's general queue.
func sampleQueue(q string) bool { return q == "general" }

// sampleEvent is an event body as the samples write it: a PUT body, plus the id in a history.
type sampleEvent struct {
	ID      string               `json:"id"`
	Type    string               `json:"type"`
	Name    string               `json:"name"`
	Queue   string               `json:"queue"`
	Windows []forecastcal.Window `json:"windows"`
}

// The samples of docs/forecast-history.md obey the rules they illustrate: the history CSV parses
// (and the rejected one is rejected with exactly the problems its problem sample lists), the
// planned event is valid as planned, the past ones as past, the settings as settings.
func TestForecastDataSamples(t *testing.T) {
	for _, b := range blocksOf(t, "csv forecast-history") {
		h, err := intervals.ParseHistory(strings.NewReader(b.Body), sampleQueue)
		if err != nil {
			t.Errorf("%s: %v", b.Where(), err)
		} else if len(h.Summary()) == 0 {
			t.Errorf("%s: no series", b.Where())
		}
	}
	var want []httpapi.FieldError
	for _, b := range blocksOf(t, "json problem") {
		var p httpapi.Problem
		strict(t, b, &p)
		if b.File == "forecast-history.md" && strings.HasSuffix(p.Type, ":forecast-data-rejected") {
			want = p.Errors
		}
	}
	for _, b := range blocksOf(t, "csv forecast-history-rejected") {
		_, err := intervals.ParseHistory(strings.NewReader(b.Body), sampleQueue)
		he, ok := errors.AsType[*intervals.HistoryError](err)
		if !ok {
			t.Fatalf("%s: %v, want a rejection", b.Where(), err)
		}
		var got []httpapi.FieldError
		for _, p := range he.Problems {
			got = append(got, httpapi.FieldError{Field: p.Pointer(), Reason: p.Reason})
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: problems\n%v\nthe page's problem sample lists\n%v", b.Where(), got, want)
		}
	}
	check := func(b Block, e sampleEvent, source string) {
		ev := forecastcal.Event{ID: e.ID, Type: e.Type, Name: e.Name, Queue: e.Queue, Windows: e.Windows, Source: source}
		if ev.ID == "" {
			ev.ID = "sample"
		}
		if fe := ev.Check(samplesNow, sampleQueue); len(fe) > 0 {
			t.Errorf("%s: %v", b.Where(), fe)
		}
	}
	for _, b := range blocksOf(t, "json forecast-event") {
		var e sampleEvent
		strict(t, b, &e)
		if e.ID != "" {
			t.Errorf("%s: a PUT body has no id (it is in the path)", b.Where())
		}
		check(b, e, forecastcal.SourcePlanned)
	}
	for _, b := range blocksOf(t, "json forecast-event-history") {
		var doc struct {
			Events []sampleEvent `json:"events"`
		}
		strict(t, b, &doc)
		for _, e := range doc.Events {
			check(b, e, forecastcal.SourceHistory)
		}
	}
	for _, b := range blocksOf(t, "json forecast-settings") {
		var s forecastcal.Settings
		dec := json.NewDecoder(strings.NewReader(b.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("%s: %v", b.Where(), err)
		}
		if fe := s.Check(); len(fe) > 0 || s.TimeZone == "" {
			t.Errorf("%s: %v", b.Where(), fe)
		}
	}
}

// The history samples of docs/forecast-history.md sent to POST /v1/forecast/history through the
// api function's handler against the emulators: the file is stored (201, its rows counted), and
// the rejected file's answer is the page's problem sample, member for member.
func TestForecastHistorySamplesThroughTheAPI(t *testing.T) {
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, streamName := emulators.NewStream(t, 1)
	db := store.New(ddb, table)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authn, err := auth.NewAuthenticator(db, auth.Hash(platformKey))
	if err != nil {
		t.Fatal(err)
	}
	e := &apiEnv{api: handler.New(db, outbox.New(db, stream.NewPublisher(kin, streamName), log), authn, log,
		handler.WithForecastData(intervals.New(db), forecastcal.New(db)))}
	key := e.tenantKey(t, "docs-forecast")
	for _, b := range blocksOf(t, "csv forecast-history") {
		code, body := e.call(t, "POST", "/v1/forecast/history", key, "text/csv", b.Body)
		if code != http.StatusCreated || body["rows"] != float64(strings.Count(b.Body, "\n")-1) {
			t.Errorf("%s: %d %v", b.Where(), code, body)
		}
	}
	var want map[string]any
	for _, b := range blocksOf(t, "json problem") {
		if b.File == "forecast-history.md" {
			if err := json.Unmarshal([]byte(b.Body), &want); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, b := range blocksOf(t, "csv forecast-history-rejected") {
		code, got := e.call(t, "POST", "/v1/forecast/history", key, "text/csv", b.Body)
		if code != http.StatusUnprocessableEntity || !reflect.DeepEqual(got, want) {
			g, _ := json.MarshalIndent(got, "", "  ")
			t.Errorf("%s: %d\n%s\nthe page's problem sample is the answer the file must get", b.Where(), code, g)
		}
	}
}
