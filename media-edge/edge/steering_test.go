package edge

import (
	"context"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

func activation(queue string, k strategy.Kind, until time.Time, p strategy.Params) strategy.Activation {
	return strategy.Activation{ID: "act-20261206T0900-" + queue + "-" + string(k), Queue: queue, Strategy: k, Params: p,
		Source: strategy.ByEngine, Since: until.Add(-15 * time.Minute), Until: until}
}

// The edge reads the active set on the emulators: the strategies in force for the call's queue,
// not another queue's nor a lapsed one, and the tenant's time zone for a callback.
func TestEngineSteeringReadsTheActiveSet(t *testing.T) {
	ctx := context.Background()
	db := store.New(emulators.NewTable(t, store.CreateTable))
	ten, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	s := engineSteering{db: db, cal: forecastcal.New(db), now: func() time.Time { return now }}
	if qs, err := s.Queue(ctx, ten, "general"); err != nil || qs != (call.QueueSteering{}) {
		t.Fatalf("before the engine ever decided: %+v %v", qs, err)
	}
	later, lapsed := now.Add(10*time.Minute), now.Add(-time.Minute)
	st := overlay.State{Active: []strategy.Activation{
		activation("general", strategy.AnnounceWait, later, strategy.Params{ExpectedWaitSeconds: 300}),
		activation("general", strategy.Divert, later, strategy.Params{DivertShare: 1.4, DivertLink: "https://app.example.com/help"}),
		activation("general", strategy.Callback, later, strategy.Params{CallbackAfterSeconds: 60, PromiseMinutes: 45}),
		activation("vip", strategy.AnnounceWait, later, strategy.Params{ExpectedWaitSeconds: 900}),
		activation("cards", strategy.Divert, lapsed, strategy.Params{DivertShare: 0.5}),
	}}
	if err := db.Create(ctx, ten, overlay.Key, st); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, ten, forecastcal.SettingsKey, forecastcal.Settings{TimeZone: "Asia/Shanghai", Holidays: []forecastcal.Holiday{}}); err != nil {
		t.Fatal(err)
	}
	qs, err := s.Queue(ctx, ten, "general")
	if err != nil {
		t.Fatal(err)
	}
	if qs.ExpectedWait != 5*time.Minute || qs.Location == nil || qs.Location.String() != "Asia/Shanghai" {
		t.Fatalf("general: %+v", qs)
	}
	if d := qs.Divert; d == nil || d.Share != 1 || d.Link != "https://app.example.com/help" || d.ActivationID != "act-20261206T0900-general-divert" {
		t.Fatalf("divert %+v", d)
	}
	if c := qs.Callback; c == nil || c.After != time.Minute || c.Promise != 45*time.Minute || c.ActivationID != "act-20261206T0900-general-callback" {
		t.Fatalf("callback %+v", c)
	}
	if qs, err := s.Queue(ctx, ten, "vip"); err != nil || qs.ExpectedWait != 15*time.Minute || qs.Divert != nil || qs.Callback != nil || qs.Location != nil {
		t.Fatalf("vip: %+v %v", qs, err)
	}
	if qs, err := s.Queue(ctx, ten, "cards"); err != nil || qs.Divert != nil {
		t.Fatalf("cards, its divert lapsed: %+v %v", qs, err)
	}
}
