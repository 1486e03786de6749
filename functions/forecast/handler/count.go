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
//   - offered: every contact once, in the interval it arrives, counted by its first event that
//     every contact of its kind has, so a contact still with the bot is in the latest slots
//     (the open one the rolling update reads) rather than only once the bot is done with it:
//     call.started (inbound) for a call, the first chat.message of role customer for a chat (and
//     for a call whose call.started was not seen), contact.queued with reason api for a contact a
//     partner queued through the API without a bot. All three count under one key per contact
//     ("contact-start:" + the conversation's or contact's id; a call's conversation id is
//     conversation.VoiceConversationID of its call id), so whichever comes first counts it and
//     the others add nothing. A chat whose customer never writes is not offered;
//   - bot_handled, handed_off, abandoned: contact.ended with that outcome (resolved_by_bot,
//     handed_off, abandoned), in the interval the bot's part ended (the event's time);
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
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Counter turns contact events into interval counts.
type Counter struct {
	c   *intervals.Counters
	log *slog.Logger

	mu      sync.Mutex
	started map[string]bool // tenant + start key of the contacts this process counted (startsKept at most)
}

// startsKept bounds Counter.started; when full it starts afresh (a miss only costs the
// transaction whose marker refuses the second count).
const startsKept = 4096

// NewCounter returns a Counter adding to c.
func NewCounter(c *intervals.Counters, log *slog.Logger) *Counter {
	return &Counter{c: c, log: log, started: map[string]bool{}}
}

// counted reports whether this process already counted a contact's start; a contact's every
// customer message after its first would otherwise cost a transaction refused by its marker, on
// the tenant's busiest counter item.
func (k *Counter) counted(t tenant.ID, key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.started[t.String()+"/"+key]
}

func (k *Counter) keepStarted(t tenant.ID, key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.started) >= startsKept {
		clear(k.started)
	}
	k.started[t.String()+"/"+key] = true
}

// CountedTypes are the event types Event counts; it ignores the others.
var CountedTypes = []string{
	events.TypeContactQueued, events.TypeContactCreated, events.TypeContactAssigned,
	events.TypeContactAbandoned, events.TypeContactEnded, events.TypeCallStarted, events.TypeChatMessage,
}

// count is one Count call an event makes.
type count struct {
	key    string // counted once per key; "" = the event's id
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
		key := c.key
		if key == "" {
			key = env.ID
		}
		if c.key != "" && k.counted(t, key) {
			continue
		}
		if err := k.c.Count(ctx, t, key, c.queue, c.ch, c.at, c.deltas); err != nil {
			return fmt.Errorf("count %s %s: %w", env.Type, env.ID, err)
		}
		if c.key != "" {
			k.keepStarted(t, key)
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
			return []count{{"", d.Queue, d.Channel, env.Time, one(intervals.Offered)}}, nil
		case events.QueueAPI:
			return []count{
				{"", d.Queue, d.Channel, env.Time, one(intervals.Offered)},
				{startKey(env.Subject), intervals.AllQueues, d.Channel, env.Time, one(intervals.Offered)},
			}, nil
		}
		return nil, nil
	case events.TypeContactCreated:
		d, err := events.DataAs[events.ContactCreated](env)
		if err != nil {
			return nil, err
		}
		return []count{{"", d.Queue, d.Channel, env.Time, one(intervals.HandedOff)}}, nil
	case events.TypeContactAssigned:
		d, err := events.DataAs[events.ContactAssigned](env)
		if err != nil {
			return nil, err
		}
		return []count{{"", d.Queue, d.Channel, env.Time, one(intervals.Answered)}}, nil
	case events.TypeContactAbandoned:
		d, err := events.DataAs[events.ContactAbandoned](env)
		if err != nil {
			return nil, err
		}
		return []count{{"", d.Queue, d.Channel, env.Time, one(intervals.Abandoned)}}, nil
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
			return []count{{"", intervals.AllQueues, d.Channel, env.Time, map[string]int64{intervals.HandleSeconds: secs}}}, nil
		}
		var name string
		switch d.Outcome {
		case events.OutcomeResolvedByBot:
			name = intervals.BotHandled
		case events.OutcomeHandedOff:
			name = intervals.HandedOff
		case events.OutcomeAbandoned:
			name = intervals.Abandoned
		default:
			return nil, nil
		}
		return []count{{"", intervals.AllQueues, d.Channel, env.Time, one(name)}}, nil
	case events.TypeCallStarted:
		d, err := events.DataAs[events.CallStarted](env)
		if err != nil {
			return nil, err
		}
		if d.Direction != events.DirectionInbound {
			return nil, nil
		}
		return []count{{startKey(conversation.VoiceConversationID(d.CallID)), intervals.AllQueues, events.ChannelVoice, env.Time, one(intervals.Offered)}}, nil
	case events.TypeChatMessage:
		d, err := events.DataAs[events.ChatMessage](env)
		if err != nil {
			return nil, err
		}
		if d.Role != events.RoleCustomer {
			return nil, nil
		}
		return []count{{startKey(d.ConversationID), intervals.AllQueues, d.Channel, env.Time, one(intervals.Offered)}}, nil
	}
	return nil, nil
}

// startKey is the key a contact's arrival is counted under in AllQueues' offered: one per
// contact, whichever of its first events comes first.
func startKey(contact string) string { return "contact-start:" + contact }
