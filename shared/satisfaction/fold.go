package satisfaction

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Store kinds of the fold.
const (
	// KindContact is a contact's facts and answers as the fold knows them (id the contact id).
	KindContact = "satisfaction-contact"
	// KindDay is the daily sums of one dimension value: id "<dimension>#<day>#<value>", the day
	// being the UTC day (2006-01-02) of the contact's first answer.
	KindDay = "satisfaction-day"
)

// Limits of the fold.
const (
	// KeepContact is how long a contact's facts are kept after its last event: an answer that
	// comes later than this is counted under what it says alone (its source's channel).
	KeepContact = 90 * 24 * time.Hour
	// maxSeen is how many event ids a contact remembers, for redeliveries.
	maxSeen = 64
	// maxAttempts is how many times an event is applied against a contact others keep changing.
	maxAttempts = 6
)

// Resolutions: who resolved a contact.
const (
	ResolutionBot        = "bot"        // the bot (contact.ended resolved_by_bot, and no agent)
	ResolutionPerson     = "person"     // an agent had it (assigned, or resolved_by_agent)
	ResolutionUnresolved = "unresolved" // it ended with neither (abandoned, or handed off to no one)
)

// contact is the store item of one contact: its facts, its answers, and what the daily sums hold
// for it (so a fact learned after the answer moves its counts, and nothing counts twice).
type contact struct {
	Intent      string `dynamodbav:"intent,omitempty"`
	Queue       string `dynamodbav:"queue,omitempty"`
	Agent       string `dynamodbav:"agent,omitempty"`
	Channel     string `dynamodbav:"channel,omitempty"`
	Source      string `dynamodbav:"source,omitempty"` // the first answer's source
	BotResolved bool   `dynamodbav:"bot_resolved,omitempty"`
	ByAgent     bool   `dynamodbav:"by_agent,omitempty"`
	Ended       bool   `dynamodbav:"ended,omitempty"`
	CSAT        *int   `dynamodbav:"csat,omitempty"`
	NPS         *int   `dynamodbav:"nps,omitempty"`
	// Day is the UTC day of the first answer: the day its counts belong to.
	Day string `dynamodbav:"day,omitempty"`
	// Counted is what the sums hold for the contact: the values and answers last counted.
	Counted counted `dynamodbav:"counted"`
	// Seen are the ids of the events applied, newest last.
	Seen []string `dynamodbav:"seen"`
}

type counted struct {
	Day    string            `dynamodbav:"day,omitempty"`
	Values map[string]string `dynamodbav:"values,omitempty"`
	CSAT   *int              `dynamodbav:"csat,omitempty"`
	NPS    *int              `dynamodbav:"nps,omitempty"`
}

// resolution is who resolved the contact, "" while nobody knows.
func (c *contact) resolution() string {
	switch {
	case c.Agent != "" || c.ByAgent:
		return ResolutionPerson
	case c.BotResolved:
		return ResolutionBot
	case c.Ended:
		return ResolutionUnresolved
	}
	return ""
}

// values are the dimension values known now.
func (c *contact) values() map[string]string {
	ch := c.Channel
	if ch == "" && (c.Source == string(events.FeedbackChat) || c.Source == string(events.FeedbackVoice)) {
		ch = c.Source // a survey's own channel
	}
	out := map[string]string{}
	for d, v := range map[Dimension]string{ByIntent: c.Intent, ByQueue: c.Queue, ByAgent: c.Agent, ByChannel: ch, ByResolution: c.resolution()} {
		if v != "" {
			out[string(d)] = v
		}
	}
	return out
}

// Fields of a daily sums item.
const (
	fieldCSATN   = "csat_n"
	fieldCSATSum = "csat_sum"
	fieldCSATTop = "csat_top" // answers of 4 or 5
	fieldNPSN    = "nps_n"
	fieldNPSPro  = "nps_pro" // 9 or 10
	fieldNPSDet  = "nps_det" // 0 to 6
)

