package handler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// DefaultPromiseMinutes is the callback promise of a callback strategy whose params name none.
const DefaultPromiseMinutes = 30

// steering is the dispatch engine's strategies in force (shared/steering/overlay) as one decision
// applies them, over the admin's queues, which it never rewrites:
//
//   - overflow: an overflow step at 0 s to Params.OverflowSkills, else Params.OverflowQueue's
//     skills, else the queue's backup skills (none of them: nothing to overflow to, not applied);
//   - callback: the queue keeps its contacts for a callback (Callback) once they waited
//     min(its own maximum wait, Params.CallbackAfterSeconds), with callback_promised_by = now +
//     Params.PromiseMinutes;
//   - move_agents: Params.Agents agents with voice and chat capacity and the queue's skills, the
//     least loaded with chats first, get no new chat offers while voice contacts of the queue wait.
//
// Each strategy applied is a note in the explanation of the offers it touches.
type steering struct {
	now    time.Time
	queues map[string]*queueSteer
	// held are the agents move_agents keeps from new chats, with the note saying why.
	held map[string]string
}

// queueSteer is what the strategies in force do to one queue.
type queueSteer struct {
	overflow *routing.OverflowRule
	callback *floor.WaitRule
	notes    []string
}

// readSteering reads t's strategies in force from the store (steeringOf shares one read).
func (h *Handler) readSteering(ctx context.Context, t tenant.ID) (overlay.State, error) {
	st, _, err := overlay.Read(ctx, h.cfg.DB, t)
	if err != nil {
		return overlay.State{}, fmt.Errorf("read the dispatch strategies of %s: %w", t, err)
	}
	return st, nil
}

// steeringRead is one read of a tenant's overlay, made when first needed (a decision with nobody
// waiting reads none) and kept: for a decision's later rounds, and within a stream batch for every
// event of the tenant and the decision after the batch (steeringReads).
type steeringRead struct {
	mu   sync.Mutex
	st   overlay.State
	done bool
}

// get reads once: callers of the same tenant wait for the one read (as conversation.Models loads a
// model once however many wait); a failed read is tried again by the next caller.
func (r *steeringRead) get(ctx context.Context, h *Handler, t tenant.ID) (overlay.State, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return r.st, nil
	}
	st, err := h.readSteering(ctx, t)
	if err != nil {
		return overlay.State{}, err
	}
	r.st, r.done = st, true
	return st, nil
}

// steeringReadsKey is the context key of a stream batch's steeringReads.
type steeringReadsKey struct{}

// steeringReads are a stream batch's reads of the overlay, one per tenant: the batch's events
// (contact.queued, dispatch.strategy) and the decisions after it share it.
type steeringReads struct {
	mu sync.Mutex
	m  map[tenant.ID]*steeringRead
}

