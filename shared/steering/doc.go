// Package steering is the I/O around the real-time dispatch engine's pure core (shared/strategy):
// every minute, per tenant, it perceives each queue's floor and forecast, asks strategy.Decide what
// to start, keep and stop, keeps the decision and the state the executors read, applies what acts
// outside that state, and judges each activation against the simulator's counterfactual so the
// engine learns which strategies help where.
//
// Files, one concern each:
//
//   - engine.go: Engine, Config, New; RunAll (the schedule's minute: every tenant of
//     forecaststore's registry, a bounded pool, random order, a deadline) and RunTenant.
//   - gather.go: Perceive — per queue and channel the Observation from the wallboard's day state,
//     the agents' presence, the interval counters, the rolling forecast and the settings.
//   - botstats.go: the bot's resolution per intent and the queues' handoff intents, counted from
//     the conversations at most every BotStatsEvery, for tenants with BotFirst on (the product
//     keeps no such counter).
//   - run.go: Decide and persist — the decision item, the state item (overlay) and the activation
//     records with their dispatch.strategy events in one outbox transaction at the state's version.
//   - apply.go: Execute what the state does not carry: CallIn's notifications (shared/push).
//   - judge.go: Judge — at withdrawal and every JudgeEvery: observed (wallboard counters) against
//     the counterfactual (sim.Counterfactual), strategy.Judge, Scores.Learn.
//   - overrides.go: PutOverride (applies at once), DeleteOverride, Overrides.
//   - reads.go: Settings, PutSettings and the reads of GET /v1/dispatch/* (State, Decisions,
//     Decision, Activations, Activation, Strategies).
//   - items.go: the store kinds and items, ActivationRecord, Snapshot, BotStats.
//   - overlay/: the state item as the executors read it.
//
// Store items (tenant-partitioned): "dispatch-settings"/"current", "dispatch-state"/"current"
// (only steering writes it, at its version), "dispatch-decision"/<DecisionID> (TTL 30 days; kept
// for every decision with an open gap, anything in force or any change), "dispatch-activation"/
// <activation id>, "dispatch-scores"/"current", "dispatch-override"/<id> (TTL a day after its
// Until), "dispatch-botstats"/"current".
//
// Rules:
//
//   - A minute is one transaction: state, decision, new and withdrawn activation records and their
//     events commit together or not at all; a state changed since it was read (an override, another
//     run) makes the minute decide again from fresh reads, so a decision never undoes an override.
//   - An activation that stood before a decision, is not in force after it and was not withdrawn
//     by it (it lapsed at its Until) is withdrawn all the same: its record and event say so.
//   - A tenant with the engine off, no override and nothing in force costs three reads a minute; a
//     minute that changes nothing of the state (an idle floor) writes nothing.
//   - An override applies at once (PutOverride commits the state, the override and its events in
//     one transaction); an on override of CallIn notifies the on-call users as the engine's would.
package steering
