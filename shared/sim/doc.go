// Package sim is a discrete-event simulator of one contact-centre queue (voice, with chat and
// self-service as the targets of a divert) that runs the real dispatch engine (shared/strategy's
// Decide) against simulated time, so the static staffing plan, the engine and each strategy alone
// are compared on the same customers (issue 12, item 5).
//
// The model:
//
//   - Arrivals: a non-homogeneous Poisson process, constant rate inside each interval
//     (Scenario.Arrivals is the expected count per interval, the truth); handle times lognormal
//     with mean HandleSeconds and coefficient of variation HandleCV (1 by default); patience
//     exponential with mean PatienceSeconds. Every customer's arrival time, handle time, patience
//     and the uniform draws that decide divert, channel, callback, bot and balking are drawn from
//     Seed before a run, so every policy meets the same customers.
//   - Agents: Scenario.Agents per interval from the plan; at a shift change an idle agent leaves at
//     once and a busy one after finishing the call. Reserves join when a strategy is in force and
//     leave (after their call) when it is withdrawn: backup agents (Overflow, at once), movable
//     agents (MoveAgents, after MoveDelay), outbound agents (PauseOutbound, after OutboundDelay),
//     on-call staff (CallIn, after CallInDelay).
//   - Strategies on the customers: Divert offers self-service to Params.DivertShare of the voice
//     callers; the Divertible share of those take it, choosing chat (ChatShare) or the app;
//     BotFirst resolves the share of callers the bot resolves for the intents in Params.Intents;
//     Callback offers a callback to callers who have waited CallbackAfterSeconds, CallbackAccept
//     of them accept and leave the queue, and are called back when an agent is idle and nobody
//     waits (or at once when the promise falls due), the promise (PromiseMinutes) tracked;
//     AnnounceWait tells callers the expected wait, and BalkShare of those whose patience is
//     shorter hang up at once instead of waiting to abandon.
//   - Measures, like the wallboard: service level = answered within TargetSeconds ÷ (answered +
//     abandoned after TargetSeconds); callbacks leave the queue (neither answered nor abandoned);
//     a Result's abandon rate = abandoned ÷ arrived (every caller, diverted and called back
//     included); occupancy = busy ÷ signed-in agent time. The engine's observations and the
//     Counterfactual's Outcome use the wallboard's abandon rate, abandoned ÷ (answered +
//     abandoned), as the live figures they stand for.
//
// Files, one concern each:
//
//   - scenario.go: Scenario, its defaults and validation; Policy, Policies; Result.
//   - customers.go: the pre-drawn customers (arrivals, handle, patience, uniforms).
//   - floor.go: the event loop: queue, agents, reserves, callbacks, statistics.
//   - engine.go: the engine policies: Observations from the simulated floor, Decide, the
//     active set applied.
//   - counterfactual.go: Window and Counterfactual, the judge's replay of a window without a
//     strategy.
package sim
