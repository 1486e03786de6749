package forecastpub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The hourly publish job (Request.Plans) makes the next local day's plan ahead; the next day the
// rolling job reads that plan rather than making its own.
func TestPlanAheadReused(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 18, 10, 7, 0, 0, time.UTC)
	today := time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)
	tomorrow := today.AddDate(0, 0, 1)
	f := newFixture(t, now, today.AddDate(0, 0, -28), 28) // history up to today's start
	res, err := f.pub.Publish(ctx, f.t, Request{Products: []forecaststore.Product{}, Plans: true})
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("publish plans: %v %+v", err, res.Failed)
	}
	ref := intervals.SeriesRef{Queue: "general", Channel: events.ChannelVoice}
	var kept forecaststore.Forecast
	v, err := f.db.Get(ctx, f.t, planKey(ref, tomorrow, nil), &kept)
	if err != nil {
		t.Fatalf("tomorrow's plan: %v", err)
	}
	if n := PlanHours * int(time.Hour/intervals.Step); !kept.Start.Equal(tomorrow) || len(kept.Points) != n || !kept.PublishedAt.Equal(now) {
		t.Fatalf("tomorrow's plan: %d points from %v made %v, want %d from %v made %v", len(kept.Points), kept.Start, kept.PublishedAt, n, tomorrow, now)
	}
	if _, err := f.db.Get(ctx, f.t, planKey(ref, today, nil), &forecaststore.Forecast{}); err != nil {
		t.Fatalf("today's plan: %v", err)
	}

	f.now = tomorrow.Add(10*time.Hour + 7*time.Minute)
	r, err := f.pub.Rolling(ctx, f.t)
	if err != nil || len(r.Published) != 1 {
		t.Fatalf("rolling tomorrow: %+v %v", r, err)
	}
	var after forecaststore.Forecast
	v2, err := f.db.Get(ctx, f.t, planKey(ref, tomorrow, nil), &after)
	if err != nil || v2 != v || !after.PublishedAt.Equal(now) {
		t.Fatalf("rolling made its own plan: version %d→%d, made %v (%v)", v, v2, after.PublishedAt, err)
	}
}

