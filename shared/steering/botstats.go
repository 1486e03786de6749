package steering

// botstats.go: the bot's resolution per intent and each queue's handoff intents. The product keeps
// no counter of them (the interval counters count bot_handled and handed_off per channel, not per
// intent), so the engine counts them itself from the tenant's conversations (shared/conversation:
// each ended one has its Intent, Outcome and, when handed off, its Queue), at most once per
// BotStatsEvery and only for tenants with BotFirst enabled, reading at most BotStatsRead of them
// (conversation ids are random, so that is a sample of the 30 days conversations are kept), and
// keeps the counts in one item. Conversations carry their transcripts, so the read is bounded by
// count and frequency; a counter fed by contact.ended (intent, outcome) in the stream's counting
// would be cheaper still.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Bot statistics bounds.
const (
	// BotStatsEvery is how often the counts are made again: the bot's resolution rates move
	// slowly.
	BotStatsEvery = 6 * time.Hour
	// BotStatsRead is the most conversations one count reads.
	BotStatsRead = 500
	// BotStatsWindow is how far back ended conversations count.
	BotStatsWindow = 7 * 24 * time.Hour
	// minIntentConversations is the fewest ended conversations of an intent for its resolution
	// rate to be told to the engine.
	minIntentConversations = 5
)

// convoOutcome is the part of a stored conversation the counts read.
type convoOutcome struct {
	Intent  string         `dynamodbav:"intent"`
	Queue   string         `dynamodbav:"queue"`
	EndedAt *time.Time     `dynamodbav:"ended_at"`
	Outcome events.Outcome `dynamodbav:"outcome"`
}

// botStats returns t's bot statistics, counted again when older than BotStatsEvery.
func (e *Engine) botStats(ctx context.Context, t tenant.ID, now time.Time) (BotStats, error) {
	var cur BotStats
	ver, err := e.db.Get(ctx, t, botStatsKey, &cur)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return BotStats{}, fmt.Errorf("read the bot statistics: %w", err)
	}
	if ver > 0 && now.Sub(cur.At) < BotStatsEvery {
		return cur, nil
	}
	next := BotStats{At: now, Resolved: map[string]int{}, HandedOff: map[string]int{}, QueueHandoffs: map[string]map[string]int{}}
	for rec, err := range store.Records(ctx, e.db, t, conversation.Kind, "", store.PageRequest{Limit: 250}) {
		if err != nil {
			return BotStats{}, fmt.Errorf("count the bot's outcomes: %w", err)
		}
		if next.Read >= BotStatsRead {
			break
		}
		next.Read++
		var c convoOutcome
		if err := rec.Decode(&c); err != nil || c.EndedAt == nil || now.Sub(*c.EndedAt) > BotStatsWindow || c.Intent == "" {
			continue
		}
		switch c.Outcome {
		case events.OutcomeResolvedByBot:
			next.Resolved[c.Intent]++
		case events.OutcomeHandedOff:
			next.HandedOff[c.Intent]++
			if c.Queue != "" {
				if next.QueueHandoffs[c.Queue] == nil {
					next.QueueHandoffs[c.Queue] = map[string]int{}
				}
				next.QueueHandoffs[c.Queue][c.Intent]++
			}
		}
	}
	// Another run may have counted meanwhile: either count will do.
	if _, err := e.db.Put(ctx, t, botStatsKey, next, ver); err != nil && !errors.Is(err, store.ErrConflict) {
		return BotStats{}, fmt.Errorf("keep the bot statistics: %w", err)
	}
	return next, nil
}

// resolution is the share of each intent's ended conversations the bot resolved, for intents
// with enough of them.
func (b BotStats) resolution() map[string]float64 {
	out := map[string]float64{}
	for intent, r := range b.Resolved {
		if n := r + b.HandedOff[intent]; n >= minIntentConversations {
			out[intent] = round2(float64(r) / float64(n))
		}
	}
	for intent, h := range b.HandedOff {
		if _, ok := out[intent]; !ok && h >= minIntentConversations && b.Resolved[intent] == 0 {
			out[intent] = 0
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// handoffs is the share of each intent among queue's handoffs.
func (b BotStats) handoffs(queue string) map[string]float64 {
	per := b.QueueHandoffs[queue]
	total := 0
	for _, n := range per {
		total += n
	}
	if total == 0 {
		return nil
	}
	out := make(map[string]float64, len(per))
	for intent, n := range per {
		out[intent] = round2(float64(n) / float64(total))
	}
	return out
}
