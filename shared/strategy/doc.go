// Package strategy is the decision core of the real-time dispatch engine (issue 12): every minute
// it is told each queue's floor and rolling forecast (Observation), projects the gap between the
// agents required and those available, and chooses the least costly set of strategies that closes
// it, with hysteresis, explaining every choice (Decide). After an activation it compares what
// happened with what would have happened without it (Judge, the simulator as counterfactual) and
// learns per strategy and context (Scores), which the next choices read.
//
// It is pure logic without I/O: shared/steering gathers the observations, keeps the decisions,
// activations and scores and applies the active set; shared/sim runs the same Decide against
// simulated time.
//
// Files, one concern each:
//
//   - types.go: Kind, Observation, ChannelView, ForecastPoint, Params, Effect, Activation,
//     Context, Override.
//   - decision.go: Settings, Memory, Input, Decision, QueueDecision, Gap, Option, Outcome,
//     Judgement, Scores, Arm.
//   - settings.go: Defaults, Settings.WithDefaults, Settings.Check (the settings' bounds).
//   - catalog.go: Spec and Catalog: each strategy's channels, costs, duration and executor.
//   - perceive.go: the gap per queue, channel and interval (Erlang A from shared/staffing).
//   - effects.go: each strategy's modelled effect, DefaultParams, ContextOf.
//   - choose.go: the search for the least costly combination closing the gap.
//   - decide.go, queue.go: Decide; per queue the overrides, hysteresis, feasibility, exploration.
//   - explain.go: the activations' and queues' sentences.
//   - judge.go: Judge; scores.go: Scores.Learn, Score, Bonus (the contextual bandit).
//   - ids.go: DecisionID, ActivationID.
//
// The rules are stated in full below (Perception, Hysteresis, Overrides, Choice, Effect models,
// Judging and learning).
package strategy
