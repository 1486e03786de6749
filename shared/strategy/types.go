package strategy

import (
	"time"

	"github.com/lingxi/lingxi/events"
)

// Kind is one strategy of the catalog (events' names).
type Kind = events.StrategyKind

// The catalog's strategies.
const (
	Divert        = events.StrategyDivert
	BotFirst      = events.StrategyBotFirst
	Callback      = events.StrategyCallback
	Overflow      = events.StrategyOverflow
	AnnounceWait  = events.StrategyAnnounceWait
	PauseOutbound = events.StrategyPauseOutbound
	MoveAgents    = events.StrategyMoveAgents
	CallIn        = events.StrategyCallIn
)

// Source says who decided an activation (events').
type Source = events.StrategySource

// Sources.
const (
	ByEngine   = events.StrategyByEngine
	ByOverride = events.StrategyByOverride
)

// Channel names (events').
const (
	Voice = string(events.ChannelVoice)
	Chat  = string(events.ChannelChat)
)

// Observation is what the engine is told about one queue at one minute: gathered from the store by
// shared/steering (the wallboard's figures, the interval counters, the rolling forecast) or made
// up by shared/sim from its simulated floor. It carries no decision.
type Observation struct {
	Queue string `json:"queue"`
	// TargetSeconds and TargetPercent are the queue's service level (e.g. 80% within 20 s).
	TargetSeconds int `json:"target_seconds"`
	TargetPercent int `json:"target_percent"`
	// Channels are the queue's figures per channel (voice, chat): only channels with contacts,
	// agents or a forecast are listed.
	Channels []ChannelView `json:"channels"`
	// BackupAgents is how many agents are available now with the queue's backup skills (or its
	// overflow queues' skills) but not its own: what Overflow can add.
	BackupAgents int `json:"backup_agents"`
	// MovableAgents is how many agents are signed in with capacity on both voice and chat and
	// busy with or available for chats only: what MoveAgents can move to voice.
	MovableAgents int `json:"movable_agents"`
	// OutboundAgents is how many agents are on outbound campaigns now (0 until the product has
	// outbound campaigns): what PauseOutbound can free.
	OutboundAgents int `json:"outbound_agents"`
	// OnCall is how many on-call staff the tenant can call in (its settings' list).
	OnCall int `json:"on_call"`
	// BotResolution is, per intent, the share of the bot's conversations of that intent resolved
	// without a person over the last days (the bot's own figures); BotFirst uses the good ones.
	BotResolution map[string]float64 `json:"bot_resolution,omitempty"`
	// HandoffIntents is, per intent, the share of this queue's recent handoffs with that intent.
	HandoffIntents map[string]float64 `json:"handoff_intents,omitempty"`
	// Divertible is the share of voice callers able to use self-service (0–1; 0: the engine's
	// assumption, DefaultDivertible). Divert's modelled effect reads it.
	Divertible float64 `json:"divertible,omitempty"`
}

// ChannelView is one channel of a queue at one minute.
type ChannelView struct {
	Channel string `json:"channel"`
	// Waiting is the contacts queued or ringing now; LongestWaitSeconds the oldest one's wait.
	Waiting            int `json:"waiting"`
	LongestWaitSeconds int `json:"longest_wait_seconds"`
	// Available and Busy count the agents signed in for the queue on this channel (busy: at
	// least one contact; an agent with free chat slots counts as available for chat): the
	// queue's own agents, not backup agents taking its overflowed contacts.
	Available int `json:"available"`
	Busy      int `json:"busy"`
	// Capacity is contacts per agent at once on this channel (1 for voice, N for chat).
	Capacity int `json:"capacity"`
	// ArrivalsPerHour is the arrival rate over the last 15 minutes, scaled to an hour: every
	// contact that reached the queue, those the engine's strategies diverted or called back
	// included (the engine takes the observation as the floor without its strategies).
	ArrivalsPerHour float64 `json:"arrivals_per_hour"`
	// HandleSeconds is the mean handle time recently (a default when none was handled).
	HandleSeconds float64 `json:"handle_seconds"`
	// PatienceSeconds is the mean patience (wait before abandoning) recently, or a default.
	PatienceSeconds float64 `json:"patience_seconds"`
	// ServiceLevel and AbandonRate are today's percentages so far (nil: nothing to measure yet).
	ServiceLevel *float64 `json:"service_level"`
	AbandonRate  *float64 `json:"abandon_rate"`
	// Forecast is the rolling forecast of the coming intervals (from now), arrivals per interval
	// with the 80% band; empty when the series has no forecast.
	Forecast []ForecastPoint `json:"forecast,omitempty"`
}

