package strategy

import "time"

// Settings are a tenant's engine settings (GET|PUT /v1/dispatch/settings).
type Settings struct {
	// Enabled turns the engine on for the tenant (overrides apply either way).
	Enabled bool `json:"enabled"`
	// Strategies configure each strategy of the catalog; a strategy not listed keeps its
	// defaults (Defaults()).
	Strategies map[Kind]StrategySettings `json:"strategies"`
	// DivertCapPercent is the most customers (of a queue's voice arrivals) the engine may divert
	// at once, summed over Divert and BotFirst: the tenant's cap.
	DivertCapPercent float64 `json:"divert_cap_percent"`
	// HorizonMinutes is how far ahead the gap is projected (15–240).
	HorizonMinutes int `json:"horizon_minutes"`
	// ActivateAfterMinutes: a gap must be seen this many decisions in a row before a strategy
	// starts; WithdrawAfterMinutes: the gap must be closed this long before one is withdrawn;
	// MinActiveMinutes: no activation is withdrawn earlier (unless overridden). The hysteresis.
	ActivateAfterMinutes int `json:"activate_after_minutes"`
	WithdrawAfterMinutes int `json:"withdraw_after_minutes"`
	MinActiveMinutes     int `json:"min_active_minutes"`
	// ExplorationBudget is the most experience cost per hour the engine spends trying a strategy
	// its scores are unsure of (0: no exploration).
	ExplorationBudget float64 `json:"exploration_budget"`
	// OnCall are the user ids CallIn notifies.
	OnCall []string `json:"on_call,omitempty"`
	// DivertLink is the self-service link Divert announces (the tenant's webhook sends it by SMS).
	DivertLink string `json:"divert_link,omitempty"`
}

// StrategySettings configure one strategy for a tenant.
type StrategySettings struct {
	Enabled bool `json:"enabled"`
	// Cost overrides the catalog's experience cost per customer touched (nil: the catalog's).
	Cost *float64 `json:"cost,omitempty"`
	// MaxMinutes bounds one activation (renewals included); 0: the catalog's.
	MaxMinutes int `json:"max_minutes,omitempty"`
}

// Memory is what the engine remembers between decisions for one tenant (hysteresis): per queue,
// how many decisions in a row saw a gap and since when the gap has been closed.
type Memory struct {
	Queues map[string]QueueMemory `json:"queues,omitempty"`
}

// QueueMemory is one queue's hysteresis memory.
type QueueMemory struct {
	// GapStreak counts the consecutive decisions that saw a gap.
	GapStreak int `json:"gap_streak"`
	// ClosedSince is when the gap was first seen closed in the current run of closed decisions
	// (zero while there is a gap).
	ClosedSince time.Time `json:"closed_since,omitzero"`
}

// Input is everything one decision reads: one tenant at one minute.
type Input struct {
	Tenant   string        `json:"tenant"`
	Now      time.Time     `json:"now"`
	Settings Settings      `json:"settings"`
	Queues   []Observation `json:"queues"`
	// Active are the activations standing before this decision (engine and override ones).
	Active []Activation `json:"active"`
	// Overrides are the supervisors' overrides in force at Now.
	Overrides []Override `json:"overrides"`
	Scores    Scores     `json:"scores"`
	Memory    Memory     `json:"memory"`
	// Seed drives exploration, so a decision is reproducible from its input.
	Seed uint64 `json:"seed"`
}

// Decision is the outcome of one decision: what to start, stop and keep, and why.
type Decision struct {
	ID     string    `json:"id"` // the minute, e.g. "20250603T0201" (the store's key)
	Tenant string    `json:"tenant"`
	At     time.Time `json:"at"`
	// Queues explain the decision per queue: the gap seen, the options, the choice.
	Queues []QueueDecision `json:"queues"`
	// Activate are the new activations; Withdraw the ones stopped (with why); Active the set in
	// force after this decision (renewed Until included) — what the executors apply.
	Activate []Activation `json:"activate"`
	Withdraw []Withdrawal `json:"withdraw"`
	Active   []Activation `json:"active"`
	Memory   Memory       `json:"memory"`
}

// Withdrawal is an activation the decision stopped.
type Withdrawal struct {
	ActivationID string `json:"activation_id"`
	Queue        string `json:"queue"`
	Strategy     Kind   `json:"strategy"`
	Reason       string `json:"reason"`
}

// QueueDecision explains one queue's part of a decision.
type QueueDecision struct {
	Queue string `json:"queue"`
	// Gap is what the engine saw: required minus available agents now and over the horizon, with
	// the 80% band from the forecast's, and the projected service level without new strategies.
	Gap Gap `json:"gap"`
	// Options are every strategy of the catalog considered for the queue, feasible or not.
	Options []Option `json:"options"`
	// Chosen are the strategies active for the queue after the decision.
	Chosen []Kind `json:"chosen"`
	// Why is the decision in one or two sentences.
	Why string `json:"why"`
}

