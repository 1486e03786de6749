package handler

// count.go: the stream consumer's counting part. Every contact event adds to the tenant's
// 5-minute interval counters (shared/intervals), exactly once per event. Which event feeds which
// counter:
//
// Per queue (the queue named in the event):
//   - offered: contact.queued with reason handoff, api or transfer — a contact's first queueing in
//     that queue (a requeue after a decline, an offer timeout or an agent going offline is not
//     offered again);
//   - handed_off: contact.created (the bot, a flow, a policy or a partner handed the contact to
//     the queue);
//   - answered: contact.assigned;
//   - abandoned: contact.abandoned.
//
// Per channel, in the queue intervals.AllQueues ("_all", every contact, bot ones included):
//   - offered: every contact once, in the interval of its start: the bot's part of it ending
//     (contact.ended with outcome resolved_by_bot, handed_off or abandoned, counted at the event's
//     time minus its duration), or, for a contact a partner queued through the API without a bot,
//     contact.queued with reason api;
//   - bot_handled, handed_off, abandoned: contact.ended with that outcome (resolved_by_bot,
//     handed_off, abandoned), also at the contact's start, so their ratio to offered is per
//     interval of arrival;
//   - handle_seconds: contact.ended with an agent_id (the agent's wrap-up), its duration in whole
//     seconds, in the interval it ended. contact.ended names no queue, so handle time is per
//     channel only; the duration runs from the contact's queueing to its wrap-up.
//
// Other event types are ignored. A payload that does not decode is a permanent error
// (stream.Permanent): retrying cannot fix it.

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/stream"
)

// Counter turns contact events into interval counts.
type Counter struct {
	c   *intervals.Counters
	log *slog.Logger
}

// NewCounter returns a Counter adding to c.
func NewCounter(c *intervals.Counters, log *slog.Logger) *Counter {
	return &Counter{c: c, log: log}
}

// CountedTypes are the event types Event counts; it ignores the others.
var CountedTypes = []string{
	events.TypeContactQueued, events.TypeContactCreated, events.TypeContactAssigned,
	events.TypeContactAbandoned, events.TypeContactEnded,
}

// count is one Count call an event makes.
type count struct {
	queue  string
	ch     events.Channel
	at     time.Time
	deltas map[string]int64
}

// Event counts env, once however often it is delivered. Unknown types are ignored; a payload that
// does not decode is stream.Permanent.
func (k *Counter) Event(ctx context.Context, env events.Envelope) error {
	counts, err := countsOf(env)
	if err != nil {
		return stream.Permanent(fmt.Errorf("count %s %s: %w", env.Type, env.ID, err))
	}
	if len(counts) == 0 {
		return nil
	}
	t, err := env.TenantID()
	if err != nil {
		return stream.Permanent(fmt.Errorf("count %s %s: %w", env.Type, env.ID, err))
	}
	for _, c := range counts {
		if err := k.c.Count(ctx, t, env.ID, c.queue, c.ch, c.at, c.deltas); err != nil {
			return fmt.Errorf("count %s %s: %w", env.Type, env.ID, err)
		}
	}
	k.log.DebugContext(ctx, "counted", "tenant", env.Tenant, "event_id", env.ID, "type", env.Type, "series", len(counts))
	return nil
}

// countsOf maps an event to the counts it makes (count.go's table).
func countsOf(env events.Envelope) ([]count, error) {
	one := func(name string) map[string]int64 { return map[string]int64{name: 1} }
	switch env.Type {
	case events.TypeContactQueued:
		d, err := events.DataAs[events.ContactQueued](env)
		if err != nil {
			return nil, err
		}
		switch d.Reason {
		case events.QueueHandoff, events.QueueTransfer:
			return []count{{d.Queue, d.Channel, env.Time, one(intervals.Offered)}}, nil
		case events.QueueAPI:
			return []count{
				{d.Queue, d.Channel, env.Time, one(intervals.Offered)},
				{intervals.AllQueues, d.Channel, env.Time, one(intervals.Offered)},
			}, nil
		}
		return nil, nil
	case events.TypeContactCreated:
		d, err := events.DataAs[events.ContactCreated](env)
		if err != nil {
			return nil, err
		}
		return []count{{d.Queue, d.Channel, env.Time, one(intervals.HandedOff)}}, nil
	case events.TypeContactAssigned:
		d, err := events.DataAs[events.ContactAssigned](env)
		if err != nil {
			return nil, err
		}
		return []count{{d.Queue, d.Channel, env.Time, one(intervals.Answered)}}, nil
	case events.TypeContactAbandoned:
		d, err := events.DataAs[events.ContactAbandoned](env)
		if err != nil {
			return nil, err
		}
		return []count{{d.Queue, d.Channel, env.Time, one(intervals.Abandoned)}}, nil
	case events.TypeContactEnded:
		d, err := events.DataAs[events.ContactEnded](env)
		if err != nil {
			return nil, err
		}
		if d.AgentID != "" {
			secs := (d.DurationMS + 500) / 1000
			if secs == 0 {
				return nil, nil
			}
			return []count{{intervals.AllQueues, d.Channel, env.Time, map[string]int64{intervals.HandleSeconds: secs}}}, nil
		}
		start := env.Time.Add(-time.Duration(d.DurationMS) * time.Millisecond)
		deltas := one(intervals.Offered)
		switch d.Outcome {
		case events.OutcomeResolvedByBot:
			deltas[intervals.BotHandled] = 1
		case events.OutcomeHandedOff:
			deltas[intervals.HandedOff] = 1
		case events.OutcomeAbandoned:
			deltas[intervals.Abandoned] = 1
		default:
			return nil, nil
		}
		return []count{{intervals.AllQueues, d.Channel, start, deltas}}, nil
	}
	return nil, nil
}