// ForecastPoint is one interval of a rolling forecast.
type ForecastPoint struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Calls float64   `json:"calls"`
	Low   float64   `json:"low"`
	High  float64   `json:"high"`
}

// Params are an activation's settings, each read by the executor of its kind.
type Params struct {
	// Divert: the share of voice callers offered self-service (0–1) and the link announced.
	DivertShare float64 `json:"divert_share,omitempty"`
	DivertLink  string  `json:"divert_link,omitempty"`
	// BotFirst: the intents the bot answers first.
	Intents []string `json:"intents,omitempty"`
	// Callback: offered to callers who waited CallbackAfterSeconds, promised within
	// PromiseMinutes.
	CallbackAfterSeconds int `json:"callback_after_seconds,omitempty"`
	PromiseMinutes       int `json:"promise_minutes,omitempty"`
	// AnnounceWait (and the others' announcements): the expected wait told to customers.
	ExpectedWaitSeconds int `json:"expected_wait_seconds,omitempty"`
	// Overflow: the skills or queue that take the contacts at once (the queue's backup skills
	// when both are empty).
	OverflowSkills []string `json:"overflow_skills,omitempty"`
	OverflowQueue  string   `json:"overflow_queue,omitempty"`
	// MoveAgents: how many multi-skilled agents stop taking chats.
	Agents int `json:"agents,omitempty"`
	// CallIn: the on-call staff notified (user ids).
	Users []string `json:"users,omitempty"`
}

// Effect is an activation's expected (or measured) effect, in the engine's units.
type Effect struct {
	// Agents is the gap closed, in agent equivalents over the horizon.
	Agents float64 `json:"agents"`
	// CustomersPerHour is how many customers the strategy touches per hour (diverted, called
	// back, told the wait, answered by the bot first).
	CustomersPerHour float64 `json:"customers_per_hour"`
	// Cost is the experience cost (the catalog's cost per customer touched × customers, plus the
	// fixed cost of the strategy).
	Cost float64 `json:"cost"`
}

// Activation is one strategy turned on for one queue, from activation to withdrawal.
type Activation struct {
	ID       string  `json:"id"`
	Queue    string  `json:"queue"`
	Strategy Kind    `json:"strategy"`
	Params   Params  `json:"params"`
	Source   Source  `json:"source"`
	Expected Effect  `json:"expected"`
	Context  Context `json:"context"`
	// DecisionID is the decision that activated it ("" for an override); OverrideID the override.
	DecisionID string    `json:"decision_id,omitempty"`
	OverrideID string    `json:"override_id,omitempty"`
	Since      time.Time `json:"since"`
	// Until is when it lapses unless a decision renews it.
	Until time.Time `json:"until"`
	// Reason is the one sentence of why it was activated.
	Reason string `json:"reason"`
	// GapAgents is the projected gap the engine saw when it activated it.
	GapAgents float64 `json:"gap_agents"`
}

// Context is the bucket an activation is judged and learnt in: the same strategy may help at a
// small gap and not at a large one, on voice and not on chat.
type Context struct {
	// Gap is "small" (< 2 agents), "medium" (< 6) or "large".
	Gap string `json:"gap"`
	// Channel is the channel with most of the load ("voice" or "chat").
	Channel string `json:"channel"`
}

// MaxOverrideReason is the longest reason an override keeps, in characters.
const MaxOverrideReason = 500

// Override is a supervisor's order for one strategy on one queue: On forces it active (with the
// catalog's default params unless given), !On keeps it off, until Until. The engine keeps to it.
type Override struct {
	ID       string    `json:"id"`
	Queue    string    `json:"queue"`
	Strategy Kind      `json:"strategy"`
	On       bool      `json:"on"`
	Params   *Params   `json:"params,omitempty"`
	By       string    `json:"by"` // the supervisor's user id
	Reason   string    `json:"reason,omitempty"`
	Created  time.Time `json:"created"`
	Until    time.Time `json:"until"`
}
