package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/steering"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
)

// dispatchOption wires the dispatch routes over db and ob with the real engine, as the api's main
// does.
func dispatchOption(db *store.Store, ob *outbox.Outbox) Option {
	return WithDispatch(steering.New(steering.Config{DB: db, Commit: ob, Floor: floor.New(db, ob), Counts: intervals.New(db), Forecasts: forecaststore.New(db)}))
}

// dispatchQueue is a queue of the dispatch tests' own, so their overrides need no other suite's.
var dispatchQueue = strings.Replace(generalQueue, `"general"`, `"dispatchq"`, 1)

// seedDispatch gives tenant id a decision at the last whole minute with an open gap on general
// and the activation it started (in force), and one withdrawn and judged an hour earlier; it
// returns the decision's id and the two activations' ids.
func seedDispatch(t *testing.T, e *env, id string) (decision, active, judged string) {
	t.Helper()
	ctx, tid := context.Background(), mustTenant(t, id)
	db := e.api.store.(*store.Store)
	at := time.Now().UTC().Truncate(time.Minute)
	old := at.Add(-time.Hour)
	decision, oldDecision := at.Format("20060102T1504"), old.Format("20060102T1504")
	act := strategy.Activation{ID: "act-" + decision + "-general-callback", Queue: "general", Strategy: strategy.Callback, Source: strategy.ByEngine,
		DecisionID: decision, Since: at, Until: at.Add(15 * time.Minute), Reason: "general needs 3 agents more than the 4 signed in; callbacks close it.",
		GapAgents: 3, Context: strategy.Context{Gap: "medium", Channel: strategy.Voice}, Params: strategy.Params{CallbackAfterSeconds: 60, PromiseMinutes: 30}}
	d := strategy.Decision{ID: decision, Tenant: id, At: at, Activate: []strategy.Activation{act}, Withdraw: []strategy.Withdrawal{}, Active: []strategy.Activation{act},
		Queues: []strategy.QueueDecision{{Queue: "general", Gap: strategy.Gap{RequiredNow: 7, AvailableNow: 4, Now: 3, Projected: 3.4, Low: 2.1, High: 4.8, ServiceLevel: 52, Target: 80, Open: true, Streak: 1},
			Options: []strategy.Option{{Strategy: strategy.Callback, Feasible: true, Score: 1, Params: act.Params}, {Strategy: strategy.Overflow, Blocked: "no backup agents"}},
			Chosen:  []strategy.Kind{strategy.Callback}, Why: act.Reason}}}
	oldAct := act
	oldAct.ID, oldAct.DecisionID, oldAct.Since, oldAct.Until = "act-"+oldDecision+"-general-callback", oldDecision, old, old.Add(15*time.Minute)
	withdrawn := old.Add(12 * time.Minute)
	j := strategy.Judgement{ActivationID: oldAct.ID, Queue: "general", Strategy: strategy.Callback, Context: oldAct.Context, From: old, To: withdrawn,
		Observed: strategy.Outcome{Arrived: 40, Answered: 36, ServiceLevel: 81}, Counterfactual: strategy.Outcome{Arrived: 40, Answered: 30, ServiceLevel: 62},
		ServiceLevelGain: 19, Ratio: 0.9, Why: "service level 81% against 62% without it."}
	st := overlay.State{Active: []strategy.Activation{act}, LastDecision: decision, LastAt: at, Queues: d.Queues}
	ops := []store.Op{
		store.PutOp(tid, store.Key{Kind: steering.KindDecision, ID: decision}, d, 0),
		store.PutOp(tid, store.Key{Kind: steering.KindActivation, ID: act.ID}, ActivationRecord{Activation: act}, 0),
		store.PutOp(tid, store.Key{Kind: steering.KindActivation, ID: oldAct.ID}, ActivationRecord{Activation: oldAct, WithdrawnAt: &withdrawn, WithdrawReason: "the gap closed", Judgement: &j, Judgements: 1}, 0),
		store.PutOp(tid, overlay.Key, st, 0),
	}
	if err := db.Tx(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	return decision, act.ID, oldAct.ID
}

// The dispatch routes over a seeded engine: strategies with what is in force, settings written
// and refused, now, decisions and activations listed and read, an override created, listed,
// refused for an unknown queue and ended.
func TestDispatchRoutes(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "dp")
	e.call(t, "POST", "/v1/queues", key, cardsQueue).want(t, "cards queue", http.StatusCreated)
	decision, active, judged := seedDispatch(t, e, "dp")

	r := e.call(t, "GET", "/v1/dispatch/strategies", key, "")
	r.want(t, "strategies", http.StatusOK)
	if items := r.items(); len(items) != 8 || items[2]["kind"] != "callback" || len(items[2]["in_force"].([]any)) != 1 {
		t.Fatalf("strategies: %v", r.body)
	}

	r = e.call(t, "GET", "/v1/dispatch/settings", key, "")
	r.want(t, "settings", http.StatusOK)
	if r.body["horizon_minutes"] != float64(60) || r.body["enabled"] != true {
		t.Fatalf("default settings: %v", r.body)
	}
	put := `{"enabled":true,"strategies":{"divert":{"enabled":false}},"divert_cap_percent":10,"horizon_minutes":90,"activate_after_minutes":2,"withdraw_after_minutes":5,"min_active_minutes":10,"exploration_budget":0}`
	e.call(t, "PUT", "/v1/dispatch/settings", key, put).want(t, "put settings", http.StatusOK)
	if r = e.call(t, "GET", "/v1/dispatch/settings", key, ""); r.body["horizon_minutes"] != float64(90) || r.body["divert_cap_percent"] != float64(10) {
		t.Fatalf("settings after put: %v", r.body)
	}
	bad := strings.NewReplacer(`"horizon_minutes":90`, `"horizon_minutes":5`, `"divert_cap_percent":10`, `"divert_cap_percent":150`).Replace(put)
	e.call(t, "PUT", "/v1/dispatch/settings", key, bad).want(t, "bad settings", http.StatusBadRequest, "/horizon_minutes", "/divert_cap_percent")
	e.call(t, "PUT", "/v1/dispatch/settings", key, strings.Replace(put, `"divert"`, `"teleport"`, 1)).want(t, "unknown strategy", http.StatusBadRequest, "/strategies/teleport")

	r = e.call(t, "GET", "/v1/dispatch/now", key, "")
	r.want(t, "now", http.StatusOK)
	if r.body["last_decision"] != decision || len(r.body["in_force"].([]any)) != 1 || len(r.body["queues"].([]any)) != 1 {
		t.Fatalf("now: %v", r.body)
	}

	r = e.call(t, "GET", "/v1/dispatch/decisions", key, "")
	if r.want(t, "decisions", http.StatusOK); len(r.items()) != 1 || r.items()[0]["id"] != decision {
		t.Fatalf("decisions: %v", r.body)
	}
	if r = e.call(t, "GET", "/v1/dispatch/decisions?from=2001-01-01&to=2001-01-02", key, ""); len(r.items()) != 0 {
		t.Fatalf("decisions of 2001: %v", r.body)
	}
	e.call(t, "GET", "/v1/dispatch/decisions?from=yesterday", key, "").want(t, "bad from", http.StatusBadRequest, "from")
	e.call(t, "GET", "/v1/dispatch/decisions?from=2001-01-02&to=2001-01-01", key, "").want(t, "to before from", http.StatusBadRequest, "to")
	e.call(t, "GET", "/v1/dispatch/decisions?cursor=Zm9yZ2Vk", key, "").want(t, "forged cursor", http.StatusBadRequest, "cursor")
	r = e.call(t, "GET", "/v1/dispatch/decisions/"+decision, key, "")
	if r.want(t, "decision", http.StatusOK); !strings.Contains(r.String(), "callbacks close it") {
		t.Fatalf("decision: %v", r.body)
	}
	e.call(t, "GET", "/v1/dispatch/decisions/20010101T0000", key, "").want(t, "no decision", http.StatusNotFound)
	e.call(t, "GET", "/v1/dispatch/decisions/yesterday", key, "").want(t, "not a decision id", http.StatusNotFound)

	if r = e.call(t, "GET", "/v1/dispatch/activations", key, ""); len(r.items()) != 2 {
		t.Fatalf("activations: %v", r.body)
	}
	if r = e.call(t, "GET", "/v1/dispatch/activations?active=true", key, ""); len(r.items()) != 1 || r.items()[0]["id"] != active {
		t.Fatalf("active activations: %v", r.body)
	}
	e.call(t, "GET", "/v1/dispatch/activations?active=yes", key, "").want(t, "bad active", http.StatusBadRequest, "active")
	r = e.call(t, "GET", "/v1/dispatch/activations/"+judged, key, "")
	r.want(t, "judged activation", http.StatusOK)
	if j, _ := r.body["judgement"].(map[string]any); j == nil || j["service_level_gain"] != float64(19) || r.body["withdraw_reason"] != "the gap closed" {
		t.Fatalf("judged activation: %v", r.body)
	}
	e.call(t, "GET", "/v1/dispatch/activations/act-none", key, "").want(t, "no activation", http.StatusNotFound)

	// An override: the caller is who overrides, whatever the body says.
	e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"cards","strategy":"overflow","on":true,"minutes":30,"by":"someone"}`).want(t, "a by member", http.StatusBadRequest, "/by")
	r = e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"cards","strategy":"overflow","on":true,"minutes":30,"reason":"campaign mailing today"}`)
	r.want(t, "override", http.StatusCreated)
	ovr := r.body["id"].(string)
	created, _ := time.Parse(time.RFC3339Nano, r.body["created"].(string))
	until, _ := time.Parse(time.RFC3339Nano, r.body["until"].(string))
	if r.body["by"] == "" || r.body["by"] == nil || until.Sub(created) != 30*time.Minute || r.body["reason"] != "campaign mailing today" {
		t.Fatalf("override: %v", r.body)
	}
	e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"loans","strategy":"overflow","on":true,"minutes":30}`).problemIs(t, "unknown queue", http.StatusUnprocessableEntity, "dispatch-override-rejected")
	e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"cards","strategy":"teleport","on":true,"minutes":0}`).want(t, "bad override", http.StatusBadRequest, "/strategy", "/minutes")
	e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"cards","strategy":"overflow","on":false,"minutes":1441,"params":{"agents":2}}`).want(t, "off with params", http.StatusBadRequest, "/minutes", "/params")
	// Params an executor would misuse: a share over 1, a link partners would text that is no
	// http(s) link, a wait that would overflow a duration.
	e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"cards","strategy":"divert","on":true,"minutes":5,"params":{"divert_share":5,"divert_link":"javascript:alert(1)","expected_wait_seconds":99999999999}}`).want(t, "bad params", http.StatusBadRequest, "/params/divert_share", "/params/divert_link", "/params/expected_wait_seconds")
	// A Chinese reason of 500 characters (1,500 bytes) is within the contract's 500.
	long := e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"cards","strategy":"announce_wait","on":false,"minutes":5,"reason":"`+strings.Repeat("忙", 500)+`"}`)
	long.want(t, "long Chinese reason", http.StatusCreated)
	e.call(t, "DELETE", "/v1/dispatch/overrides/"+long.body["id"].(string), key, "").want(t, "end the long reason's override", http.StatusNoContent)
	if r = e.call(t, "GET", "/v1/dispatch/overrides", key, ""); len(r.items()) != 1 || r.items()[0]["id"] != ovr {
		t.Fatalf("overrides: %v", r.body)
	}
	if r = e.call(t, "GET", "/v1/dispatch/now", key, ""); len(r.body["in_force"].([]any)) != 2 {
		t.Fatalf("the override is not in force: %v", r.body)
	}
	e.call(t, "DELETE", "/v1/dispatch/overrides/"+ovr, key, "").want(t, "end override", http.StatusNoContent)
	e.call(t, "DELETE", "/v1/dispatch/overrides/"+ovr, key, "").want(t, "end it again", http.StatusNotFound)
	if r = e.call(t, "GET", "/v1/dispatch/overrides", key, ""); len(r.items()) != 0 {
		t.Fatalf("overrides after the end: %v", r.body)
	}
}

// Supervisors read and override; only admins write the settings; partners and agents see nothing.
func TestDispatchRoles(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "dproles")
	partner := e.call(t, "POST", "/v1/api-keys", key, `{"role":"partner"}`).body["key"].(string)
	e.createUser(t, key, "sup.one", "supervisor", pw)
	e.createUser(t, key, "agent.one", "agent", pw)
	sup, agent := e.signIn(t, "dproles", "sup.one", pw), e.signIn(t, "dproles", "agent.one", pw)
	e.call(t, "POST", "/v1/queues", key, dispatchQueue).want(t, "queue", http.StatusCreated)
	for _, k := range []string{partner, agent} {
		e.call(t, "GET", "/v1/dispatch/strategies", k, "").want(t, "a partner or agent reads", http.StatusForbidden)
	}
	e.call(t, "GET", "/v1/dispatch/strategies", sup, "").want(t, "supervisor reads", http.StatusOK)
	e.call(t, "PUT", "/v1/dispatch/settings", sup, `{}`).want(t, "supervisor writes settings", http.StatusForbidden)
	r := e.call(t, "POST", "/v1/dispatch/overrides", sup, `{"queue":"dispatchq","strategy":"announce_wait","on":true,"minutes":5}`)
	r.want(t, "supervisor overrides", http.StatusCreated)
	if r.body["by"] == nil || !strings.HasPrefix(r.body["by"].(string), "user/") {
		t.Fatalf("the override is not the supervisor's: %v", r.body)
	}
	e.call(t, "DELETE", "/v1/dispatch/overrides/"+r.body["id"].(string), sup, "").want(t, "supervisor ends it", http.StatusNoContent)
}

// Without an engine the routes answer 503.
func TestDispatchUnconfigured(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "dpnone")
	e.api.dispatch = nil
	e.call(t, "GET", "/v1/dispatch/now", key, "").want(t, "no engine", http.StatusServiceUnavailable)
}

// dispatchIsolationCases: tenant A sees, overrides and ends nothing of B's.
func dispatchIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	decision, active, judged := seedDispatch(t, e, "tenant-b")
	e.call(t, "PUT", "/v1/dispatch/settings", keyB, `{"enabled":false,"strategies":{},"divert_cap_percent":7,"horizon_minutes":30,"activate_after_minutes":1,"withdraw_after_minutes":5,"min_active_minutes":10,"exploration_budget":0}`).want(t, "B's settings", http.StatusOK)
	// b-queue is B's queue of humanIsolationCases (made before these cases; a queue made here
	// would change the floor those cases compare).
	bOverride := e.call(t, "POST", "/v1/dispatch/overrides", keyB, `{"queue":"b-queue","strategy":"callback","on":false,"minutes":60}`)
	bOverride.want(t, "B's override", http.StatusCreated)
	bOvr := bOverride.body["id"].(string)
	empty := func(path string) func(t *testing.T) {
		return func(t *testing.T) {
			r := e.call(t, "GET", path, keyA, "")
			if r.want(t, path, http.StatusOK); len(r.items()) != 0 {
				t.Fatalf("A's %s holds %v", path, r.body)
			}
		}
	}
	return map[string]func(t *testing.T){
		"GET /v1/dispatch/strategies": func(t *testing.T) {
			r := e.call(t, "GET", "/v1/dispatch/strategies", keyA, "")
			if r.want(t, "strategies", http.StatusOK); strings.Contains(r.String(), active) {
				t.Fatalf("A's strategies show B's activation: %s", r.String())
			}
		},
		"GET /v1/dispatch/settings": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/dispatch/settings", keyA, ""); r.body["divert_cap_percent"] == float64(7) {
				t.Fatalf("A reads B's settings: %v", r.body)
			}
		},
		"PUT /v1/dispatch/settings": func(t *testing.T) {
			e.call(t, "PUT", "/v1/dispatch/settings", keyA, `{"enabled":true,"strategies":{},"divert_cap_percent":3,"horizon_minutes":60,"activate_after_minutes":1,"withdraw_after_minutes":5,"min_active_minutes":10,"exploration_budget":0}`).want(t, "A's settings", http.StatusOK)
			if r := e.call(t, "GET", "/v1/dispatch/settings", keyB, ""); r.body["divert_cap_percent"] != float64(7) {
				t.Fatalf("A's put changed B's settings: %v", r.body)
			}
		},
		"GET /v1/dispatch/now": func(t *testing.T) {
			r := e.call(t, "GET", "/v1/dispatch/now", keyA, "")
			if r.want(t, "now", http.StatusOK); r.body["last_decision"] == decision || strings.Contains(r.String(), active) {
				t.Fatalf("A's now shows B's: %v", r.body)
			}
		},
		"GET /v1/dispatch/decisions": empty("/v1/dispatch/decisions"),
		"GET /v1/dispatch/decisions/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/dispatch/decisions/"+decision, keyA, "").want(t, "B's decision", http.StatusNotFound)
		},
		"GET /v1/dispatch/activations": empty("/v1/dispatch/activations"),
		"GET /v1/dispatch/activations/{id}": func(t *testing.T) {
			for _, id := range []string{active, judged} {
				e.call(t, "GET", "/v1/dispatch/activations/"+id, keyA, "").want(t, "B's activation", http.StatusNotFound)
			}
		},
		"POST /v1/dispatch/overrides": func(t *testing.T) {
			// A overrides only its own queues: the queue is A's (or unknown), never B's state.
			before := e.call(t, "GET", "/v1/dispatch/now", keyB, "").String()
			r := e.call(t, "POST", "/v1/dispatch/overrides", keyA, `{"queue":"dispatchq","strategy":"overflow","on":true,"minutes":5}`)
			if r.status != http.StatusCreated && r.status != http.StatusUnprocessableEntity {
				t.Fatalf("A overrides: %d %v", r.status, r.body)
			}
			if after := e.call(t, "GET", "/v1/dispatch/now", keyB, "").String(); !sameButAt(before, after) {
				t.Fatalf("A's override changed B's state:\n%s\n%s", before, after)
			}
		},
		"GET /v1/dispatch/overrides": func(t *testing.T) {
			if r := e.call(t, "GET", "/v1/dispatch/overrides", keyA, ""); strings.Contains(r.String(), bOvr) {
				t.Fatalf("A lists B's override: %v", r.body)
			}
		},
		"DELETE /v1/dispatch/overrides/{id}": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/dispatch/overrides/"+bOvr, keyA, "").want(t, "A ends B's override", http.StatusNotFound)
			if r := e.call(t, "GET", "/v1/dispatch/overrides", keyB, ""); !strings.Contains(r.String(), bOvr) {
				t.Fatalf("B's override ended: %v", r.body)
			}
		},
	}
}

// sameButAt compares two GET /v1/dispatch/now answers without their "at" (the time of asking).
func sameButAt(a, b string) bool {
	cut := func(s string) string {
		i := strings.Index(s, `"at":"`)
		if i < 0 {
			return s
		}
		j := strings.Index(s[i+6:], `"`)
		return s[:i] + s[i+6+j+1:]
	}
	return cut(a) == cut(b)
}

