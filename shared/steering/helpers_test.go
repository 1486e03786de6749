package steering

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// recorder is the stream: it keeps every event published.
type recorder struct {
	mu  sync.Mutex
	evs []events.Envelope
}

func (r *recorder) Publish(_ context.Context, evs ...events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, evs...)
	return nil
}

// strategies returns the dispatch.strategy events published of tenant t, in order.
func (r *recorder) strategies(tb testing.TB, t tenant.ID) []events.DispatchStrategy {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.DispatchStrategy
	for _, e := range r.evs {
		if e.Type != events.TypeDispatchStrategy || e.Tenant != t.String() {
			continue
		}
		p, err := events.DataAs[events.DispatchStrategy](e)
		if err != nil {
			tb.Fatal(err)
		}
		if e.Source != Source || e.Subject != p.ActivationID {
			tb.Fatalf("event source %q subject %q for activation %s", e.Source, e.Subject, p.ActivationID)
		}
		out = append(out, p)
	}
	return out
}

// pushes records the notifications sent.
type pushes struct {
	mu   sync.Mutex
	sent map[string][]any // "tenant/user" → messages
}

func (p *pushes) NotifyUser(_ context.Context, t tenant.ID, userID string, msg any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sent == nil {
		p.sent = map[string][]any{}
	}
	p.sent[t.String()+"/"+userID] = append(p.sent[t.String()+"/"+userID], msg)
	return nil
}

func (p *pushes) to(t tenant.ID, user string) []any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent[t.String()+"/"+user]
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type fixture struct {
	eng      *Engine
	cfg      Config
	db       *store.Store
	rec      *recorder
	push     *pushes
	clk      *clock
	counters *intervals.Counters
	acme     tenant.ID
	other    tenant.ID
}

// start is the fixture's first minute: a Tuesday morning.
var start = time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)

func newFixture(tb testing.TB, mod func(*Config)) *fixture {
	tb.Helper()
	rec := &recorder{}
	clk := &clock{t: start}
	db := store.New(emulators.NewTable(tb, store.CreateTable)).WithClock(clk.now)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	box := outbox.New(db, rec, log)
	fx := &fixture{db: db, rec: rec, push: &pushes{}, clk: clk, counters: intervals.New(db).WithClock(clk.now)}
	fx.cfg = Config{DB: db, Commit: box, Floor: floor.New(db, box).WithClock(clk.now), Counts: fx.counters,
		Forecasts: forecaststore.New(db), Push: fx.push, Log: log, Now: clk.now}
	if mod != nil {
		mod(&fx.cfg)
	}
	fx.eng = New(fx.cfg)
	var err error
	if fx.acme, err = tenant.Parse("acme"); err != nil {
		tb.Fatal(err)
	}
	if fx.other, err = tenant.Parse("other"); err != nil {
		tb.Fatal(err)
	}
	return fx
}

// floorOf gives t a queue (general: no skills; backup skill "spare") and agents: n voice agents
// available, and one backup agent with only "spare".
func (fx *fixture) floorOf(tb testing.TB, t tenant.ID, n int) {
	tb.Helper()
	ctx := context.Background()
	q := floor.NewDefaultQueue(start)
	q.Skills = []string{"general"}
	q.BackupSkills = []string{"spare"}
	if err := fx.db.Create(ctx, t, floor.QueueKey(q.ID), q); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		fx.presence(tb, t, fmt.Sprintf("agent%d", i), map[string]int{"general": 1}, 1, 0, 1)
	}
	fx.presence(tb, t, "backup", map[string]int{"spare": 1}, 1, 0, 0)
}

// presence writes an available agent with skills and capacities, busy with `busy` calls.
func (fx *fixture) presence(tb testing.TB, t tenant.ID, id string, skills map[string]int, voice, chat, busy int) {
	tb.Helper()
	p := floor.Presence{UserID: id, DisplayName: id, State: floor.AgentAvailable, Since: start.Add(-time.Hour), Skills: skills,
		Capacity: map[events.Channel]int{events.ChannelVoice: voice, events.ChannelChat: chat}, Slots: []floor.Slot{}, IdleSince: start}
	for i := range busy {
		p.Slots = append(p.Slots, floor.Slot{ContactID: fmt.Sprintf("%s-busy%d", id, i), Channel: events.ChannelVoice, Status: floor.StateAssigned, Since: start})
	}
	ver, err := fx.db.Get(context.Background(), t, floor.PresenceKey(id), nil)
	if err != nil && ver != 0 {
		tb.Fatal(err)
	}
	if _, err := fx.db.Put(context.Background(), t, floor.PresenceKey(id), p, ver); err != nil {
		tb.Fatal(err)
	}
}

// board writes t's wallboard day with waiting voice contacts (enqueued a minute before now) and
// the day's counters so far.
func (fx *fixture) board(tb testing.TB, t tenant.ID, waiting int, answered, abandoned int) {
	tb.Helper()
	ctx := context.Background()
	now := fx.clk.now()
	day := wallboard.DayOf(now, time.UTC)
	s, err := wallboard.NewState(day, time.UTC)
	if err != nil {
		tb.Fatal(err)
	}
	s.SetQueues([]wallboard.QueueSettings{{ID: "general", Name: "General", TargetSeconds: 20, TargetPercent: 80}}, now)
	var cs []wallboard.SeedContact
	for i := range waiting {
		cs = append(cs, wallboard.SeedContact{ID: fmt.Sprintf("w%d", i), Queue: "general", Channel: events.ChannelVoice,
			Status: wallboard.StatusQueued, EnqueuedAt: now.Add(-time.Minute), Changed: now})
	}
	s.Seed(nil, cs)
	n := 0
	apply := func(typ string, data any) {
		n++
		ev, err := events.New(t, typ, fmt.Sprintf("c%d", n), "test", data)
		if err != nil {
			tb.Fatal(err)
		}
		ev.Time = now.Add(-time.Duration(n) * time.Second)
		if _, err := s.Apply(ev); err != nil {
			tb.Fatal(err)
		}
	}
	for range answered {
		apply(events.TypeContactAssigned, events.ContactAssigned{AgentID: "agent0", Queue: "general", Channel: events.ChannelVoice, OfferID: "o", WaitMS: 5000})
	}
	for range abandoned {
		apply(events.TypeContactAbandoned, events.ContactAbandoned{Queue: "general", Channel: events.ChannelVoice, WaitMS: 60000, Reason: events.AbandonCustomerLeft})
	}
	b, err := wallboard.Encode(s)
	if err != nil {
		tb.Fatal(err)
	}
	var old wallboard.Item
	ver, err := fx.db.Get(ctx, t, wallboard.Key(day), &old)
	if err != nil && ver != 0 {
		tb.Fatal(err)
	}
	if _, err := fx.db.Put(ctx, t, wallboard.Key(day), wallboard.Item{Day: day, State: b, UpdatedAt: now}, ver); err != nil {
		tb.Fatal(err)
	}
}

// arrivals counts n voice contacts offered to general over the 15 minutes before now.
func (fx *fixture) arrivals(tb testing.TB, t tenant.ID, n int) {
	tb.Helper()
	now := fx.clk.now()
	for i := range n {
		at := now.Add(-time.Duration(i%15+1) * time.Minute)
		if err := fx.counters.Count(context.Background(), t, fmt.Sprintf("arr-%d-%d", now.Unix(), i), "general", events.ChannelVoice, at,
			map[string]int64{intervals.Offered: 1}); err != nil {
			tb.Fatal(err)
		}
	}
}
