// Package call serves one answered call: its media session, the voice navigation against the chat
// bot, transfers, and the wait in a queue for a person. It owns small interfaces (Bot, Prompts,
// Floor, Steering, Facts, …) that package edge fits to the engines and shared packages.
//
// Files, one concern each:
//
//   - call.go: Handler.ServeCall and the call's loop (callRun): commands, turns, transfers, bridges.
//   - navigator.go: Navigator, the voice navigation as a state machine without I/O.
//   - agents.go: Floor, joinQueue and agentWait — a queued call ringing the agents dispatch offers
//     it to; the hold prompt and comfort tone.
//   - steering.go: Steering, QueueSteering, Diverts and the announcements of the dispatch engine's
//     strategies (the expected wait, self-service, the callback offer) in English and Chinese.
//   - queue.go: queueWait — a later callback offer, the caller's 1 (Floor.RequestCallback) and the
//     confirmation that ends the call.
//   - survey.go: the satisfaction survey (Surveys, Rating) — after the agent leaves a transferred
//     call while the caller stays, or after the bot's goodbye: the question, one key 1–5, thanks.
package call