// dispatchBadInputRoutes are the dispatch write routes for the standing bad-input suite.
func dispatchBadInputRoutes(t *testing.T, e *env, key string) map[string]httpapitest.Route {
	t.Helper()
	e.call(t, "POST", "/v1/queues", key, dispatchQueue).want(t, "queue", http.StatusCreated)
	r := e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"dispatchq","strategy":"callback","on":true,"minutes":60}`)
	r.want(t, "an override to end", http.StatusCreated)
	get := []string{"/v1/dispatch/settings", "/v1/dispatch/overrides", "/v1/dispatch/activations", "/v1/dispatch/strategies"}
	return map[string]httpapitest.Route{
		"PUT /v1/dispatch/settings": {Path: "/v1/dispatch/settings", Body: `{"enabled":true,"strategies":{},"divert_cap_percent":20,"horizon_minutes":60,"activate_after_minutes":1,"withdraw_after_minutes":5,"min_active_minutes":10,"exploration_budget":2,"divert_link":@}`,
			Field: "/divert_link", Get: get},
		"POST /v1/dispatch/overrides":        {Path: "/v1/dispatch/overrides", Body: `{"queue":"dispatchq","strategy":"overflow","on":true,"minutes":30,"reason":@}`, Field: "/reason", Get: get},
		"DELETE /v1/dispatch/overrides/{id}": {Path: "/v1/dispatch/overrides/" + r.body["id"].(string), EmptyOK: true, Get: get},
	}
}

// dispatchIdemCases: POST /v1/dispatch/overrides under an Idempotency-Key; the overrides listing
// shows what it did.
func dispatchIdemCases(t *testing.T, e *env, key string) map[string]humanIdem {
	t.Helper()
	e.call(t, "POST", "/v1/queues", key, dispatchQueue).want(t, "queue", http.StatusCreated)
	return map[string]humanIdem{
		"POST /v1/dispatch/overrides": {key: key, path: "/v1/dispatch/overrides", body: `{"queue":"dispatchq","strategy":"callback","on":true,"minutes":60}`,
			otherPath: "/v1/dispatch/overrides", otherBody: `{"queue":"dispatchq","strategy":"callback","on":true,"minutes":61}`, quiet: "/v1/dispatch/overrides"},
	}
}

// The override's id is made by the api: two overrides of one queue and strategy are two items.
func TestDispatchOverrideIDs(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "dpids")
	e.call(t, "POST", "/v1/queues", key, dispatchQueue).want(t, "queue", http.StatusCreated)
	seen := map[string]bool{}
	for i := range 2 {
		r := e.call(t, "POST", "/v1/dispatch/overrides", key, fmt.Sprintf(`{"queue":"dispatchq","strategy":"divert","on":true,"minutes":%d}`, i+1))
		r.want(t, "override", http.StatusCreated)
		seen[r.body["id"].(string)] = true
	}
	if len(seen) != 2 {
		t.Fatalf("ids %v", seen)
	}
}

// A supervisor's override sticks: it is in force at once with its event (overridden: the forced
// activation), the engine's next minutes keep it, and ending it withdraws it with its event.
func TestDispatchOverrideSticks(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "dpstick")
	e.call(t, "POST", "/v1/queues", key, dispatchQueue).want(t, "queue", http.StatusCreated)
	r := e.call(t, "POST", "/v1/dispatch/overrides", key, `{"queue":"dispatchq","strategy":"announce_wait","on":true,"minutes":30,"reason":"mailing"}`)
	r.want(t, "override", http.StatusCreated)
	ovr := r.body["id"].(string)
	inForce := func(what string) []any {
		t.Helper()
		r := e.call(t, "GET", "/v1/dispatch/now", key, "")
		r.want(t, what, http.StatusOK)
		return r.body["in_force"].([]any)
	}
	if got := inForce("now"); len(got) != 1 || got[0].(map[string]any)["override_id"] != ovr || got[0].(map[string]any)["source"] != "override" {
		t.Fatalf("in force after the override: %v", got)
	}
	eng := e.api.dispatch.(*steering.Engine)
	for range 2 {
		if _, err := eng.RunTenant(context.Background(), mustTenant(t, "dpstick")); err != nil {
			t.Fatal(err)
		}
	}
	if got := inForce("after two minutes"); len(got) != 1 || got[0].(map[string]any)["override_id"] != ovr {
		t.Fatalf("the engine dropped the override: %v", got)
	}
	e.call(t, "DELETE", "/v1/dispatch/overrides/"+ovr, key, "").want(t, "end", http.StatusNoContent)
	if got := inForce("after the end"); len(got) != 0 {
		t.Fatalf("in force after the end: %v", got)
	}
	var actions []string
	for _, ev := range e.streamEvents(t) {
		if ev.Type == lxevents.TypeDispatchStrategy {
			var p lxevents.DispatchStrategy
			if err := json.Unmarshal(ev.Data, &p); err != nil {
				t.Fatal(err)
			}
			actions = append(actions, string(p.Action)+" "+string(p.Source))
		}
	}
	if strings.Join(actions, ",") != "overridden override,withdrawn override" {
		t.Fatalf("dispatch.strategy events: %v", actions)
	}
}