// steeringReadFor is t's read of the overlay: the stream batch's when ctx is inside one, a new
// one otherwise.
func steeringReadFor(ctx context.Context, t tenant.ID) *steeringRead {
	rs, ok := ctx.Value(steeringReadsKey{}).(*steeringReads)
	if !ok {
		return &steeringRead{}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.m == nil {
		rs.m = map[tenant.ID]*steeringRead{}
	}
	r := rs.m[t]
	if r == nil {
		r = &steeringRead{}
		rs.m[t] = r
	}
	return r
}

// steeringOf reads t's strategies in force, once per stream batch.
func (h *Handler) steeringOf(ctx context.Context, t tenant.ID) (overlay.State, error) {
	return steeringReadFor(ctx, t).get(ctx, h, t)
}

// newSteering resolves st's activations in force at now over the tenant's queues.
func newSteering(st overlay.State, now time.Time, queues map[string]floor.Queue) *steering {
	s := &steering{now: now, queues: map[string]*queueSteer{}, held: map[string]string{}}
	for _, a := range st.InForce(now) {
		q, ok := queues[a.Queue]
		if !ok {
			continue
		}
		switch a.Strategy {
		case strategy.Overflow:
			if r, why, ok := overflowRule(a, q, queues); ok {
				qs := s.queue(a.Queue)
				if qs.overflow == nil {
					qs.overflow = &r
					qs.notes = append(qs.notes, fmt.Sprintf("dispatch strategy overflow in force (%s): %s", a.ID, why))
				}
			}
		case strategy.Callback:
			if r, why, ok := callbackRule(a, q, now); ok {
				qs := s.queue(a.Queue)
				if qs.callback == nil {
					qs.callback = &r
					qs.notes = append(qs.notes, fmt.Sprintf("dispatch strategy callback in force (%s): %s", a.ID, why))
				}
			}
		}
	}
	return s
}

func (s *steering) queue(id string) *queueSteer {
	qs := s.queues[id]
	if qs == nil {
		qs = &queueSteer{}
		s.queues[id] = qs
	}
	return qs
}

// overflowRule is the overflow step at 0 s of activation a on queue q.
func overflowRule(a strategy.Activation, q floor.Queue, queues map[string]floor.Queue) (routing.OverflowRule, string, bool) {
	switch {
	case len(a.Params.OverflowSkills) > 0:
		return routing.OverflowRule{Skills: a.Params.OverflowSkills},
			"agents with " + strings.Join(a.Params.OverflowSkills, "+") + " take its contacts at once", true
	case a.Params.OverflowQueue != "":
		if _, ok := queues[a.Params.OverflowQueue]; !ok || a.Params.OverflowQueue == q.ID {
			return routing.OverflowRule{}, "", false
		}
		return routing.OverflowRule{ToQueue: a.Params.OverflowQueue},
			"the agents of queue " + a.Params.OverflowQueue + " take its contacts at once", true
	case len(q.BackupSkills) > 0:
		return routing.OverflowRule{Skills: q.BackupSkills},
			"the backup skills " + strings.Join(q.BackupSkills, "+") + " take its contacts at once", true
	}
	return routing.OverflowRule{}, "", false
}

// callbackRule is the wait rule of queue q under callback activation a: kept for a callback after
// min(its own maximum wait, CallbackAfterSeconds).
func callbackRule(a strategy.Activation, q floor.Queue, now time.Time) (floor.WaitRule, string, bool) {
	after := time.Duration(a.Params.CallbackAfterSeconds) * time.Second
	own := time.Duration(q.MaxWaitSeconds) * time.Second
	if after <= 0 || (own > 0 && own < after) {
		after = own
	}
	if after <= 0 {
		return floor.WaitRule{}, "", false
	}
	promise := time.Duration(cmp.Or(a.Params.PromiseMinutes, DefaultPromiseMinutes)) * time.Minute
	by := now.Add(promise).UTC().Format(time.RFC3339)
	return floor.WaitRule{MaxWait: after, Callback: true, Attributes: map[string]string{floor.AttrCallbackPromisedBy: by}},
		fmt.Sprintf("contacts waiting %s are kept for a callback promised by %s", after, by), true
}

// routing is q as this decision routes it: q.Routing() with the strategies' overflow step and
// maximum wait.
func (s *steering) routing(q floor.Queue) routing.Queue {
	rq := q.Routing()
	qs := s.queues[q.ID]
	if qs == nil {
		return rq
	}
	if qs.overflow != nil {
		rq.Overflow = append([]routing.OverflowRule{*qs.overflow}, rq.Overflow...)
	}
	if qs.callback != nil {
		rq.MaxWait = qs.callback.MaxWait
	}
	return rq
}

// waitRule is the wait rule of q under the strategies (its own when none applies).
func (s *steering) waitRule(q floor.Queue) floor.WaitRule {
	if qs := s.queues[q.ID]; qs != nil && qs.callback != nil {
		return *qs.callback
	}
	return q.WaitRule()
}

// hold applies move_agents: for each activation in force on a queue with voice contacts waiting,
// Params.Agents (at least one) of the agents with voice and chat capacity and the queue's skills,
// the least loaded with chats first, get no new chat offers (their chat capacity is their load).
func (s *steering) hold(st overlay.State, queues map[string]floor.Queue, waiting []floor.Contact, ps []floor.Presence, agents []routing.Agent) {
	for _, a := range st.InForce(s.now) {
		q, ok := queues[a.Queue]
		if a.Strategy != strategy.MoveAgents || !ok {
			continue
		}
		if !slices.ContainsFunc(waiting, func(c floor.Contact) bool { return c.Queue == q.ID && c.Channel == events.ChannelVoice }) {
			continue
		}
		var both []floor.Presence
		for _, p := range ps {
			if p.Capacity[events.ChannelVoice] > 0 && p.Capacity[events.ChannelChat] > 0 && p.HasSkills(q.Skills) {
				both = append(both, p)
			}
		}
		slices.SortFunc(both, func(x, y floor.Presence) int {
			return cmp.Or(cmp.Compare(x.Load(events.ChannelChat), y.Load(events.ChannelChat)), cmp.Compare(x.UserID, y.UserID))
		})
		n := min(max(a.Params.Agents, 1), len(both))
		var names []string
		for _, p := range both[:n] {
			names = append(names, p.UserID)
		}
		note := fmt.Sprintf("dispatch strategy move_agents in force (%s): %s take no new chats while voice contacts of %s wait", a.ID, strings.Join(names, ", "), q.ID)
		for _, id := range names {
			if _, ok := s.held[id]; !ok {
				s.held[id] = note
			}
		}
		if n > 0 {
			qs := s.queue(q.ID)
			qs.notes = append(qs.notes, note)
		}
	}
	for i := range agents {
		if _, ok := s.held[agents[i].ID]; ok {
			agents[i].Capacity[routing.ChannelChat] = min(agents[i].Capacity[routing.ChannelChat], agents[i].Load[routing.ChannelChat])
		}
	}
}

// explain adds to a's explanation the strategies of its queue, and for a chat the agents held
// for voice, so the contact's decision says what steered it.
func (s *steering) explain(a *routing.Assignment) {
	var notes []string
	if qs := s.queues[a.Queue]; qs != nil {
		notes = append(notes, qs.notes...)
	}
	if a.Channel == routing.ChannelChat {
		for _, id := range slices.Sorted(maps.Keys(s.held)) {
			if n := s.held[id]; !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
	}
	if len(notes) > 0 {
		a.Why += "; " + strings.Join(notes, "; ")
	}
}

// applied lists the strategies this decision applies, for its log line.
func (s *steering) applied() []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(s.queues)) {
		out = append(out, s.queues[id].notes...)
	}
	return out
}

