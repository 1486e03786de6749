package handler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// maxQueues bounds the queues read into a board.
const maxQueues = 1000

// note is an event a board applied, with its contact before and after, for the pushes.
type note struct {
	e             events.Envelope
	before, after contactView
}

// written is what one board write did.
type written struct {
	notes   []note           // the events applied (not those the board had applied already)
	state   *wallboard.State // the board as written (or as read, when nothing changed)
	pushNow bool             // the throttle let this write push the figures
	board   wallboard.Board  // the figures to push, when pushNow
}

// writeDay applies evs (in order) to t's board of day with one versioned write, reading again and
// re-applying after a lost race (at most Config.Attempts writes). With pushable (today's board,
// or a later one), it decides the wallboard push: now if the last one is at least
// Config.Throttle old, else the item is marked pending and the batch's end sends it
// (throttle.go). Nothing is written when every event was applied already.
func (h *Handler) writeDay(ctx context.Context, t tenant.ID, day string, evs []events.Envelope, pushable bool) (written, error) {
	for attempt := 1; ; attempt++ {
		s, it, ver, err := h.load(ctx, t, day)
		if err != nil {
			return written{}, err
		}
		now := h.now()
		h.refreshQueues(ctx, t, s, now)
		w := written{state: s}
		for _, e := range evs {
			before := view(s, e)
			changed, err := s.Apply(e)
			if err != nil {
				h.log.WarnContext(ctx, "live: an event the board cannot read was skipped", "tenant", t.String(), "event_id", e.ID, "err", err)
				continue
			}
			if changed {
				w.notes = append(w.notes, note{e: e, before: before, after: view(s, e)})
			}
		}
		if len(w.notes) == 0 {
			return w, nil
		}
		it.Day, it.UpdatedAt = day, now
		if pushable {
			if now.Sub(it.PushedAt) >= h.cfg.Throttle {
				it.PushedAt, it.Pending = now, false
				w.pushNow, w.board = true, s.Board(now)
			} else {
				it.Pending = true
			}
		}
		if it.State, err = wallboard.Encode(s); err != nil {
			return written{}, err
		}
		_, err = h.db.Put(ctx, t, wallboard.Key(day), it, ver, store.WithTTL(now.Add(wallboard.Keep)))
		if err == nil {
			if pushable && it.Pending {
				heldFrom(ctx).add(t, day)
			}
			return w, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return written{}, fmt.Errorf("write wallboard %s of %s: %w", day, t, err)
		}
		if attempt >= h.cfg.Attempts {
			return written{}, fmt.Errorf("write wallboard %s of %s: %d lost races: %w", day, t, attempt, err)
		}
		h.log.DebugContext(ctx, "live: wallboard write lost a race, reading again", "tenant", t.String(), "day", day, "attempt", attempt)
		if err := h.wait(ctx, jitter(attempt)); err != nil {
			return written{}, err
		}
	}
}

// load reads t's board of day and its item's version: the stored one; before the day's first
// write, the day before's carried over (version 0); with neither, a new one seeded from the floor
// (version 0).
func (h *Handler) load(ctx context.Context, t tenant.ID, day string) (*wallboard.State, wallboard.Item, int64, error) {
	s, it, ver, err := wallboard.Read(ctx, h.db, t, day)
	if err == nil {
		return s, it, ver, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, wallboard.Item{}, 0, err
	}
	prev, err := wallboard.PrevDay(day)
	if err != nil {
		return nil, wallboard.Item{}, 0, err
	}
	p, _, _, err := wallboard.Read(ctx, h.db, t, prev)
	switch {
	case err == nil:
		s, err = p.Rollover(day)
		return s, wallboard.Item{}, 0, err
	case !errors.Is(err, store.ErrNotFound):
		return nil, wallboard.Item{}, 0, err
	}
	if s, err = wallboard.NewState(day, wallboard.Location(t)); err != nil {
		return nil, wallboard.Item{}, 0, err
	}
	h.seed(ctx, t, s)
	return s, wallboard.Item{}, 0, nil
}

// seed fills a tenant's first board with the floor as it stands: agents' statuses, the waiting
// contacts and those agents have. A failed read leaves the board to fill from the events (logged).
func (h *Handler) seed(ctx context.Context, t tenant.ID, s *wallboard.State) {
	if h.floor == nil {
		return
	}
	ps, err := h.floor.Presences(ctx, t)
	if err != nil {
		h.log.WarnContext(ctx, "live: read the floor's agents for a first board failed", "tenant", t.String(), "err", err)
		return
	}
	ws, err := h.floor.Waiting(ctx, t)
	if err != nil {
		h.log.WarnContext(ctx, "live: read the floor's waiting contacts for a first board failed", "tenant", t.String(), "err", err)
		return
	}
	agents := make([]wallboard.SeedAgent, 0, len(ps))
	contacts := make([]wallboard.SeedContact, 0, len(ws))
	for _, c := range ws {
		contacts = append(contacts, wallboard.SeedContact{ID: c.ID, Queue: c.Queue, Channel: c.Channel, Status: wallboard.StatusQueued, EnqueuedAt: c.EnqueuedAt, Changed: c.UpdatedAt})
	}
	for _, p := range ps {
		agents = append(agents, wallboard.SeedAgent{ID: p.UserID, State: events.AgentStatus(p.State), Since: p.Since})
		for _, sl := range p.Slots {
			if len(contacts) >= wallboard.MaxContacts {
				break
			}
			c, _, err := h.floor.Contact(ctx, t, sl.ContactID)
			if err != nil {
				h.log.WarnContext(ctx, "live: read an agent's contact for a first board failed", "tenant", t.String(), "contact", sl.ContactID, "err", err)
				continue
			}
			contacts = append(contacts, wallboard.SeedContact{ID: c.ID, Queue: c.Queue, Channel: c.Channel, Status: string(sl.Status),
				EnqueuedAt: c.EnqueuedAt, AgentID: p.UserID, Changed: sl.Since})
		}
	}
	s.Seed(agents, contacts)
}

// refreshQueues reads t's queues into s when they are older than Config.QueuesEvery. A failed
// read keeps the settings s has (logged): the figures go on with them.
func (h *Handler) refreshQueues(ctx context.Context, t tenant.ID, s *wallboard.State, now time.Time) {
	if now.Sub(s.QueuesAt()) < h.cfg.QueuesEvery {
		return
	}
	qs, _, err := store.QueryAll[floor.Queue](ctx, h.db, t, floor.KindQueue, "", maxQueues)
	if err != nil {
		h.log.WarnContext(ctx, "live: read queues failed, keeping the board's", "tenant", t.String(), "err", err)
		return
	}
	settings := make([]wallboard.QueueSettings, 0, len(qs))
	for _, q := range qs {
		settings = append(settings, wallboard.QueueSettings{ID: q.ID, Name: q.Name, TargetSeconds: q.TargetSeconds, TargetPercent: q.TargetPercent})
	}
	s.SetQueues(settings, now)
}

// jitter is the wait before the next attempt after a lost race: up to 5 ms per attempt so far.
func jitter(attempt int) time.Duration {
	return time.Duration(rand.Int64N(int64(attempt)*int64(5*time.Millisecond) + 1))
}
