// Package wallboard folds the human-service events of one tenant's day into the figures a
// supervisor watches (issue 10, part 4): per queue the contacts waiting now and the longest wait,
// service level, average speed of answer, abandon rate, offered and answered today; the agents by
// state and since when; arrivals per 15 minutes of the day; the dispatch engine's strategies in
// force (issue 12).
//
// The fold is pure: State.Apply takes event envelopes (contact.created, contact.queued,
// contact.offered, contact.assigned, contact.abandoned, contact.transferred, contact.ended,
// agent.state, dispatch.strategy) and State.Board renders the figures at a given time, so a test can replay a
// recorded day and check every figure. Apply is idempotent by event id within a window of the
// most recent ids (MaxSeen), which covers every redelivery the stream makes.
//
// Files:
//   - state.go: State, the fold's memory (serialisable; bounded), Apply, NewState, Rollover.
//   - payloads.go: the fields of each event the fold reads.
//   - board.go: Board, the rendered figures (the JSON the wallboard route and push send), and the
//     formulas.
//   - item.go: the store item that keeps a tenant's day (kind "wallboard", id the day), Encode,
//     Decode, Read and Current for readers such as the api's GET /v1/wallboard.
//   - strategies.go: the dispatch engine's activations (dispatch.strategy activated or overridden:
//     in force; withdrawn: gone), bounded by MaxStrategies.
//   - day.go: which day an event belongs to (the tenant's day; UTC until tenants have a time zone).
//   - errors.go: the errors callers match.
package wallboard