// Gap is the difference between the agents a queue needs and those it has.
type Gap struct {
	// RequiredNow and AvailableNow are agents (Erlang A for the target on the current load,
	// backlog included); Now = RequiredNow − AvailableNow.
	RequiredNow  float64 `json:"required_now"`
	AvailableNow float64 `json:"available_now"`
	Now          float64 `json:"now"`
	// Projected is the largest gap over the horizon's intervals; Low and High its 80% band.
	Projected float64 `json:"projected"`
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
	// ServiceLevel is the projected service level (percent) with today's agents and no new
	// strategy; Target the queue's.
	ServiceLevel float64 `json:"service_level"`
	Target       float64 `json:"target"`
	// Open says the gap counts: the floor is staffed (someone is signed in) and it exceeds the
	// threshold; Streak is the hysteresis memory's count.
	Open   bool `json:"open"`
	Streak int  `json:"streak"`
	// Covered is the agents the strategies already in force are expected to add: the gap seen is
	// what remains with them, Projected + Covered what there would be without them (the gap
	// withdrawal waits to see closed).
	Covered float64 `json:"covered,omitempty"`
}

// Option is one strategy considered for a queue.
type Option struct {
	Strategy Kind `json:"strategy"`
	// Feasible says whether its preconditions hold; Blocked says why not (disabled, no backup
	// agents, cap reached, overridden off, …).
	Feasible bool   `json:"feasible"`
	Blocked  string `json:"blocked,omitempty"`
	// Expected is its effect as the catalog models it, scaled by what the scores learnt.
	Expected Effect `json:"expected"`
	// Score is the learnt ratio of measured to modelled effect (1 with no history) and the
	// number of judged activations behind it.
	Score   float64 `json:"score"`
	Judged  int     `json:"judged"`
	Explore bool    `json:"explore,omitempty"`
	Params  Params  `json:"params"`
}

// Outcome is what happened (or would have) on a queue over a window.
type Outcome struct {
	Arrived              int     `json:"arrived"`
	Answered             int     `json:"answered"`
	AnsweredInTarget     int     `json:"answered_in_target"`
	Abandoned            int     `json:"abandoned"`
	AbandonedAfterTarget int     `json:"abandoned_after_target"`
	Diverted             int     `json:"diverted"`
	Callbacks            int     `json:"callbacks"`
	ServiceLevel         float64 `json:"service_level"` // percent
	AbandonRate          float64 `json:"abandon_rate"`  // percent
}

// Judgement is the measured effect of one activation: what happened against the counterfactual.
type Judgement struct {
	ActivationID string    `json:"activation_id"`
	Queue        string    `json:"queue"`
	Strategy     Kind      `json:"strategy"`
	Context      Context   `json:"context"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	Observed     Outcome   `json:"observed"`
	// Counterfactual is what the simulator says would have happened without the strategy, from
	// the same start, arrivals and agents.
	Counterfactual Outcome `json:"counterfactual"`
	// ServiceLevelGain is Observed − Counterfactual service level and AbandonRateDrop
	// Counterfactual − Observed abandon rate (points; both positive when the strategy helped).
	ServiceLevelGain float64 `json:"service_level_gain"`
	AbandonRateDrop  float64 `json:"abandon_rate_drop"`
	// Measured is the effect in agent equivalents; Ratio = Measured / Expected.Agents.
	Measured float64 `json:"measured"`
	Expected Effect  `json:"expected"`
	Ratio    float64 `json:"ratio"`
	// Reward is what the scores learn from: the gain net of the experience cost.
	Reward float64 `json:"reward"`
	Why    string  `json:"why"`
	// Skipped says why the judgement teaches nothing (no shortfall to recover, nothing expected,
	// a window without contacts); Scores.Learn ignores such judgements.
	Skipped string `json:"skipped,omitempty"`
}

// Scores are what the engine learnt from its judgements, per strategy and context.
type Scores struct {
	Arms map[string]Arm `json:"arms,omitempty"` // key: ArmKey(strategy, context)
}

// Arm is one strategy in one context: the judged activations' effect ratios.
type Arm struct {
	Strategy Kind    `json:"strategy"`
	Context  Context `json:"context"`
	Judged   int     `json:"judged"`
	// MeanRatio and M2 are the running mean and sum of squared deviations of Ratio (Welford).
	MeanRatio float64 `json:"mean_ratio"`
	M2        float64 `json:"m2"`
	// MeanReward is the running mean of Reward.
	MeanReward float64   `json:"mean_reward"`
	Updated    time.Time `json:"updated"`
}

// ArmKey is the key of a strategy's arm in a context.
func ArmKey(k Kind, c Context) string { return string(k) + "/" + c.Channel + "/" + c.Gap }
