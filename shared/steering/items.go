package steering

import (
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
)

// Store kinds of the engine's items (tenant-partitioned). The state item is overlay.Kind.
const (
	KindSettings   = "dispatch-settings"   // "current": the tenant's strategy.Settings
	KindDecision   = "dispatch-decision"   // strategy.DecisionID: one decision
	KindActivation = "dispatch-activation" // activation id: an ActivationRecord
	KindScores     = "dispatch-scores"     // "current": the tenant's strategy.Scores
	KindOverride   = "dispatch-override"   // override id: a strategy.Override
	KindBotStats   = "dispatch-botstats"   // "current": the bot's resolution per intent (botstats.go)
)

// How long items are kept.
const (
	// DecisionKeep is a decision's TTL from when it was made.
	DecisionKeep = 30 * 24 * time.Hour
	// ActivationKeep is an activation record's TTL from its start.
	ActivationKeep = 90 * 24 * time.Hour
	// OverrideKeep is how long an override is kept after its Until.
	OverrideKeep = 24 * time.Hour
)

var (
	settingsKey = store.Key{Kind: KindSettings, ID: "current"}
	scoresKey   = store.Key{Kind: KindScores, ID: "current"}
	botStatsKey = store.Key{Kind: KindBotStats, ID: "current"}
)

func decisionKey(id string) store.Key   { return store.Key{Kind: KindDecision, ID: id} }
func activationKey(id string) store.Key { return store.Key{Kind: KindActivation, ID: id} }
func overrideKey(id string) store.Key   { return store.Key{Kind: KindOverride, ID: id} }

// ActivationRecord is one activation from its start to its withdrawal and judgement (GET
// /v1/dispatch/activations/{id}).
type ActivationRecord struct {
	strategy.Activation
	// WithdrawnAt is when it was withdrawn (nil while in force); WithdrawReason why.
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
	// Judgement is its latest judgement: at withdrawal, and every JudgeEvery of a long activation
	// (each judges the window since the one before).
	Judgement *strategy.Judgement `json:"judgement,omitempty"`
	// Judgements counts the judgements learnt from.
	Judgements int `json:"judgements"`
	// Start is the queue's counters when the activation started, or when it was last judged: the
	// start of the window the next judgement measures.
	Start Snapshot `json:"-"`
}

// Snapshot is one queue's counters at a moment: what a judgement's observed outcome is measured
// from, and what its counterfactual replays.
type Snapshot struct {
	At  time.Time `json:"at"`
	Day string    `json:"day"` // the wallboard's day the counters are of
	// Today's counters of the queue (wallboard).
	Offered              int `json:"offered"`
	Answered             int `json:"answered"`
	AnsweredInTarget     int `json:"answered_in_target"`
	Abandoned            int `json:"abandoned"`
	AbandonedAfterTarget int `json:"abandoned_after_target"`
	Diverted             int `json:"diverted,omitempty"`
	// Waiting is the contacts waiting on every channel of the queue; Agents those signed in.
	Waiting         int     `json:"waiting"`
	Agents          int     `json:"agents"`
	HandleSeconds   float64 `json:"handle_seconds"`
	PatienceSeconds float64 `json:"patience_seconds"`
	TargetSeconds   int     `json:"target_seconds"`
}

// BotStats is the bot's record per intent over the last days, recounted at most every
// BotStatsEvery from the tenant's conversations (the product keeps no such counter): what
// Observation.BotResolution and HandoffIntents are made of.
type BotStats struct {
	At time.Time `json:"at"`
	// Resolved and HandedOff count ended conversations per intent by outcome.
	Resolved  map[string]int `json:"resolved"`
	HandedOff map[string]int `json:"handed_off"`
	// QueueHandoffs counts handed-off conversations per queue, then intent.
	QueueHandoffs map[string]map[string]int `json:"queue_handoffs"`
	// Read is how many conversations were read.
	Read int `json:"read"`
}