// RunAll runs every tenant through its workers, and a tenant that does not return holds up only
// its worker: the slow tenant is released only once every other tenant has run.
func TestRunAllPool(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	now := time.Date(2026, 3, 18, 10, 7, 0, 0, time.UTC)
	f := newFixture(t, now, time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), 1)
	// A stuck tenant past its bound fails rather than hanging the test.
	pub := New(Config{DB: f.db, Counts: f.counters, Cal: UTCCalendar{}, Now: f.pub.cfg.Now, TenantTimeout: 30 * time.Second})
	var names []tenant.ID
	for i := range 7 {
		id, err := tenant.Parse(fmt.Sprintf("pool%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Store().Register(ctx, id, now); err != nil {
			t.Fatal(err)
		}
		names = append(names, id)
	}
	slow := names[0]
	var (
		mu       sync.Mutex
		ran      = map[tenant.ID]bool{}
		released = make(chan struct{})
	)
	failing := names[1]
	n, err := pub.RunAll(ctx, "test", func(ctx context.Context, t tenant.ID) error {
		if t == slow {
			select {
			case <-released:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		mu.Lock()
		defer mu.Unlock()
		ran[t] = true
		if len(ran) == len(names)-1 && !ran[slow] {
			close(released)
		}
		if t == failing {
			return errors.New("this tenant fails")
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Fatalf("RunAll: %d failed, %v; want 1 failed", n, err)
	}
	for _, id := range names {
		if !ran[id] {
			t.Errorf("tenant %s did not run", id)
		}
	}
}

// A run whose deadline has passed starts no tenant and says so.
func TestRunAllDeadline(t *testing.T) {
	now := time.Date(2026, 3, 18, 10, 7, 0, 0, time.UTC)
	f := newFixture(t, now, time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), 1)
	if err := f.pub.Store().Register(t.Context(), f.t, now); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	started := 0
	_, err := f.pub.RunAll(ctx, "test", func(context.Context, tenant.ID) error { started++; return nil })
	if !errors.Is(err, context.Canceled) || started != 0 {
		t.Fatalf("RunAll after its deadline: %d started, %v", started, err)
	}
}

// Monthly forecasts are scored once a month: the first published for its start month only, so
// the review does not score a year-long forecast for every day of the year.
func TestScoredMonthlyOncePerMonth(t *testing.T) {
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	april := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 4, 1, 10, 30, 0, 0, time.UTC)
	f := forecaststore.Forecast{Start: april}
	for _, c := range []struct {
		name string
		prev forecaststore.Latest
		v    int64
		want bool
	}{
		{"first ever", forecaststore.Latest{}, 0, true},
		{"first of the month", forecaststore.Latest{Start: march}, 3, true},
		{"later in the month", forecaststore.Latest{Start: april}, 4, false},
	} {
		if got := scored(forecaststore.Monthly, f, c.prev, c.v, now); got != c.want {
			t.Errorf("%s: scored %v, want %v", c.name, got, c.want)
		}
	}
	if !scored(forecaststore.Daily, f, forecaststore.Latest{Start: april}, 4, now) {
		t.Error("a daily forecast is not scored")
	}
	if scored(forecaststore.Rolling, f, forecaststore.Latest{}, 4, now) {
		t.Error("a rolling forecast at :30 is scored")
	}
}

// eventsCal is UTCCalendar with events that a test may add.
type eventsCal struct {
	UTCCalendar
	occ []forecast.Occurrence
}

func (c *eventsCal) Occurrences(context.Context, tenant.ID, string) ([]forecast.Occurrence, error) {
	return c.occ, nil
}

// A plan made ahead is made again once the series' events change: a campaign planned today for
// tomorrow, after the hourly job made tomorrow's plan, is in the plan tomorrow's rolling job reads
// (before, the plan made ahead was kept as it was, without the campaign).
func TestPlanAheadRemadeWhenEventsChange(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 18, 10, 7, 0, 0, time.UTC)
	today := time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)
	tomorrow := today.AddDate(0, 0, 1)
	f := newFixture(t, now, today.AddDate(0, 0, -28), 28)
	cal := &eventsCal{}
	f.pub.cfg.Cal = cal
	if res, err := f.pub.Publish(ctx, f.t, Request{Products: []forecaststore.Product{}, Plans: true}); err != nil || len(res.Failed) > 0 {
		t.Fatalf("publish plans: %v %+v", err, res.Failed)
	}
	ref := intervals.SeriesRef{Queue: "general", Channel: events.ChannelVoice}
	if _, err := f.db.Get(ctx, f.t, planKey(ref, tomorrow, nil), &forecaststore.Forecast{}); err != nil {
		t.Fatalf("tomorrow's plan: %v", err)
	}
	cal.occ = []forecast.Occurrence{{ID: "spring-sale", Type: "campaign", Name: "Spring sale",
		Start: tomorrow.Add(9 * time.Hour), End: tomorrow.Add(12 * time.Hour)}}
	f.now = tomorrow.Add(10*time.Hour + 7*time.Minute)
	if r, err := f.pub.Rolling(ctx, f.t); err != nil || len(r.Published) != 1 {
		t.Fatalf("rolling tomorrow: %+v %v", r, err)
	}
	var remade forecaststore.Forecast
	if _, err := f.db.Get(ctx, f.t, planKey(ref, tomorrow, cal.occ), &remade); err != nil {
		t.Fatalf("the plan with the campaign: %v", err)
	}
	if !remade.PublishedAt.Equal(f.now) || len(remade.Events) != 1 || remade.Events[0].ID != "spring-sale" {
		t.Fatalf("the plan read tomorrow was made %v with events %+v, want now with the campaign", remade.PublishedAt, remade.Events)
	}
}