// dayID is the id of the daily sums of dimension d's value v on day.
func dayID(d, day, v string) string { return d + "#" + day + "#" + v }

// contribution is what one contact adds to the daily sums: per item id, per field.
func contribution(day string, values map[string]string, csat, nps *int) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	if day == "" || csat == nil && nps == nil {
		return out
	}
	for d, v := range values {
		f := map[string]int64{}
		if csat != nil {
			f[fieldCSATN], f[fieldCSATSum] = 1, int64(*csat)
			if *csat >= 4 {
				f[fieldCSATTop] = 1
			}
		}
		if nps != nil {
			f[fieldNPSN] = 1
			switch {
			case *nps >= 9:
				f[fieldNPSPro] = 1
			case *nps <= 6:
				f[fieldNPSDet] = 1
			}
		}
		out[dayID(d, day, v)] = f
	}
	return out
}

// Fold keeps the satisfaction figures from the stream: a part of the feedback function. It joins
// feedback.submitted with the facts of its contact from contact.created, contact.queued,
// contact.assigned, contact.transferred, contact.abandoned and contact.ended, whichever comes
// first, and keeps the daily sums per dimension value that Figures reads. Every event is applied
// once (its id is remembered with the contact's facts, in the same conditional write as its
// counts); events of other types are ignored.
type Fold struct {
	db  *store.Store
	now func() time.Time
}

// The feedback function's parts have this shape (functions/feedback declares it).
var _ interface {
	Event(ctx context.Context, env events.Envelope) error
} = (*Fold)(nil)

// NewFold returns the fold over db; now is the clock (time.Now when nil), which sets the TTL of
// the contacts' facts.
func NewFold(db *store.Store, now func() time.Time) *Fold {
	if now == nil {
		now = time.Now
	}
	return &Fold{db: db, now: now}
}

// apply is an event's change to a contact.
type apply func(c *contact)

// change reads env into the change it makes; nil for events the fold ignores. A payload that does
// not decode is an error.
func change(env events.Envelope) (apply, error) {
	switch env.Type {
	case events.TypeFeedbackSubmitted:
		p, err := events.DataAs[events.FeedbackSubmitted](env)
		if err != nil {
			return nil, err
		}
		day := env.Time.UTC().Format(time.DateOnly)
		return func(c *contact) {
			if c.Day == "" {
				c.Day, c.Source = day, string(p.Source)
			}
			if p.CSAT != nil {
				c.CSAT = p.CSAT
			}
			if p.NPS != nil {
				c.NPS = p.NPS
			}
		}, nil
	case events.TypeContactCreated:
		p, err := events.DataAs[events.ContactCreated](env)
		if err != nil {
			return nil, err
		}
		return func(c *contact) {
			c.Channel, c.Queue = string(p.Channel), p.Queue
			if p.Intent != "" {
				c.Intent = p.Intent
			}
		}, nil
	case events.TypeContactQueued:
		p, err := events.DataAs[events.ContactQueued](env)
		if err != nil {
			return nil, err
		}
		return func(c *contact) { c.Channel, c.Queue = string(p.Channel), p.Queue }, nil
	case events.TypeContactAssigned:
		p, err := events.DataAs[events.ContactAssigned](env)
		if err != nil {
			return nil, err
		}
		return func(c *contact) { c.Channel, c.Queue, c.Agent = string(p.Channel), p.Queue, p.AgentID }, nil
	case events.TypeContactTransferred:
		p, err := events.DataAs[events.ContactTransferred](env)
		if err != nil {
			return nil, err
		}
		return func(c *contact) {
			c.Queue = p.ToQueue
			if p.ToAgent != "" {
				c.Agent = p.ToAgent
			}
		}, nil
	case events.TypeContactAbandoned:
		p, err := events.DataAs[events.ContactAbandoned](env)
		if err != nil {
			return nil, err
		}
		return func(c *contact) { c.Channel, c.Queue, c.Ended = string(p.Channel), p.Queue, true }, nil
	case events.TypeContactEnded:
		p, err := events.DataAs[events.ContactEnded](env)
		if err != nil {
			return nil, err
		}
		return func(c *contact) {
			c.Channel, c.Ended = string(p.Channel), true
			if p.Intent != "" {
				c.Intent = p.Intent
			}
			if p.AgentID != "" {
				c.Agent = p.AgentID
			}
			switch p.Outcome {
			case events.OutcomeResolvedByBot:
				c.BotResolved = true
			case events.OutcomeResolvedByAgent:
				c.ByAgent = true
			}
		}, nil
	}
	return nil, nil
}

