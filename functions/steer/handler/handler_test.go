package handler

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/steering"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// runner is an engine that records what it was asked; RunAll blocks until its context ends when
// stuck.
type runner struct {
	all     int
	tenants []string
	stuck   bool
}

func (r *runner) RunAll(ctx context.Context) (steering.RunReport, error) {
	r.all++
	if r.stuck {
		<-ctx.Done()
		return steering.RunReport{Tenants: 3, Skipped: 5, TimedOut: true}, ctx.Err()
	}
	return steering.RunReport{Tenants: 4, Activated: 1}, nil
}

func (r *runner) RunTenant(_ context.Context, t tenant.ID) (strategy.Decision, error) {
	r.tenants = append(r.tenants, t.String())
	return strategy.Decision{ID: "20261208T1000", Tenant: t.String(), Activate: []strategy.Activation{{ID: "a"}}}, nil
}

// scheduled is EventBridge's scheduled event, as the schedule sends it.
const scheduled = `{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events",
"account":"123456789012","time":"2026-12-08T10:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/x"],"detail":{}}`

func TestInvoke(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name        string
		in          string
		stuck       bool
		wantAll     int
		wantTenants int
		wantErr     bool
		check       func(t *testing.T, res Result)
	}{
		{name: "schedule runs every tenant", in: scheduled, wantAll: 1, check: func(t *testing.T, res Result) {
			if res.Tenants != 4 || res.Activated != 1 || res.Decision != nil {
				t.Errorf("result %+v", res)
			}
		}},
		{name: "one tenant", in: `{"tenant":"demo"}`, wantTenants: 1, check: func(t *testing.T, res Result) {
			if res.Decision == nil || res.Decision.Tenant != "demo" || res.Activated != 1 || res.Tenants != 1 {
				t.Errorf("result %+v", res)
			}
		}},
		{name: "cut by its deadline is a success", in: scheduled, stuck: true, wantAll: 1, check: func(t *testing.T, res Result) {
			if !res.TimedOut || res.Skipped != 5 {
				t.Errorf("result %+v", res)
			}
		}},
		{name: "bad tenant", in: `{"tenant":"Not A Tenant"}`, wantErr: true},
		{name: "not JSON", in: `{`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &runner{stuck: tc.stuck}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			res, err := New(r, log).WithBudget(100*time.Millisecond).Invoke(ctx, json.RawMessage(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if r.all != tc.wantAll || len(r.tenants) != tc.wantTenants {
				t.Fatalf("RunAll %d times, RunTenant %v", r.all, r.tenants)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

// The invocation's own deadline, less Margin, bounds a run when it comes before RunBudget.
func TestInvokeKeepsInsideTheInvocation(t *testing.T) {
	var got time.Time
	r := runFunc(func(ctx context.Context) { got, _ = ctx.Deadline() })
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(10*time.Second))
	defer cancel()
	if _, err := New(r, slog.New(slog.DiscardHandler)).Invoke(ctx, json.RawMessage(scheduled)); err != nil {
		t.Fatal(err)
	}
	want, _ := ctx.Deadline()
	if !got.Equal(want.Add(-Margin)) {
		t.Fatalf("run deadline %v, want the invocation's less %v (%v)", got, Margin, want.Add(-Margin))
	}
}

type runFunc func(ctx context.Context)

func (f runFunc) RunAll(ctx context.Context) (steering.RunReport, error) {
	f(ctx)
	return steering.RunReport{}, nil
}
func (f runFunc) RunTenant(context.Context, tenant.ID) (strategy.Decision, error) {
	return strategy.Decision{}, nil
}