// queuesByID indexes qs by id.
func queuesByID(qs []floor.Queue) map[string]floor.Queue {
	m := make(map[string]floor.Queue, len(qs))
	for _, q := range qs {
		m[q.ID] = q
	}
	return m
}

// strategyChanged handles a dispatch.strategy event before the decision it asks for (an overflow
// or move_agents applies at once, a withdrawal gives the agents back): a callback put in force
// gives the contacts waiting in its queue a max-wait timer at its threshold, so each is kept for a
// callback when it reaches it even if no other event comes.
func (h *Handler) strategyChanged(ctx context.Context, t tenant.ID, e events.Envelope) error {
	d, err := events.DataAs[events.DispatchStrategy](e)
	if err != nil {
		return stream.Permanent(err)
	}
	if d.Action == events.StrategyWithdrawn || d.Strategy != strategy.Callback {
		return nil
	}
	st, err := h.steeringOf(ctx, t)
	if err != nil {
		return err
	}
	q, _, err := h.cfg.Floor.Queue(ctx, t, d.Queue)
	if errors.Is(err, floor.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := h.now().UTC()
	steer := newSteering(st, now, map[string]floor.Queue{q.ID: q})
	if qs := steer.queues[q.ID]; qs == nil || qs.callback == nil {
		return nil // not in force (an override kept it off): the queue's own timers stand
	}
	rule := steer.waitRule(q)
	waiting, err := h.cfg.Floor.Waiting(ctx, t)
	if err != nil {
		return err
	}
	for _, c := range waiting {
		due := c.EnqueuedAt.Add(rule.MaxWait)
		if c.Queue != q.ID || c.Attributes[floor.AttrCallbackOffered] == "true" || !due.After(now) {
			continue // past it: the decision keeps it
		}
		if err := h.schedule(ctx, t, Timer{Kind: TimerMaxWait, ContactID: c.ID, Due: due}); err != nil {
			return err
		}
	}
	return nil
}
