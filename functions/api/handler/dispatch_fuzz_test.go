package handler

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// FuzzDispatchOverrideBody feeds POST /v1/dispatch/overrides arbitrary bodies (seeds: the kept
// corpus in testdata/fuzz/FuzzDispatchOverrideBody). Invariants: a body the decoder and
// overrideBody's check accept names a strategy of the catalog for 1–1440 minutes, and the
// dispatch.strategy event of the override it makes passes events.New (its schema), so no accepted
// override fails when the engine reports it.
func FuzzDispatchOverrideBody(f *testing.F) {
	f.Add([]byte(`{"queue":"general","strategy":"callback","on":true,"minutes":60,"params":{"callback_after_seconds":60,"promise_minutes":30},"reason":"mailing"}`))
	f.Add([]byte(`{"queue":"Bad Queue","strategy":"teleport","on":false,"minutes":0,"params":{"agents":2}}`))
	f.Add([]byte(`{"queue":"cards","strategy":"overflow","on":false,"minutes":1440,"reason":"` + "长" + `"}`))
	acme, _ := tenant.Parse("acme")
	at := time.Unix(1_700_000_000, 0).UTC()
	f.Fuzz(func(t *testing.T, body []byte) {
		var b overrideBody
		if httpapi.DecodeStrictJSON(body, &b) != nil || len(b.check()) > 0 {
			return
		}
		if !strategy.Known(b.Strategy) || b.Minutes < 1 || b.Minutes > MaxOverrideMinutes {
			t.Fatalf("accepted %+v", b)
		}
		until := at.Add(time.Duration(b.Minutes) * time.Minute)
		action := lxevents.StrategyOverridden
		_, err := lxevents.New(acme, lxevents.TypeDispatchStrategy, "ovr-x", Source, lxevents.DispatchStrategy{ActivationID: "act-ovr-x",
			Action: action, Strategy: b.Strategy, Queue: b.Queue, Source: strategy.ByOverride, Since: at, Until: &until, OverrideID: "ovr-x", Reason: b.Reason})
		if err != nil {
			t.Fatalf("an accepted override makes a bad event: %v", err)
		}
	})
}

// queryEngine is a DispatchEngine that only records what the listing and reading routes asked.
type queryEngine struct {
	DispatchEngine // nil: the routes under fuzz call none of the others
	from, to       time.Time
	page           store.PageRequest
	ids            []string // every id asked for
	decisionIDs    []string
}

func (q *queryEngine) Decisions(_ context.Context, _ tenant.ID, from, to time.Time, page store.PageRequest) ([]strategy.Decision, string, error) {
	q.from, q.to, q.page = from, to, page
	return nil, "", nil
}

func (q *queryEngine) Decision(_ context.Context, _ tenant.ID, id string) (strategy.Decision, error) {
	q.ids, q.decisionIDs = append(q.ids, id), append(q.decisionIDs, id)
	return strategy.Decision{}, store.ErrNotFound
}

func (q *queryEngine) Activations(_ context.Context, _ tenant.ID, _ bool, page store.PageRequest) ([]ActivationRecord, string, error) {
	q.page = page
	return nil, "", nil
}

func (q *queryEngine) Activation(_ context.Context, _ tenant.ID, id string) (ActivationRecord, error) {
	q.ids = append(q.ids, id)
	return ActivationRecord{}, store.ErrNotFound
}

// FuzzDispatchQuery feeds the dispatch listings and reads arbitrary query values and ids (seeds:
// the kept corpus in testdata/fuzz/FuzzDispatchQuery). Invariants: every refusal is a
// caller-facing problem (400 naming a parameter, or 404); an accepted listing asks the engine
// for from < to and 1–100 items; only a decision id of the minute's form, and only activation ids
// without a slash or control character, reach the engine.
func FuzzDispatchQuery(f *testing.F) {
	f.Add("2026-06-01", "2026-06-02T10:00:00Z", "20", "true", "20260601T1000", "act-20260601T1000-general-callback")
	f.Add("yesterday", "", "0", "yes", "../x", "a/b")
	f.Add("", "2001-01-01", "101", "", "20260601T10000", "act\x00x")
	acme, _ := tenant.Parse("acme")
	p := auth.Principal{Tenant: acme, Role: auth.RoleAdmin}
	f.Fuzz(func(t *testing.T, from, to, limit, active, decision, activation string) {
		q := &queryEngine{}
		api := &API{dispatch: q, now: func() time.Time { return time.Unix(1_780_000_000, 0).UTC() }}
		req := func(qs map[string]string, params map[string]string) *httpapi.Request {
			return &httpapi.Request{APIGatewayV2HTTPRequest: events.APIGatewayV2HTTPRequest{QueryStringParameters: qs}, Params: params}
		}
		refused := func(what string, err error, statuses ...int) {
			var e *httpapi.Error
			if !errors.As(err, &e) || !slices.Contains(statuses, e.Kind.Status) {
				t.Fatalf("%s: %v is not a caller's problem", what, err)
			}
		}
		ctx := context.Background()
		if _, err := api.listDecisions(ctx, req(map[string]string{"from": from, "to": to, "limit": limit}, nil), p); err != nil {
			refused("decisions", err, http.StatusBadRequest)
		} else if !q.from.Before(q.to) || q.page.Limit < 1 || q.page.Limit > 100 {
			t.Fatalf("accepted from %v to %v limit %d", q.from, q.to, q.page.Limit)
		}
		if _, err := api.listActivations(ctx, req(map[string]string{"active": active, "limit": limit}, nil), p); err != nil {
			refused("activations", err, http.StatusBadRequest)
		} else if q.page.Limit < 1 || q.page.Limit > 100 {
			t.Fatalf("accepted limit %d", q.page.Limit)
		}
		_, err := api.getDecision(ctx, req(nil, map[string]string{"id": decision}), p)
		refused("decision", err, http.StatusNotFound)
		_, err = api.getActivation(ctx, req(nil, map[string]string{"id": activation}), p)
		refused("activation", err, http.StatusNotFound)
		for _, id := range q.ids {
			if strings.ContainsAny(id, "/#") || httpapi.TextProblem(id, false) != "" || len(id) > 200 {
				t.Fatalf("id %q reached the engine", id)
			}
		}
		for _, id := range q.decisionIDs {
			if !decisionIDRE.MatchString(id) {
				t.Fatalf("decision id %q reached the engine", id)
			}
		}
	})
}
