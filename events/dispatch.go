package events

import "time"

// StrategyKind is one of the real-time dispatch engine's strategies (shared/strategy's catalog).
type StrategyKind string

// The engine's strategies.
const (
	// StrategyDivert: offer voice callers self-service in chat or the app (an announcement with a
	// link the tenant's webhook sends by SMS), so fewer wait for a person.
	StrategyDivert StrategyKind = "divert"
	// StrategyBotFirst: for intents the bot resolves well, the bot answers first even when the
	// customer asks for a person (a second request still reaches one).
	StrategyBotFirst StrategyKind = "bot_first"
	// StrategyCallback: callers who have waited offer to be called back by a promised time.
	StrategyCallback StrategyKind = "callback"
	// StrategyOverflow: the queue's backup skills (or overflow queues) take its contacts at once.
	StrategyOverflow StrategyKind = "overflow"
	// StrategyAnnounceWait: customers are told the expected wait when they join the queue.
	StrategyAnnounceWait StrategyKind = "announce_wait"
	// StrategyPauseOutbound: outbound campaigns pause so their agents take inbound contacts.
	StrategyPauseOutbound StrategyKind = "pause_outbound"
	// StrategyMoveAgents: agents skilled for both channels stop taking chats so they take calls.
	StrategyMoveAgents StrategyKind = "move_agents"
	// StrategyCallIn: the tenant's on-call staff are notified to sign in.
	StrategyCallIn StrategyKind = "call_in"
)

// StrategyAction is what happened to a strategy's activation.
type StrategyAction string

// Strategy actions.
const (
	// StrategyActivated: the engine (or a supervisor's override) turned the strategy on.
	StrategyActivated StrategyAction = "activated"
	// StrategyWithdrawn: the engine turned it off (the gap closed, its time ran out) or its
	// override ended.
	StrategyWithdrawn StrategyAction = "withdrawn"
	// StrategyOverridden: a supervisor forced the strategy on or off; the engine keeps to it
	// until the override ends.
	StrategyOverridden StrategyAction = "overridden"
)

// StrategySource says who decided an activation.
type StrategySource string

// Strategy sources.
const (
	StrategyByEngine   StrategySource = "engine"
	StrategyByOverride StrategySource = "override"
)

// DispatchStrategy (dispatch.strategy) records that a strategy of the real-time dispatch engine
// was activated, withdrawn or overridden for a queue. The envelope's subject is the activation
// id; GET /v1/dispatch/activations/{id} has the decision behind it and, once judged, its measured
// effect.
type DispatchStrategy struct {
	// ActivationID identifies one activation from its start to its withdrawal.
	ActivationID string `json:"activation_id" jsonschema:"minLength=1,maxLength=128"`
	// Action is what happened.
	Action StrategyAction `json:"action"`
	// Strategy is which strategy.
	Strategy StrategyKind `json:"strategy"`
	// Queue is the queue it applies to.
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// Source is who decided: the engine, or a supervisor's override.
	Source StrategySource `json:"source"`
	// Since is when the activation started.
	Since time.Time `json:"since"`
	// Until is when it expires unless renewed (absent once withdrawn).
	Until *time.Time `json:"until,omitempty"`
	// DecisionID is the engine's decision that did it (GET /v1/dispatch/decisions/{id}); absent
	// for an override.
	DecisionID string `json:"decision_id,omitempty" jsonschema:"maxLength=128"`
	// OverrideID is the supervisor's override behind an override action.
	OverrideID string `json:"override_id,omitempty" jsonschema:"maxLength=128"`
	// Reason is one sentence: why the strategy was turned on or off.
	Reason string `json:"reason" jsonschema:"maxLength=1000"`
	// GapAgents is the projected gap (required minus available agents) the engine saw.
	GapAgents float64 `json:"gap_agents"`
}
