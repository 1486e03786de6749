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
//   - judge.go: Judge, JudgeTogether; outcome.go: Outcome.Rated and Outcome.Since (the
//     wallboard's rates, counters between two snapshots); scores.go: Scores.Learn, Score, Bonus
//     (the contextual bandit), Scores.For (a strategy's arms).
//   - ids.go: DecisionID, ActivationID.
//
// # Perception
//
// Per queue and channel, the decision's intervals are now and every forecast interval (of any of
// the queue's channels) starting within Settings.HorizonMinutes; starts closer than
// MinIntervalSpacing (15 minutes) to the previous one are skipped. An interval's arrival rate is
// the larger of the recent rate (ChannelView.ArrivalsPerHour) and the forecast's; now adds the
// backlog, Waiting cleared over BacklogMinutes (15). The required agents are Erlang A's
// (staffing.Required: the queue's target, 80/20 when unset, at most 99 % and an hour; the
// channel's mean handle time and patience, DefaultHandleSeconds and DefaultPatienceSeconds when
// unknown); a chat agent serves
// Capacity contacts at once, so chat needs ⌈servers ÷ Capacity⌉ agents. Available are the agents
// signed in on the channel (Available + Busy). A channel's gap is required − available per
// interval; the queue's gap in an interval is the channels' positive gaps summed (an idle chat
// agent takes no calls unless MoveAgents moves them), or their signed sum when no channel is
// short. Gap.Projected is the largest over the intervals, Low and High the same at that interval
// for the forecast's 80 % band, ServiceLevel the worst channel's Erlang A service level there
// with today's agents (staffing.Evaluate).
//
// The figures are bounded so that no observation makes a decision slow: handle times from
// MinHandleSeconds (10) to MaxHandleSeconds (4 h), patience at most MaxPatienceSeconds (1 h) and
// MaxPatienceRatio (60) handle times, MaxAgents (100 000) agents and MaxCapacity (100)
// contacts per agent; beyond MaxErlangLoad (2000 Erlangs) square-root staffing (load + √load)
// stands in for Erlang A.
//
// The floor is closed when nobody is signed in on any channel of the queue and nothing waits: the
// gap is not open and nothing is activated ("the floor is closed"). Contacts waiting with nobody
// signed in are a gap.
//
// The gap is open when Projected ≥ 1 agent (OpenGapAgents) or the projected service level is
// more than 5 points (OpenServiceLevelMargin) below the target.
//
// # Hysteresis
//
// The observation is taken as the floor without the engine's strategies: arrivals count every
// contact that reached the queue (diverted and called-back ones included) and available agents
// are the queue's own (backup agents taking overflowed contacts, moved agents and outbound agents
// are not among them). What the strategies kept in force are modelled to add is Gap.Covered
// (load-based ones, Divert, BotFirst, Callback and AnnounceWait, recomputed on today's load;
// resource ones, Overflow, PauseOutbound and MoveAgents, at least what they were activated with,
// since their agents are busy now; CallIn until its staff have had CallInDelay to arrive). The
// gap a decision reports (Gap.Projected, its band and service level) is what remains: the
// observed gap minus Covered, the service level Erlang A's with the covered agents added.
//
//   - Memory.GapStreak counts the decisions in a row that saw an open gap (what remains with the
//     strategies in force); the engine activates only once it reaches ActivateAfterMinutes.
//   - Memory.ClosedSince is when the observed gap, without the strategies in force, was first
//     seen closed (projected < 1 agent, service level within the margin) in the current run; the
//     floor closed counts as closed. So a strategy that closes the gap by itself is not
//     withdrawn for it: only the end of the need withdraws it.
//   - An engine activation is withdrawn when that gap has been closed for WithdrawAfterMinutes
//     and the activation is MinActiveMinutes old; when it reached its MaxMinutes (the settings'
//     or the catalog's DefaultMaxMinutes), after which the strategy is not chosen again in the
//     same decision; when the engine or the strategy is turned off; or when it lapsed (Until
//     passed without a decision renewing it).
//   - Every engine activation kept is renewed: Until = now + RenewMinutes (15), at most Since +
//     MaxMinutes, so the executors never see a gap between two decisions.
//
// # Overrides
//
// Overrides in force at Now apply whether the engine is on or off; per queue and strategy the
// latest created wins. On forces the activation (Source override, OverrideID set, Until the
// override's, params the override's or DefaultParams): an engine activation of the strategy is
// withdrawn ("replaced by <user>'s override <id>") and an override activation is kept while its
// override lasts. Off withdraws any activation of the strategy on the queue and blocks the option
// ("overridden off by <user>"). An override activation whose override ended (deleted, lapsed or
// replaced) is withdrawn. Strategies overridden on are in every combination the choice weighs,
// with their effect. A queue with activations or overrides but no observation is decided on an
// empty one (the floor closed), after the observed queues.
//
// # Choice
//
// Only with the engine on, an open gap and the streak reached. The options are every strategy
// of the catalog (Decision.Queues[i].Options, in catalog order), each with its feasibility:
// enabled in the settings, not overridden off, not just ended by MaxMinutes, and its
// preconditions — Divert and Callback need voice callers, BotFirst chat handoffs with intents
// whose BotResolution ≥ 0.6 (params.Intents, best first), Overflow BackupAgents > 0,
// PauseOutbound OutboundAgents > 0, CallIn OnCall > 0, MoveAgents MovableAgents > 0, a voice
// gap and chat not short at the same interval, AnnounceWait an expected wait (Erlang A's ASA)
// longer than the target answer time.
//
// Each feasible option's expected effect is its model (below) per channel and interval times
// its score (Scores.Score: the arm's mean measured/modelled ratio shrunk toward 1 by
// PriorWeight). The search is exhaustive over the subsets of the feasible options (≤ 256), the
// ones in force and overridden on always included: the least costly subset whose summed effect
// covers the observed gap in every channel and interval where it is positive; ties go to fewer
// strategies, then to catalog order. When no subset closes the gap, the ones closing at least
// CloseMostTolerance (95 %) of the most any closes are equals and the least costly of them
// wins, with its callback (if any) offered at its soonest: in an overload the offer's worth in
// abandonment avoided is more than the agents it frees.
//
// Divert is sized last, to what the others leave, in DivertStep (5 %) steps, never below the
// share in force (a share in force may be raised while the gap stays open, never lowered).
// Callback is tried as offered after twice the target answer time (30 s to 2 min) and, as
// stronger alternatives, at the target answer time (10 s to 2 min) and at once
// (AtOnceCallbackSeconds, 5 s; callbackLevels); a callback in force may be moved sooner, never
// later.
//
// The divert cap: the callers Divert diverts plus BotFirst's customers, as a share of the
// queue's voice arrivals (chat arrivals for a queue without voice), stay within
// DivertCapPercent in every combination that adds either. The callers diverted are Divert's
// share × the observation's Divertible × DivertCapMargin (1.1, for chance) when the
// observation gives it, and the whole share offered when it does not (then the cap bounds the
// offer itself). BotFirst drops its least resolved intents until it fits alone. Overrides may
// exceed the cap (the supervisor's order); what they take counts against it.
//
// Exploration: per queue one feasible option not in force whose arm is unsure (fewer than
// ExploreUntil judgements, Scores.Bonus > 0) and whose cost per hour (at Divert's largest share)
// is within Settings.ExplorationBudget is drawn from the Seed. The search runs again with that
// option optimistic — its effect scaled by (score + bonus) ÷ score, its cost paid by the budget,
// equals preferring it. If that makes the option chosen, the optimistic combination stands
// (reported with its true effects and costs) and Option.Explore is set; otherwise the plain
// choice stands. A budget of 0 never explores.
//
// Explanations: every QueueDecision.Why says the gap (required, available, projected, band,
// service level against the target, what the strategies in force cover), the feasible options
// with their effect and cost, the infeasible ones with why, and what was chosen and why (the
// least costly combination that closes the gap, or the one closing the most); then what was
// activated, kept and withdrawn. Every Activation.Reason names the gap, the strategy's effect
// and cost and why it was chosen. Activation ids are ActivationID: "act-" + DecisionID + "-" +
// queue + "-" + strategy.
//
// # Effect models
//
// In agent equivalents (Erlangs removed from a channel, divided by its capacity), per interval,
// before the score; Option.Expected.Agents is the most an option adds in one interval. The
// assumptions are deliberately simple; the scores correct them per tenant and context:
//
//   - Divert: share × divertible share of callers (Observation.Divertible, DefaultDivertible
//     0.3 when unknown) × voice arrival rate × handle time. Customers touched: share × arrivals.
//   - Callback: the callers an offer after CallbackAfterSeconds (twice the target answer time,
//     30 s to 2 min) reaches with today's agents — not answered by then (1 − Erlang A's service
//     level for that time) and patient that long (exp(−after ÷ patience)) — × CallbackAccept
//     (0.6) move out of the peak; only those who would have been served (1 − Erlang A's abandon
//     rate) would have taken an agent's time: × arrival rate × handle time; and an offer after
//     the target answer time takes callers who already missed it, so it counts for target ÷
//     after of that (a callback at 40 s holds waits near 40 s, not within 20 s). Customers
//     touched: those offered. Promised CallbackMargin (30 minutes) after the first interval
//     whose observed gap is closed, or after the horizon when none is: from PromiseMinutes (60)
//     to MaxPromiseMinutes (240); a callback kept in force has its promise raised, never
//     lowered, as the projection moves.
//   - Overflow: BackupAgents; PauseOutbound: OutboundAgents — to the short channels first (voice,
//     then chat), the rest to the main channel. Overflow touches the contacts those agents take.
//   - MoveAgents: min(MovableAgents, ⌈voice gap⌉) agents to voice; touches the chats they would
//     have taken.
//   - CallIn: CallInShow (half) of the on-call staff, in the intervals from CallInDelay (30
//     minutes) after the activation; none before.
//   - BotFirst: chat arrival rate × Σ over the intents of handoff share × the bot's resolution
//     rate × handle time. Touches the handoffs of those intents.
//   - AnnounceWait: AnnounceLeave (5 %) of the customers of a channel whose expected wait (Erlang
//     A's ASA) exceeds the target leave at once: a small reduction; mostly an experience benefit.
//     Touches every customer.
//
// Cost per hour = the strategy's cost per customer (the settings' or the catalog's) × customers
// touched per hour + its fixed cost.
//
// # Judging and learning
//
// Judge compares the observed outcome of an activation's window with the simulator's
// counterfactual: ServiceLevelGain = observed − counterfactual service level, AbandonRateDrop =
// counterfactual − observed abandon rate. The share of the counterfactual's shortfall
// recovered (gain ÷ (100 − counterfactual SL), drop ÷ counterfactual abandon rate; their mean,
// within [−1, 2]) times the gap the activation was made for is the measured effect in agents;
// Ratio = measured ÷ expected agents; Reward = gain + drop − CostWeight × expected cost ×
// hours. A judgement with nothing to learn — nothing expected, no contacts, no shortfall
// without the strategy — is Skipped, and Learn ignores it. Strategies that ran together on a
// queue against one counterfactual without all of them are judged with JudgeTogether: the
// measured effect is shared in proportion to their expected effects. Outcome.Rated computes the
// rates as the wallboard does (service level = answered in target ÷ (answered + abandoned
// after the target)).
//
// Scores are a contextual bandit: an arm per strategy and Context (ContextOf: the projected gap
// when activated, small < 2 agents, medium < 6, large; the channel with most load, voice or
// chat). An activation's GapAgents is the observed projected gap (without the strategies in
// force). Scores.Learn keeps each arm's running mean and M2 of the ratio (bounded to
// [0, MaxRatio]) and the running mean reward (Welford). Score shrinks the mean toward 1 by
// PriorWeight (3) judgements; Bonus is ExploreBonus × √(ln(N + 2) ÷ (n + 1)), n the arm's
// judgements and N those of every arm of the context, until ExploreUntil (10).
package strategy