// Event applies one event of the stream: idempotent per event id, safe to call concurrently for
// events of one contact (a write that lost a race reads again and tries again).
func (f *Fold) Event(ctx context.Context, env events.Envelope) error {
	ch, err := change(env)
	if err != nil {
		return fmt.Errorf("satisfaction: event %s (%s): %w", env.ID, env.Type, err)
	}
	if ch == nil {
		return nil
	}
	t, err := env.TenantID()
	if err != nil {
		return fmt.Errorf("satisfaction: event %s: %w", env.ID, err)
	}
	for attempt := range maxAttempts {
		if attempt > 0 {
			if err := wait(ctx, attempt); err != nil {
				return err
			}
		}
		err = f.apply(ctx, t, env, ch)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("satisfaction: event %s: contact %s kept changing: %w", env.ID, env.Subject, err)
}

// apply reads the contact, applies the change and writes it with the sums' deltas in one
// conditional transaction.
func (f *Fold) apply(ctx context.Context, t tenant.ID, env events.Envelope, ch apply) error {
	k := store.Key{Kind: KindContact, ID: env.Subject}
	var c contact
	ver, err := f.db.Get(ctx, t, k, &c)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("satisfaction: read contact %s: %w", env.Subject, err)
	}
	if slices.Contains(c.Seen, env.ID) {
		return nil // applied already
	}
	ch(&c)
	c.Seen = append(c.Seen, env.ID)
	if n := len(c.Seen) - maxSeen; n > 0 {
		c.Seen = slices.Clone(c.Seen[n:])
	}
	values := c.values()
	before := contribution(c.Counted.Day, c.Counted.Values, c.Counted.CSAT, c.Counted.NPS)
	after := contribution(c.Day, values, c.CSAT, c.NPS)
	if c.CSAT != nil || c.NPS != nil {
		c.Counted = counted{Day: c.Day, Values: values, CSAT: c.CSAT, NPS: c.NPS}
	}
	ops := []store.Op{store.PutOp(t, k, c, ver, store.WithTTL(f.now().Add(KeepContact)))}
	for _, id := range slices.Sorted(maps.Keys(union(before, after))) {
		deltas := map[string]int64{}
		for _, field := range []string{fieldCSATN, fieldCSATSum, fieldCSATTop, fieldNPSN, fieldNPSPro, fieldNPSDet} {
			if d := after[id][field] - before[id][field]; d != 0 {
				deltas[field] = d
			}
		}
		if len(deltas) > 0 {
			ops = append(ops, store.IncrOp(t, store.Key{Kind: KindDay, ID: id}, deltas))
		}
	}
	if err := f.db.Tx(ctx, ops...); err != nil {
		return fmt.Errorf("satisfaction: apply %s to contact %s: %w", env.ID, env.Subject, err)
	}
	return nil
}

func union(a, b map[string]map[string]int64) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// wait waits a random moment below 10 ms·2^attempt before a write that lost a race runs again.
func wait(ctx context.Context, attempt int) error {
	tm := time.NewTimer(time.Duration(rand.Int64N(int64(10*time.Millisecond) << attempt)))
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
