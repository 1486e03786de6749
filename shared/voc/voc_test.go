package voc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type fixture struct {
	db     *store.Store
	counts *Counters
	alerts *Alerts
	clk    *clock
	kin    *kinesis.Client
	stream string
	t      tenant.ID
}

func newFixture(t *testing.T, at time.Time) *fixture {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, name := emulators.NewStream(t, 1)
	db := store.New(ddb, table)
	clk := &clock{t: at}
	box := outbox.New(db, stream.NewPublisher(kin, name), quiet)
	acme, _ := tenant.Parse("acme")
	return &fixture{db: db, counts: NewCounters(db).WithClock(clk.now), alerts: NewAlerts(db, box, "test").WithClock(clk.now),
		clk: clk, kin: kin, stream: name, t: acme}
}

func (f *fixture) events(t *testing.T, typ string) []events.Envelope {
	t.Helper()
	var out []events.Envelope
	for _, e := range emulators.ReadStream(t, f.kin, f.stream, events.Decode) {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func at(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v
}

var seq int

func chatEvent(t *testing.T, tn tenant.ID, when time.Time, intent, text string) events.Envelope {
	t.Helper()
	seq++
	e, err := events.New(tn, events.TypeChatMessage, "conv-"+string(rune('a'+seq%26)), "test", events.ChatMessage{
		ConversationID: "conv-" + string(rune('a'+seq%26)), Channel: events.ChannelChat, Role: events.RoleCustomer, Text: text, Intent: intent})
	if err != nil {
		t.Fatal(err)
	}
	e.Time = when
	return e
}

// Each event counts once however often it is delivered; its keys' intervals, the examples and
// the keys of the day read back.
func TestCountingOncePerEvent(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:03:00Z"))
	ctx := context.Background()
	part := NewCounting(f.counts, nil, nil, quiet)
	b := NewBatch()
	bctx := WithBatch(ctx, b)
	var evs []events.Envelope
	for i := range 4 {
		evs = append(evs, chatEvent(t, f.t, at("2026-12-07T10:01:00Z").Add(time.Duration(i)*time.Second), "complaint", "the reminder text is wrong"))
	}
	for _, e := range append(evs, evs...) { // every event twice
		if err := part.Event(bctx, e); err != nil {
			t.Fatal(err)
		}
	}
	recent, elapsed, err := f.counts.Recent(ctx, f.t, IntentKey("complaint"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 3 || recent[2].N != 4 || recent[1].N != 0 || !recent[2].Start.Equal(at("2026-12-07T10:00:00Z")) {
		t.Fatalf("recent %+v", recent)
	}
	if elapsed < 0.59 || elapsed > 0.61 {
		t.Fatalf("elapsed %v, want 0.6", elapsed)
	}
	if got := b.Keys()[f.t]; len(got) != 1 || got[0] != "intent:complaint" {
		t.Fatalf("batch keys %v", got)
	}
	exs, err := f.counts.Examples(ctx, f.t, IntentKey("complaint"), MaxExamples)
	if err != nil || len(exs) != 4 || !exs[0].At.After(exs[3].At) {
		t.Fatalf("examples %+v %v", exs, err)
	}
	keys, err := f.counts.Keys(ctx, f.t, at("2026-12-07T09:00:00Z"))
	if err != nil || len(keys) != 1 || keys[0].Total != 4 {
		t.Fatalf("keys %+v %v", keys, err)
	}
	// A queued contact counts for its queue; a requeue does not.
	for _, reason := range []events.QueueReason{events.QueueHandoff, events.QueueRequeued} {
		e, err := events.New(f.t, events.TypeContactQueued, "ct-1", "test", events.ContactQueued{Queue: "cards", Channel: events.ChannelChat, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		e.Time = at("2026-12-07T10:02:00Z")
		if err := part.Event(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if r, _, _ := f.counts.Recent(ctx, f.t, QueueKey("cards"), 1); r[0].N != 1 {
		t.Fatalf("queue count %v", r)
	}
}

// Simple on a cold key (no history): a burst of 10 or more in one interval alerts, a handful
// does not; with history, the same weekday and time's mean is the expectation.
func TestSimpleColdStartAndSeasonal(t *testing.T) {
	det := Simple{}
	cold := det.Learn(nil)
	start := at("2026-12-07T10:00:00Z")
	series := func(ns ...float64) []Count {
		var out []Count
		for i, n := range ns {
			out = append(out, Count{Start: start.Add(time.Duration(i) * Step), Key: "topic:x", N: n})
		}
		return out
	}
	tests := map[string]struct {
		b      Baseline
		recent []Count
		want   bool
		onset  time.Time
	}{
		"cold, a handful":                   {cold, series(0, 1, 5), false, time.Time{}},
		"cold, nine":                        {cold, series(0, 0, 9), false, time.Time{}},
		"cold, a burst of 12":               {cold, series(0, 0, 12), true, start.Add(2 * Step)},
		"cold, a rise over two":             {cold, series(0, 4, 15), true, start.Add(Step)},
		"cold, 15 across an interval's end": {cold, series(0, 8, 7), true, start.Add(Step)},
	}
	// Usually 20 at this weekday and time: 30 is no spike, 80 is.
	var hist []Count
	for w := 1; w <= 4; w++ {
		for i := range 3 {
			hist = append(hist, Count{Start: start.AddDate(0, 0, -7*w).Add(time.Duration(i) * Step), Key: "topic:x", N: 20})
		}
	}
	busy := det.Learn(hist)
	tests["busy, 30"] = struct {
		b      Baseline
		recent []Count
		want   bool
		onset  time.Time
	}{busy, series(20, 20, 30), false, time.Time{}}
	tests["busy, 80"] = struct {
		b      Baseline
		recent []Count
		want   bool
		onset  time.Time
	}{busy, series(20, 20, 80), true, start.Add(2 * Step)}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			elapsed := 0.5
			if strings.Contains(name, "across") {
				elapsed = 0.1
			}
			sp, ok := det.Check(tc.b, tc.recent, elapsed)
			if ok != tc.want {
				t.Fatalf("spike %v (%+v), want %v", ok, sp, tc.want)
			}
			if ok && !sp.Onset.Equal(tc.onset) {
				t.Fatalf("onset %v, want %v", sp.Onset, tc.onset)
			}
		})
	}
}

// detectorDouble spikes when the latest count reaches at, and records what it was given.
type detectorDouble struct {
	at      float64
	learnt  [][]Count
	elapsed float64
}

type flat float64

func (f flat) Expected(string, time.Time) float64 { return float64(f) }

func (d *detectorDouble) Learn(h []Count) Baseline { d.learnt = append(d.learnt, h); return flat(1) }
func (d *detectorDouble) Check(b Baseline, recent []Count, elapsed float64) (Spike, bool) {
	d.elapsed = elapsed
	last := recent[len(recent)-1]
	if last.N < d.at {
		return Spike{}, false
	}
	return Spike{At: last.Start, Onset: last.Start, Count: last.N, Expected: b.Expected(last.Key, last.Start), Score: 9}, true
}

// The spike part: a key's history from past weeks goes to Learn (once: cached); a spike raises
// one alert with the key's examples, committed with alert.raised; while it is open no other is
// raised for the key.
func TestSpikesRaiseOnce(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:04:00Z"))
	ctx := context.Background()
	// Last week's same day has counts for the key: the baseline's history.
	part := NewCounting(f.counts, nil, nil, quiet)
	if err := part.Event(ctx, chatEvent(t, f.t, at("2026-11-30T09:00:00Z"), "complaint", "old")); err != nil {
		t.Fatal(err)
	}
	det := &detectorDouble{at: 3}
	sp := NewSpikes(f.counts, f.alerts, det, quiet)
	b := NewBatch()
	for i := range 5 {
		if err := part.Event(WithBatch(ctx, b), chatEvent(t, f.t, at("2026-12-07T10:01:00Z").Add(time.Duration(i)*time.Second), "complaint", "reminder "+string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
		if err := sp.CheckBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if len(det.learnt) != 1 || len(det.learnt[0]) != 288 || det.learnt[0][108].N != 1 {
		t.Fatalf("learnt %d histories (want 1 of a day's 288 slots, 09:00 = 1)", len(det.learnt))
	}
	if det.elapsed < 0.79 || det.elapsed > 0.81 {
		t.Fatalf("elapsed %v", det.elapsed)
	}
	raised := f.events(t, events.TypeAlertRaised)
	if len(raised) != 1 {
		t.Fatalf("%d alert.raised, want 1", len(raised))
	}
	d, _ := events.DataAs[events.AlertRaised](raised[0])
	if d.Key != "intent:complaint" || d.Kind != events.AlertIntent || d.Count != 3 || len(d.Examples) != 3 || d.Examples[0] != "reminder c" {
		t.Fatalf("alert.raised %+v", d)
	}
	list, _, err := f.alerts.List(ctx, f.t, events.AlertOpen, store.PageRequest{})
	if err != nil || len(list) != 1 || list[0].ID != d.AlertID {
		t.Fatalf("open alerts %+v %v", list, err)
	}
}

// pushDouble records pushes.
type pushDouble struct {
	mu   sync.Mutex
	msgs []AlertMessage
}

func (p *pushDouble) NotifyRole(_ context.Context, _ tenant.ID, role auth.Role, msg any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if role == auth.RoleSupervisor {
		p.msgs = append(p.msgs, msg.(AlertMessage))
	}
	return nil
}

// The workflow: open → acknowledged → assigned → resolved, each step with alert.changed and a
// push of the alert as it is; steps out of order are ErrState; the resolution time runs from the
// onset; a resolved key may alert again.
func TestAlertWorkflow(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:04:00Z"))
	ctx := context.Background()
	al, ok, err := f.alerts.Raise(ctx, f.t, Alert{Key: "topic:t1", Kind: events.AlertTopic, Name: "reminder text", Count: 12, Expected: 1, Score: 11, Onset: at("2026-12-07T10:00:00Z")})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, again, err := f.alerts.Raise(ctx, f.t, Alert{Key: "topic:t1", Kind: events.AlertTopic, Onset: at("2026-12-07T10:00:00Z")}); err != nil || again {
		t.Fatalf("second open alert on the key: %v %v", again, err)
	}
	if _, err := f.alerts.Resolve(ctx, f.t, "al-01973540-2c00-7d10-9e21-3f4a5b6c7d8e", "user/u1", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown alert: %v", err)
	}
	f.clk.set(at("2026-12-07T10:06:00Z"))
	if a, err := f.alerts.Acknowledge(ctx, f.t, al.ID, "user/u1"); err != nil || a.State != events.AlertAcknowledged {
		t.Fatal(a.State, err)
	}
	if _, err := f.alerts.Acknowledge(ctx, f.t, al.ID, "user/u1"); err != nil {
		t.Fatalf("acknowledging again: %v", err)
	}
	if a, err := f.alerts.Assign(ctx, f.t, al.ID, "usr_owner", "user/u1"); err != nil || a.State != events.AlertAssigned || a.OwnerID != "usr_owner" {
		t.Fatal(a, err)
	}
	f.clk.set(at("2026-12-07T10:11:00Z"))
	a, err := f.alerts.Resolve(ctx, f.t, al.ID, "user/u2", " text fixed ")
	if err != nil || a.State != events.AlertResolved || a.ResolutionSeconds == nil || *a.ResolutionSeconds != 660 || a.Note != "text fixed" {
		t.Fatalf("resolved %+v %v", a, err)
	}
	for name, step := range map[string]func() error{
		"acknowledge": func() error { _, err := f.alerts.Acknowledge(ctx, f.t, al.ID, "x"); return err },
		"assign":      func() error { _, err := f.alerts.Assign(ctx, f.t, al.ID, "usr_x", "x"); return err },
		"resolve":     func() error { _, err := f.alerts.Resolve(ctx, f.t, al.ID, "x", ""); return err },
	} {
		if err := step(); !errors.Is(err, ErrState) {
			t.Errorf("%s a resolved alert: %v", name, err)
		}
	}
	changed := f.events(t, events.TypeAlertChanged)
	var states []string
	for _, e := range changed {
		d, _ := events.DataAs[events.AlertChanged](e)
		states = append(states, string(d.State))
	}
	if strings.Join(states, ",") != "acknowledged,assigned,resolved" {
		t.Fatalf("alert.changed states %v", states)
	}
	// The push part sends each step's alert to supervisors.
	p := &pushDouble{}
	n := NewNotifier(f.alerts, p, quiet)
	for _, e := range append(f.events(t, events.TypeAlertRaised), changed...) {
		if err := n.Event(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.msgs) != 4 || p.msgs[0].Type != TypeAlert || p.msgs[3].Alert.State != events.AlertResolved {
		t.Fatalf("pushes %+v", p.msgs)
	}
	// Resolved: the key may alert again.
	if _, ok, err := f.alerts.Raise(ctx, f.t, Alert{Key: "topic:t1", Kind: events.AlertTopic, Onset: at("2026-12-07T10:10:00Z")}); err != nil || !ok {
		t.Fatalf("raise after resolve: %v %v", ok, err)
	}
}

// sentimentDouble calls messages with "terrible" negative.
type sentimentDouble struct{}

func (sentimentDouble) Predict(text string) (string, float64) {
	if strings.Contains(text, "terrible") {
		return "negative", -0.9
	}
	return "neutral", 0
}

// topicsDouble knows one topic.
type topicsDouble struct{}

func (topicsDouble) Assign(_ context.Context, _ tenant.ID, text string) (string, string, bool) {
	if strings.Contains(text, "reminder") {
		return "t-reminder", "overdue reminder", true
	}
	return "", "", false
}

// Not-understood messages go to their topic (named by Topics) or are kept as candidates; with a
// sentiment, negative messages count per channel beside the channel's total, and a negative spike
// alerts only when negatives are a large share of the interval.
func TestTopicsAndNegativeShare(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:04:00Z"))
	ctx := context.Background()
	part := NewCounting(f.counts, sentimentDouble{}, topicsDouble{}, quiet)
	b := NewBatch()
	send := func(n int, text string) {
		for range n {
			if err := part.Event(WithBatch(ctx, b), chatEvent(t, f.t, at("2026-12-07T10:02:00Z"), "", text)); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(12, "this reminder is terrible")
	send(2, "something else entirely")
	cands, err := f.counts.Candidates(ctx, f.t, at("2026-12-07T00:00:00Z"), 100)
	if err != nil || len(cands) != 2 {
		t.Fatalf("candidates %v %v", cands, err)
	}
	sp := NewSpikes(f.counts, f.alerts, Simple{}, quiet)
	if err := sp.CheckBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	got := map[string]events.AlertRaised{}
	for _, e := range f.events(t, events.TypeAlertRaised) {
		d, _ := events.DataAs[events.AlertRaised](e)
		got[d.Key] = d
	}
	if d, ok := got["topic:t-reminder"]; !ok || d.Name != "overdue reminder" || d.Count != 12 || len(d.Examples) != 5 {
		t.Fatalf("topic alert %+v", got)
	}
	if _, ok := got["negative:chat"]; !ok || len(got) != 2 {
		t.Fatalf("alerts %v, want the topic's and negative:chat", got)
	}
	// Negatives that are a small share of a busy interval do not alert.
	g := newFixture(t, at("2026-12-07T10:04:00Z"))
	part = NewCounting(g.counts, sentimentDouble{}, nil, quiet)
	b = NewBatch()
	for i := range 60 {
		text := "fine thanks"
		if i < 12 {
			text = "terrible"
		}
		if err := part.Event(WithBatch(ctx, b), chatEvent(t, g.t, at("2026-12-07T10:02:00Z"), "greeting", text)); err != nil {
			t.Fatal(err)
		}
	}
	if al, err := NewSpikes(g.counts, g.alerts, Simple{MinCount: 100}, quiet).Check(ctx, g.t, NegativeKey(events.ChannelChat)); err != nil || al != nil {
		t.Fatalf("negative share 12/60 raised %v %v", al, err)
	}
	if al, err := NewSpikes(g.counts, g.alerts, Simple{}, quiet).Check(ctx, g.t, NegativeKey(events.ChannelChat)); err != nil || al != nil {
		t.Fatalf("negative share 12/60 raised %v %v", al, err)
	}
}

// forecastDouble forecasts n for queue cards.
type forecastDouble float64

func (f forecastDouble) Expected(_ context.Context, _ tenant.ID, queue string, _ time.Time) (float64, bool, error) {
	return float64(f), queue == "cards", nil
}

// A queue's burst that its forecast expected does not alert; one well above the forecast does,
// with the forecast as its expectation.
func TestQueueSpikeHeedsForecast(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:04:00Z"))
	ctx := context.Background()
	part := NewCounting(f.counts, nil, nil, quiet)
	for i := range 15 {
		e, err := events.New(f.t, events.TypeContactQueued, "ct-"+string(rune('a'+i)), "test", events.ContactQueued{Queue: "cards", Channel: events.ChannelChat, Reason: events.QueueHandoff})
		if err != nil {
			t.Fatal(err)
		}
		e.Time = at("2026-12-07T10:02:00Z")
		if err := part.Event(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if al, err := NewSpikes(f.counts, f.alerts, Simple{}, quiet).WithForecasts(forecastDouble(6)).Check(ctx, f.t, QueueKey("cards")); err != nil || al != nil {
		t.Fatalf("15 against a forecast of 6 raised %+v %v", al, err)
	}
	al, err := NewSpikes(f.counts, f.alerts, Simple{}, quiet).WithForecasts(forecastDouble(2)).Check(ctx, f.t, QueueKey("cards"))
	if err != nil || al == nil || al.Expected != 2 {
		t.Fatalf("15 against a forecast of 2: %+v %v", al, err)
	}
}

// RollingForecasts reads the hub's latest rolling forecast of each channel of a queue and gives
// the 5-minute share of the point covering the time asked.
func TestRollingForecasts(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:04:00Z"))
	ctx := context.Background()
	start := at("2026-12-07T10:00:00Z")
	for _, ch := range []string{"chat", "voice"} {
		fc := forecaststore.Forecast{ID: forecaststore.NewID(start) + ch, Queue: "cards", Channel: ch, Product: forecaststore.Rolling, Start: start,
			End: start.Add(time.Hour), Step: "15m", Points: []float64{30, 60, 90, 120}, PublishedAt: start}
		if err := f.db.Tx(ctx, forecaststore.PublishOps(f.t, fc, 0)...); err != nil {
			t.Fatal(err)
		}
	}
	r := RollingForecasts{S: forecaststore.New(f.db)}
	n, ok, err := r.Expected(ctx, f.t, "cards", at("2026-12-07T10:20:00Z"))
	if err != nil || !ok || n != 40 { // 60 per 15 minutes is 20 per 5, on each channel
		t.Fatalf("expected %v %v %v, want 40", n, ok, err)
	}
	if _, ok, err := r.Expected(ctx, f.t, "loans", at("2026-12-07T10:20:00Z")); err != nil || ok {
		t.Fatalf("a queue without a forecast: %v %v", ok, err)
	}
}
