package forecastpub

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// history writes days of 30-minute rows from start: a weekday and intraday pattern, no noise.
func history(queue, ch string, start time.Time, days int) []byte {
	var b bytes.Buffer
	b.WriteString("interval_start,queue,channel,count\n")
	week := [7]float64{0.5, 1.2, 1.1, 1, 1, 1.1, 0.6}
	for i := 0; i < days*48; i++ {
		at := start.Add(time.Duration(i) * 30 * time.Minute)
		h := float64(at.Hour()) + float64(at.Minute())/60
		v := 2.0
		if h >= 8 && h < 20 {
			v = 20 + 30*math.Exp(-(h-11)*(h-11)/6)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%d\n", at.Format(time.RFC3339), queue, ch, int(math.Round(v*week[at.Weekday()])))
	}
	return b.Bytes()
}

type fixture struct {
	pub      *Publisher
	counters *intervals.Counters
	db       *store.Store
	t        tenant.ID
	now      time.Time
}

func newFixture(t *testing.T, now time.Time, histStart time.Time, days int) *fixture {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, streamName := emulators.NewStream(t, 1)
	f := &fixture{db: store.New(ddb, table), now: now}
	clock := func() time.Time { return f.now }
	f.db = f.db.WithClock(clock)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.counters = intervals.New(f.db).WithClock(clock)
	f.t, _ = tenant.Parse("acme")
	h, err := intervals.ParseHistory(bytes.NewReader(history("general", "voice", histStart, days)), func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.counters.Import(context.Background(), f.t, h); err != nil {
		t.Fatal(err)
	}
	f.pub = New(Config{DB: f.db, Counts: f.counters, Cal: UTCCalendar{}, Log: log, Source: "test", Now: clock,
		Commit: outbox.New(f.db, stream.NewPublisher(kin, streamName), log)})
	return f
}

// Every product is published with its shape; a second run publishes nothing until the next day;
// the rolling product rises after a burst of live contacts; review scores the scheduling forecast
// once its first day has passed.
func TestPublishRollingReview(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 18, 10, 7, 0, 0, time.UTC)
	today := time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)
	f := newFixture(t, now, today.AddDate(0, 0, -28), 30) // history through the end of tomorrow
	res, err := f.pub.Publish(ctx, f.t, Request{})
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("publish: %v %+v", err, res.Failed)
	}
	got := map[forecaststore.Product]forecaststore.Forecast{}
	for _, fc := range res.Published {
		got[fc.Product] = fc
	}
	want := map[forecaststore.Product]struct {
		n     int
		step  string
		start time.Time
	}{
		forecaststore.Daily:      {31, "1d", today},
		forecaststore.Monthly:    {12, "1mo", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		forecaststore.Hiring:     {30 + 31, "1d", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		forecaststore.Scheduling: {31 * 48, "30m", today},
	}
	for p, w := range want {
		fc, ok := got[p]
		if !ok || len(fc.Points) != w.n || fc.Step != w.step || !fc.Start.Equal(w.start) || fc.Total <= 0 || len(fc.Bands) == 0 {
			t.Errorf("%s: %d points, step %s, start %v, total %v, %d bands; want %d, %s, %v", p, len(fc.Points), fc.Step, fc.Start, fc.Total, len(fc.Bands), w.n, w.step, w.start)
		}
	}
	// The daily forecast of a Wednesday is near the pattern's Wednesday total.
	if d := got[forecaststore.Daily].Points[0]; d < 500 || d > 900 {
		t.Errorf("today's daily forecast %v, want about 700", d)
	}
	again, err := f.pub.Publish(ctx, f.t, Request{})
	if err != nil || len(again.Published) != 0 {
		t.Fatalf("a second publish the same day: %d published, %v", len(again.Published), err)
	}

	// A day later the scheduling forecast's first whole day is scored against the imported actuals
	// (a noiseless weekly pattern: a small WAPE); the review an hour later scores nothing new.
	f.now = now.Add(26 * time.Hour)
	n, err := f.pub.Review(ctx, f.t)
	if err != nil || n == 0 {
		t.Fatalf("review: %d %v", n, err)
	}
	sched, _, err := f.pub.Store().Get(ctx, f.t, got[forecaststore.Scheduling].ID)
	if err != nil || sched.Metrics == nil || sched.Review == nil || sched.Metrics.Intervals != 48 {
		t.Fatalf("scheduling after review: %+v %v", sched.Metrics, err)
	}
	if again, err := f.pub.Review(ctx, f.t); err != nil || again != 0 {
		t.Fatalf("a second review the same day scored %d (%v)", again, err)
	}
	t.Logf("scheduling, first day: WAPE %.1f%%, attainment %.1f%%, over %d intervals", sched.Metrics.WAPE, sched.Metrics.Attainment, sched.Metrics.Intervals)
	if sched.Metrics.WAPE > 15 {
		t.Errorf("WAPE %.1f%% on a noiseless pattern", sched.Metrics.WAPE)
	}
	acc, err := f.pub.Store().Accuracy(ctx, f.t, "general", store.PageRequest{})
	if err != nil || len(acc.Items) == 0 {
		t.Fatalf("accuracy: %+v %v", acc, err)
	}

	// Rolling: 12 hours at 15 minutes by default, from the next quarter hour.
	r1, err := f.pub.Rolling(ctx, f.t)
	if err != nil || len(r1.Published) != 1 {
		t.Fatalf("rolling: %+v %v", r1, err)
	}
	roll := r1.Published[0]
	if len(roll.Points) != 48 || roll.Step != "15m" || roll.Start.Minute()%15 != 0 {
		t.Fatalf("rolling: %d points at %s from %v", len(roll.Points), roll.Step, roll.Start)
	}
	// A burst in the open slot: 300 contacts where the plan expects about 10.
	for i := range 300 {
		if err := f.counters.Count(ctx, f.t, fmt.Sprintf("ev-%d", i), "general", events.ChannelVoice, f.now,
			map[string]int64{intervals.Offered: 1}); err != nil {
			t.Fatal(err)
		}
	}
	r2, err := f.pub.Rolling(ctx, f.t)
	if err != nil || len(r2.Published) != 1 {
		t.Fatalf("rolling after the burst: %+v %v", r2, err)
	}
	if r2.Published[0].Points[0] <= roll.Points[0] {
		t.Fatalf("rolling did not rise after a burst: %v then %v", roll.Points[:4], r2.Published[0].Points[:4])
	}
	t.Logf("rolling, next quarter hour: %.1f before the burst, %.1f after", roll.Points[0], r2.Published[0].Points[0])

	// The wallboard's curve of today: the scheduling forecast per quarter hour, the rolling one
	// where it covers a quarter hour.
	pts, err := f.pub.Today(ctx, f.t)
	if err != nil || len(pts) != 96 {
		t.Fatalf("today: %d points, %v", len(pts), err)
	}
	q := int(r2.Published[0].Start.Sub(pts[0].Start) / QuarterHour)
	if got, want := pts[q].Contacts, r2.Published[0].Points[0]; math.Abs(got-want) > 0.01 {
		t.Fatalf("today at %v: %v, want the rolling forecast's %v", pts[q].Start, got, want)
	}
	if pts[0].Contacts <= 0 {
		t.Fatalf("today at midnight: %v, want the scheduling forecast's", pts[0])
	}
}
