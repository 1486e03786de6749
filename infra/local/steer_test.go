package local

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/steering"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The dispatch engine on the local stack, as a user meets it on `make run`: the admin shortens the
// demo's hysteresis (PUT /v1/dispatch/settings, so the test need not wait ten minutes); `lingxi
// spike` (the real command, built here) sends a burst of contacts to the demo tenant's general
// queue with nobody signed in to take them; within two minutes of engine minutes the steer
// function activates strategies — dispatch.strategy activated on the stream, the strategies on the
// wallboard (GET /v1/wallboard), the decision and its explanation at GET /v1/dispatch/decisions/{id}
// — and a supervisor's override that keeps one strategy off sticks over the following minutes;
// once the customers have left, the rest are withdrawn (dispatch.strategy withdrawn, gone from the
// wallboard) and judged (GET /v1/dispatch/activations/{id}). Deadlines are generous guards, not
// assertions on speed.
func TestSteerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	log := &logbuf.Buffer{}
	state := t.TempDir()
	l := start(t, state, log)
	defer l.Close()
	defer func() {
		if t.Failed() {
			t.Log(log.String())
		}
	}()
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: devstack.Credentials()}
	ddb := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(l.Stack.Endpoints().DynamoDB) })
	kc := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(l.Stack.Endpoints().Kinesis) })
	db := store.New(ddb, l.Stack.Ref("Table"))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fl := floor.New(db, outbox.New(db, stream.NewPublisher(kc, l.Stack.Ref("EventStream")), quiet))
	demo, _ := tenant.Parse(DemoTenant)
	call := func(method, path string, body any, want int, out any) {
		t.Helper()
		code, b, err := l.Call(ctx, method, path, l.DemoKey, body)
		if err != nil || code != want {
			t.Fatalf("%s %s: %d %.500s %v", method, path, code, b, err)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v: %.300s", method, path, err, b)
			}
		}
	}

	var set strategy.Settings
	call("GET", "/v1/dispatch/settings", nil, http.StatusOK, &set)
	set.WithdrawAfterMinutes, set.MinActiveMinutes = 1, 1
	call("PUT", "/v1/dispatch/settings", set, http.StatusOK, nil)

	// The spike: the real `lingxi spike` against this stack, with the demo key file it keeps.
	bin := filepath.Join(t.TempDir(), "lingxi")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/lingxi").CombinedOutput(); err != nil {
		t.Fatalf("build lingxi: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "spike", "--api", l.Stack.HTTPURL(), "--key", filepath.Join(state, "demo-key"), "-n", "30").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"created":30`) {
		t.Fatalf("lingxi spike: %v\n%s", err, out)
	}
	t.Logf("lingxi spike: %s", strings.TrimSpace(string(out)))

	runs := 0
	now := func() dispatchNow {
		t.Helper()
		var n dispatchNow
		call("GET", "/v1/dispatch/now", nil, http.StatusOK, &n)
		return n
	}
	// until runs the engine's minute for the demo (as the schedule does every minute) until
	// GET /v1/dispatch/now satisfies cond.
	until := func(what string, within time.Duration, cond func(n dispatchNow) bool) dispatchNow {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			runs++
			if _, err := l.SteerRun(ctx, DemoTenant); err != nil {
				t.Fatalf("steer: %v", err)
			}
			n := now()
			if cond(n) {
				return n
			}
			if time.Now().After(deadline) {
				why := ""
				if len(n.Queues) > 0 {
					why = n.Queues[0].Why
				}
				t.Fatalf("%s: not within %v; last decision: %s", what, within, why)
			}
			time.Sleep(3 * time.Second)
		}
	}
	on := until("a strategy activated for the spike", 2*time.Minute, func(n dispatchNow) bool { return len(n.InForce) > 0 })
	for _, a := range on.InForce {
		t.Logf("in force: %s on %s: %s", a.Strategy, a.Queue, a.Reason)
	}
	first := on.InForce[0]
	seen := func(id string, action events.StrategyAction) bool {
		for _, e := range emulators.ReadStream(t, kc, l.Stack.Ref("EventStream"), events.Decode) {
			if e.Type != events.TypeDispatchStrategy || e.Tenant != DemoTenant {
				continue
			}
			if p, err := events.DataAs[events.DispatchStrategy](e); err == nil && p.Action == action && p.ActivationID == id {
				return true
			}
		}
		return false
	}
	if !seen(first.ID, events.StrategyActivated) {
		t.Fatalf("no dispatch.strategy activated for %s on the stream", first.ID)
	}
	onBoard := func(id string) bool {
		var b struct {
			Strategies []struct {
				ActivationID string `json:"activation_id"`
			} `json:"strategies"`
		}
		call("GET", "/v1/wallboard", nil, http.StatusOK, &b)
		for _, s := range b.Strategies {
			if s.ActivationID == id {
				return true
			}
		}
		return false
	}
	waitFor(t, "the wallboard to show "+first.ID, time.Minute, func() bool { return onBoard(first.ID) })

	// The decision behind it explains the gap, the options and the choice.
	var d strategy.Decision
	call("GET", "/v1/dispatch/decisions/"+first.DecisionID, nil, http.StatusOK, &d)
	var qd strategy.QueueDecision
	for _, q := range d.Queues {
		if q.Queue == first.Queue {
			qd = q
		}
	}
	if qd.Why == "" || len(qd.Options) == 0 || !qd.Gap.Open || !slices.Contains(qd.Chosen, first.Strategy) {
		t.Fatalf("decision %s does not explain %s on %s: %+v", first.DecisionID, first.Strategy, first.Queue, d)
	}
	t.Logf("decision %s on %s: %s", d.ID, qd.Queue, qd.Why)

	// A supervisor keeps the first strategy off: it is withdrawn at once and stays off while the
	// spike lasts.
	var ov strategy.Override
	call("POST", "/v1/dispatch/overrides", map[string]any{"queue": first.Queue, "strategy": first.Strategy, "on": false,
		"minutes": 60, "reason": "not during this test"}, http.StatusCreated, &ov)
	for range 2 {
		n := until("an engine minute after the override", time.Minute, func(dispatchNow) bool { return true })
		for _, a := range n.InForce {
			if a.Strategy == first.Strategy && a.Queue == first.Queue {
				t.Fatalf("%s back in force despite override %s: %+v", first.Strategy, ov.ID, a)
			}
		}
	}
	if !seen(first.ID, events.StrategyWithdrawn) {
		t.Fatalf("the override did not withdraw %s (no dispatch.strategy withdrawn)", first.ID)
	}

	// The spike is over: the customers leave.
	waiting, err := fl.Waiting(ctx, demo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range waiting {
		if _, err := fl.EndByCustomer(ctx, demo, c.ID); err != nil {
			t.Fatalf("end %s: %v", c.ID, err)
		}
	}
	until("the strategies withdrawn after the spike", 4*time.Minute, func(n dispatchNow) bool { return len(n.InForce) == 0 })
	for _, a := range on.InForce[1:] {
		if !seen(a.ID, events.StrategyWithdrawn) {
			t.Fatalf("no dispatch.strategy withdrawn for %s on the stream", a.ID)
		}
	}
	waitFor(t, "the wallboard to drop the strategies", time.Minute, func() bool {
		for _, a := range on.InForce {
			if onBoard(a.ID) {
				return false
			}
		}
		return true
	})
	for _, a := range on.InForce {
		var rec steering.ActivationRecord
		call("GET", "/v1/dispatch/activations/"+a.ID, nil, http.StatusOK, &rec)
		if rec.WithdrawnAt == nil || rec.WithdrawReason == "" {
			t.Fatalf("activation %s: withdrawn %v (%q)", a.ID, rec.WithdrawnAt, rec.WithdrawReason)
		}
		if a.ID == first.ID { // cut short by the supervisor: the window is theirs, not judged
			if !strings.Contains(rec.WithdrawReason, "verridden off") || rec.Judgement != nil {
				t.Fatalf("activation %s: withdrawn %q, judgement %+v", a.ID, rec.WithdrawReason, rec.Judgement)
			}
			continue
		}
		if rec.Judgement == nil || rec.Judgement.Why == "" {
			t.Fatalf("activation %s withdrawn (%q) without a judgement", a.ID, rec.WithdrawReason)
		}
		t.Logf("%s withdrawn: %s; judged: %s", a.ID, rec.WithdrawReason, rec.Judgement.Why)
	}
	// The stack schedules the function too (rate(1 minute), every registered tenant): more
	// invocations than this test made, none failed.
	if st := l.Stack.Stats("SteerFunction"); st.Invocations <= runs || st.Errors != 0 {
		t.Fatalf("SteerFunction: %+v after %d runs of the test's own", st, runs)
	}
}

// dispatchNow is the part of GET /v1/dispatch/now the test reads.
type dispatchNow struct {
	Queues  []strategy.QueueDecision `json:"queues"`
	InForce []strategy.Activation    `json:"in_force"`
}

// waitFor polls cond every second until it holds, failing after within.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", within, what)
		}
		time.Sleep(time.Second)
	}
}
