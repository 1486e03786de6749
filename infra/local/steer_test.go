package local

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	steerhandler "github.com/lingxi/lingxi/functions/steer/handler"
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

// The dispatch engine on the local stack: a burst of contacts on the demo tenant's general queue
// (POST /v1/contacts, nobody signed in to take them) makes the steer function activate strategies
// within two minutes, with dispatch.strategy activated on the stream; once the customers have left
// (the spike is over and the floor closed), it withdraws them (dispatch.strategy withdrawn). The
// demo's hysteresis is shortened to one minute so the test need not wait ten. Deadlines are
// generous guards, not assertions on speed.
func TestSteerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	log := &logbuf.Buffer{}
	l := start(t, t.TempDir(), log)
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
	box := outbox.New(db, stream.NewPublisher(kc, l.Stack.Ref("EventStream")), quiet)
	fl := floor.New(db, box)
	eng := steering.New(steering.Config{DB: db, Commit: box, Floor: fl, Log: quiet})
	demo, _ := tenant.Parse(DemoTenant)

	set := strategy.Defaults()
	set.WithdrawAfterMinutes, set.MinActiveMinutes = 1, 1
	if _, err := eng.PutSettings(ctx, demo, set); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 30 {
		code, b, err := l.Call(ctx, "POST", "/v1/contacts", l.DemoKey, map[string]any{"queue": "general", "channel": "chat"})
		if err != nil || code != http.StatusCreated {
			t.Fatalf("POST /v1/contacts: %d %s %v", code, b, err)
		}
		var c struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &c); err != nil || c.ID == "" {
			t.Fatalf("contact %s: %v", b, err)
		}
		ids = append(ids, c.ID)
	}

	runs := 0
	// until runs the engine's minute for the demo (as the schedule does every minute) until the
	// state satisfies cond.
	until := func(what string, within time.Duration, cond func(st steeringState) bool) steeringState {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			runs++
			res, err := l.SteerRun(ctx, DemoTenant)
			if err != nil {
				t.Fatalf("steer: %v", err)
			}
			st, err := eng.State(ctx, demo)
			if err != nil {
				t.Fatal(err)
			}
			s := steeringState{res: res, active: st.Active}
			if cond(s) {
				return s
			}
			if time.Now().After(deadline) {
				why := ""
				if res.Decision != nil && len(res.Decision.Queues) > 0 {
					why = res.Decision.Queues[0].Why
				}
				t.Fatalf("%s: not within %v; last decision: %s", what, within, why)
			}
			time.Sleep(3 * time.Second)
		}
	}
	on := until("a strategy activated for the burst", 2*time.Minute, func(s steeringState) bool { return len(s.active) > 0 })
	for _, a := range on.active {
		t.Logf("in force: %s on %s: %s", a.Strategy, a.Queue, a.Reason)
	}
	seen := func(action events.StrategyAction) bool {
		for _, e := range emulators.ReadStream(t, kc, l.Stack.Ref("EventStream"), events.Decode) {
			if e.Type != events.TypeDispatchStrategy || e.Tenant != DemoTenant {
				continue
			}
			if p, err := events.DataAs[events.DispatchStrategy](e); err == nil && p.Action == action && p.ActivationID == on.active[0].ID {
				return true
			}
		}
		return false
	}
	if !seen(events.StrategyActivated) {
		t.Fatalf("no dispatch.strategy activated for %s on the stream", on.active[0].ID)
	}

	// The spike is over: the customers leave.
	for _, id := range ids {
		if _, err := fl.EndByCustomer(ctx, demo, id); err != nil {
			t.Fatalf("end %s: %v", id, err)
		}
	}
	until("the strategies withdrawn after the spike", 4*time.Minute, func(s steeringState) bool { return len(s.active) == 0 })
	if !seen(events.StrategyWithdrawn) {
		t.Fatalf("no dispatch.strategy withdrawn for %s on the stream", on.active[0].ID)
	}
	rec, err := eng.Activation(ctx, demo, on.active[0].ID)
	if err != nil || rec.WithdrawnAt == nil {
		t.Fatalf("record %+v %v", rec, err)
	}
	t.Logf("withdrawn: %s", rec.WithdrawReason)
	// The stack schedules the function too (rate(1 minute), every registered tenant): more
	// invocations than this test made, none failed.
	if st := l.Stack.Stats("SteerFunction"); st.Invocations <= runs || st.Errors != 0 {
		t.Fatalf("SteerFunction: %+v after %d runs of the test's own", st, runs)
	}
}

// steeringState is one engine minute's answer and the state after it.
type steeringState struct {
	res    steerhandler.Result
	active []strategy.Activation
}
