package forecaststore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func newStore(t *testing.T) *store.Store {
	db, table := emulators.NewTable(t, store.CreateTable)
	return store.New(db, table)
}

func TestPublishReviewAccuracy(t *testing.T) {
	ctx := context.Background()
	db := newStore(t)
	s := New(db)
	ten, _ := tenant.Parse("acme")
	other, _ := tenant.Parse("other")
	at := time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC)
	fc := forecast.Forecast{Start: at, Step: 30 * time.Minute, Point: []float64{1.234, 2, -0.5}, Model: "ets",
		Bands:  []forecast.Band{{Level: 0.8, Lower: []float64{0, 1, 0}, Upper: []float64{2, 3, 1}}},
		Events: []forecast.Contribution{{ID: "ev1", Type: "campaign", Name: "Spring", Added: 0.555}}}
	f := FromForecast(NewID(at), "billing", "voice", Scheduling, fc, FormatStep(fc.Step), at.Add(90*time.Minute), at)
	if !ValidID(f.ID) || f.Total != 3.23 || f.Points[2] != 0 || f.Events[0].Added != 0.56 {
		t.Fatalf("item: %+v", f)
	}
	if err := db.Tx(ctx, PublishOps(ten, f, 0)...); err != nil {
		t.Fatal(err)
	}
	got, v, err := s.Get(ctx, ten, f.ID)
	if err != nil || v != 1 || got.Step != "30m" || len(got.Points) != 3 {
		t.Fatalf("get: %+v %d %v", got, v, err)
	}
	if _, _, err := s.Get(ctx, other, f.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant read it: %v", err)
	}
	latest, err := s.LatestForecast(ctx, ten, "billing", "voice", Scheduling)
	if err != nil || latest.ID != f.ID {
		t.Fatalf("latest: %v %v", latest.ID, err)
	}
	if _, err := s.LatestForecast(ctx, ten, "billing", "voice", Daily); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("latest daily: %v", err)
	}
	got.Metrics = &Metrics{WAPE: 12.5, Intervals: 2}
	got.Review = &Review{Through: at.Add(time.Hour), ReviewedAt: at.Add(time.Hour)}
	if err := s.SaveReview(ctx, ten, got, v); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveReview(ctx, ten, got, v+1); err != nil { // scored again later: replaces the entry
		t.Fatal(err)
	}
	page, err := s.Accuracy(ctx, ten, "billing", store.PageRequest{})
	if err != nil || len(page.Items) != 1 || page.Items[0].Metrics.WAPE != 12.5 {
		t.Fatalf("accuracy: %+v %v", page, err)
	}
	n := 0
	for f2, err := range s.Since(ctx, ten, at.Add(-time.Minute)) {
		if err != nil || f2.ID != f.ID {
			t.Fatalf("since: %v %v", f2.ID, err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("since: %d forecasts", n)
	}
	if err := s.Register(ctx, ten, at); err != nil {
		t.Fatal(err)
	}
	if err := s.Register(ctx, ten, at); err != nil {
		t.Fatal(err)
	}
	var tenants []string
	for id, err := range s.Tenants(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		tenants = append(tenants, id.String())
	}
	if len(tenants) != 1 || tenants[0] != "acme" {
		t.Fatalf("tenants: %v", tenants)
	}
}

func TestSettingsCheck(t *testing.T) {
	if fe := DefaultSettings().Check(); len(fe) > 0 {
		t.Fatalf("defaults: %v", fe)
	}
	for name, c := range map[string]struct {
		change func(*Settings)
		field  string
	}{
		"zero aht":           {func(s *Settings) { s.AHTSeconds = 0 }, "/aht_s"},
		"sl and asa":         {func(s *Settings) { s.ASASeconds = 30 }, "/service_level"},
		"rolling step":       {func(s *Settings) { s.RollingStepM = 7 }, "/rolling_step_m"},
		"latest before":      {func(s *Settings) { s.ShiftTemplates[0].Latest = "06:00" }, "/shift_templates/0/latest"},
		"bad day":            {func(s *Settings) { s.ShiftTemplates[0].Days = []string{"monday"} }, "/shift_templates/0/days/0"},
		"break out of shift": {func(s *Settings) { s.ShiftTemplates[0].Breaks[0].AfterM = 470 }, "/shift_templates/0/breaks/0"},
		"queue aht":          {func(s *Settings) { s.QueueAHT = map[string]int{"a/b": 0} }, "/queue_aht_s/a~1b"},
	} {
		t.Run(name, func(t *testing.T) {
			s := DefaultSettings()
			c.change(&s)
			fe := s.Check()
			if len(fe) != 1 || fe[0].Field != c.field {
				t.Fatalf("got %v, want one error at %s", fe, c.field)
			}
		})
	}
}

func TestSteps(t *testing.T) {
	for _, d := range []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 24 * time.Hour} {
		s := FormatStep(d)
		back, err := ParseStep(s)
		if err != nil || back != d {
			t.Fatalf("%v → %q → %v %v", d, s, back, err)
		}
	}
	if _, err := ParseStep("1mo"); err == nil {
		t.Fatal("1mo parsed as a duration")
	}
}
