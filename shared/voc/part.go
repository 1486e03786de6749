package voc

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Sentiment labels a customer message; shared/sentiment's model plugs in through an adapter.
// Label is "negative", "neutral" or "positive".
type Sentiment interface {
	Predict(text string) (label string, score float64)
}

// TenantSentiment is a Sentiment that reads each tenant with its own model (shared/sentiment's
// per-tenant models, docs/sentiment.md); Counting asks PredictFor when its Sentiment has it.
type TenantSentiment interface {
	PredictFor(ctx context.Context, t tenant.ID, text string) (label string, score float64)
}

// predict asks s for t's label of text: per tenant when s can.
func predict(ctx context.Context, s Sentiment, t tenant.ID, text string) (string, float64) {
	if ts, ok := s.(TenantSentiment); ok {
		return ts.PredictFor(ctx, t, text)
	}
	return s.Predict(text)
}

// Topics assigns a not-understood message to a known topic of the tenant; shared/topics'
// tracker plugs in through an adapter. ok is false when no known topic is near enough.
type Topics interface {
	Assign(ctx context.Context, t tenant.ID, text string) (id, name string, ok bool)
}

// Batch collects the keys a stream batch counted, per tenant, for the spike checks after it.
// Safe for concurrent use.
type Batch struct {
	mu   sync.Mutex
	keys map[tenant.ID]map[string]bool
}

// NewBatch returns an empty batch.
func NewBatch() *Batch { return &Batch{keys: map[tenant.ID]map[string]bool{}} }

func (b *Batch) add(t tenant.ID, keys ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.keys[t] == nil {
		b.keys[t] = map[string]bool{}
	}
	for _, k := range keys {
		if !isTally(k) {
			b.keys[t][k] = true
		}
	}
}

// Keys returns the keys touched, per tenant.
func (b *Batch) Keys() map[tenant.ID][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[tenant.ID][]string, len(b.keys))
	for t, ks := range b.keys {
		for k := range ks {
			out[t] = append(out[t], k)
		}
	}
	return out
}

type batchKey struct{}

// WithBatch returns ctx carrying b: Counting.Event adds the keys it counts to it.
func WithBatch(ctx context.Context, b *Batch) context.Context {
	return context.WithValue(ctx, batchKey{}, b)
}

func batchOf(ctx context.Context) *Batch {
	b, _ := ctx.Value(batchKey{}).(*Batch)
	return b
}

// Counting is the feedback function's counting part: each event adds to its keys' intervals,
// exactly once per event. Which events count:
//   - chat.message of role customer (chat, and the voice bot's turns with channel voice):
//     "intent:<intent>" when the NLU classified it, otherwise "topic:<id>" when Topics assigns it
//     to a known topic (else it is kept as a candidate for the next clustering); with a
//     Sentiment, "total:<channel>" and, when negative, "negative:<channel>". The message is kept
//     as an example of its intent or topic.
//   - contact.queued with reason handoff, api or transfer (a contact's first queueing there):
//     "queue:<queue>".
//   - business.event: "business:all" (BusinessKey), at the time Lingxi received it; the weekly
//     report's transactions where the tenant imports none.
//
// call.utterance carries no intent; the voice bot's turns of the same call come as chat.message
// with channel voice, so utterances are not counted again. Other types are ignored; a payload
// that does not decode is stream.Permanent.
type Counting struct {
	counts    *Counters
	sentiment Sentiment // nil: no negative keys
	topics    Topics    // nil: not-understood messages are only kept as candidates
	log       *slog.Logger
}

// NewCounting returns the counting part; s and tp may be nil.
func NewCounting(c *Counters, s Sentiment, tp Topics, log *slog.Logger) *Counting {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Counting{counts: c, sentiment: s, topics: tp, log: log}
}

// CountedTypes are the event types Counting counts.
var CountedTypes = []string{events.TypeChatMessage, events.TypeContactQueued, events.TypeBusinessEvent}

