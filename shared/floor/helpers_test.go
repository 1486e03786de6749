package floor

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
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

// of returns the events of typ (all types when typ is ""), of subject when it is not "".
func (r *recorder) of(typ, subject string) []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Envelope
	for _, e := range r.evs {
		if (typ == "" || e.Type == typ) && (subject == "" || e.Subject == subject) {
			out = append(out, e)
		}
	}
	return out
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	f   *Floor
	db  *store.Store
	rec *recorder
	clk *clock
	t   tenant.ID
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	db := store.New(emulators.NewTable(tb, store.CreateTable))
	rec := &recorder{}
	box := outbox.New(db, rec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	clk := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	acme, err := tenant.Parse("acme")
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{f: New(db, box).WithClock(clk.now), db: db, rec: rec, clk: clk, t: acme}
}

// user creates an agent with skills and chat capacity.
func (fx *fixture) user(tb testing.TB, id string, chat int, skills map[string]int) {
	tb.Helper()
	u := users.User{ID: id, Username: id, DisplayName: "Agent " + id, Role: users.RoleAgent, Capacity: users.Capacity{Voice: 1, Chat: chat}}
	for s, p := range skills {
		u.Skills = append(u.Skills, users.Skill{Name: s, Proficiency: p})
	}
	if err := fx.db.Create(context.Background(), fx.t, users.Key(id), u); err != nil {
		tb.Fatal(err)
	}
}

func (fx *fixture) queue(tb testing.TB, q Queue) {
	tb.Helper()
	if err := fx.db.Create(context.Background(), fx.t, QueueKey(q.ID), q); err != nil {
		tb.Fatal(err)
	}
}

func (fx *fixture) available(tb testing.TB, ids ...string) {
	tb.Helper()
	for _, id := range ids {
		if _, err := fx.f.SetState(context.Background(), fx.t, id, AgentAvailable, "self", "user/"+id); err != nil {
			tb.Fatal(err)
		}
	}
}

func (fx *fixture) enqueue(tb testing.TB, id string, ch events.Channel, queue string) Contact {
	tb.Helper()
	c, created, err := fx.f.Enqueue(context.Background(), fx.t, Contact{ID: id, Channel: ch, Queue: queue, Reason: events.ReasonCustomerRequest}, "handoff")
	if err != nil || !created {
		tb.Fatalf("enqueue %s: created %v, %v", id, created, err)
	}
	return c
}

// decide is the dispatcher's loop body: snapshot, Decide at now, and the plan's assignments.
func (fx *fixture) decide(tb testing.TB, now time.Time) []routing.Assignment {
	tb.Helper()
	qs, cs, as, err := fx.f.Snapshot(context.Background(), fx.t)
	if err != nil {
		tb.Fatal(err)
	}
	return routing.Decide(now, QueueMap(qs), cs, as).Assignments
}

// offerOne decides and makes the single expected offer.
func (fx *fixture) offerOne(tb testing.TB, wantContact, wantAgent string) Offer {
	tb.Helper()
	as := fx.decide(tb, fx.clk.now())
	if len(as) != 1 || as[0].ContactID != wantContact || as[0].AgentID != wantAgent {
		tb.Fatalf("assignments %+v, want %s -> %s", as, wantContact, wantAgent)
	}
	o, err := fx.f.Offer(context.Background(), fx.t, as[0], DecisionOf(fx.clk.now(), as[0]), 20*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	return o
}

func types(evs []events.Envelope) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}