// Event counts env once however often it is delivered.
func (k *Counting) Event(ctx context.Context, env events.Envelope) error {
	t, err := env.TenantID()
	if err != nil {
		return stream.Permanent(fmt.Errorf("count %s %s: %w", env.Type, env.ID, err))
	}
	c, err := k.countOf(ctx, t, env)
	if err != nil {
		return stream.Permanent(fmt.Errorf("count %s %s: %w", env.Type, env.ID, err))
	}
	if c.candidate != nil {
		if err := k.counts.AddCandidate(ctx, t, *c.candidate); err != nil {
			return err
		}
	}
	if len(c.keys) == 0 {
		return nil
	}
	counted, err := k.counts.Add(ctx, t, env.ID, env.Time, c.keys, c.example)
	if err != nil {
		return err
	}
	if b := batchOf(ctx); b != nil {
		b.add(t, c.keys...)
	}
	k.log.DebugContext(ctx, "voc: counted", "tenant", env.Tenant, "event_id", env.ID, "keys", len(c.keys), "first_time", counted)
	return nil
}

// counted is what one event adds: its keys, the example kept for its intent or topic, or the
// candidate kept for the clustering.
type counted struct {
	keys      []string
	example   *Example
	candidate *Candidate
}

// countOf maps an event to what it counts (Counting's table); an error is a payload that cannot
// be counted (it does not decode, or names a key breaking CheckKey).
func (k *Counting) countOf(ctx context.Context, t tenant.ID, env events.Envelope) (counted, error) {
	var c counted
	switch env.Type {
	case events.TypeBusinessEvent:
		if _, err := events.DataAs[events.BusinessEvent](env); err != nil {
			return c, err
		}
		c.keys = append(c.keys, BusinessKey)
	case events.TypeContactQueued:
		d, err := events.DataAs[events.ContactQueued](env)
		if err != nil {
			return c, err
		}
		switch d.Reason {
		case events.QueueHandoff, events.QueueAPI, events.QueueTransfer:
			c.keys = append(c.keys, QueueKey(d.Queue))
		}
	case events.TypeChatMessage:
		d, err := events.DataAs[events.ChatMessage](env)
		if err != nil {
			return c, err
		}
		if d.Role != events.RoleCustomer {
			return c, nil
		}
		assigned := false
		switch {
		case d.Intent != "":
			c.keys = append(c.keys, IntentKey(d.Intent))
			c.example = &Example{Key: IntentKey(d.Intent), Name: d.Intent, Text: d.Text, At: env.Time}
			assigned = true
		case k.topics != nil:
			if id, name, ok := k.topics.Assign(ctx, t, d.Text); ok && CheckKey(TopicKey(id)) == nil {
				c.keys = append(c.keys, TopicKey(id))
				c.example = &Example{Key: TopicKey(id), Name: name, Text: d.Text, At: env.Time}
				assigned = true
			}
		}
		if !assigned {
			c.candidate = &Candidate{ID: env.ID, Text: d.Text, At: env.Time}
		}
		if k.sentiment != nil {
			c.keys = append(c.keys, TotalKey(d.Channel))
			if label, _ := predict(ctx, k.sentiment, t, d.Text); label == "negative" {
				c.keys = append(c.keys, NegativeKey(d.Channel))
			}
		}
	}
	// A name the counters cannot key (an intent or queue with a separator or an unprintable
	// space) is not counted; the event's other keys are, and the other parts still see it.
	keys := c.keys[:0]
	for _, key := range c.keys {
		if err := CheckKey(key); err != nil {
			k.log.WarnContext(ctx, "voc: a key not counted", "event", env.ID, "type", env.Type, "err", err)
			if c.example != nil && c.example.Key == key {
				c.example = nil
			}
			continue
		}
		keys = append(keys, key)
	}
	c.keys = keys
	return c, nil
}
