// Package floor is the human-service floor: queues, contacts waiting for and handled by agents,
// and the agents' presence. Every write is one conditional transaction through the outbox with
// its events, so a contact is never on two agents and an agent slot never holds two contacts,
// however many dispatchers and API calls race.
//
// Files, one concern each:
//
//   - floor.go: Floor, New, WithClock, the retry of writes that lost a race.
//   - errors.go: the errors callers map to HTTP statuses.
//   - queue.go: Queue, Overflow, Check, Routing.
//   - contact.go: Contact, Offer, Decision, ContactState and the store kinds of contacts.
//   - presence.go: Presence, Slot, AgentState.
//   - read.go: Queue(s), Contact, Waiting, OpenFor, Presence(s), Snapshot.
//   - dispatch.go: Enqueue, Offer, ExpireOffer, ExpireWait(By) — the dispatcher's writes.
//   - waitrule.go: WaitRule (a queue's maximum wait and callback, or the dispatch engine's in
//     force) and the callback_promised_by attribute.
//   - agent.go: Accept, Decline, Transfer, Wrapup, EndByCustomer — the contact's life after an offer.
//   - state.go: SetState, Refresh — an agent's presence.
//   - callback.go: RequestCallback, EndCall — a queued caller's callback, and the edge's hang-up.
//
// Store kinds (tenant items): "queue" (id = queue id), "contact" (id = contact id),
// "contact-waiting" (id = contact id; present exactly while the contact is queued, a copy of its
// routing fields, so the waiting are one Query), "contact-open" (id = "<agent id>#<contact id>"
// while the contact is offered, assigned or in wrap-up with that agent) and "agent" (an agent's
// presence, id = user id).
//
// Rules:
//
//   - Offer is one transaction: the contact at its read version from queued to offered, the
//     presence at its read version with the slot added only if the channel has a free slot, the
//     waiting item deleted (it must exist) and the open item created. A dispatcher that lost a race
//     gets an error matching store.ErrConflict and decides again from fresh reads.
//   - Every other write re-reads and re-checks its intent when its transaction loses a race, a few
//     times, and returns ErrOfferGone, ErrNotYours, ErrWrongState or ErrNotFound when the intent no
//     longer holds; such an error changes nothing.
//   - Slots count offered, assigned and wrap-up contacts; Wrapup frees the slot.
//   - A declined offer and an unanswered one count as a miss: the agent gets no offer for
//     routing.MissCooldown and ranks after agents without misses until they accept one. After
//     MaxMissed unanswered offers in a row an available agent goes on break (reason
//     missed_offers). Setting oneself available clears the misses.
//   - A contact keeps its EnqueuedAt through declines and timeouts (its wait goes on); a transfer
//     to a queue starts a new wait.
package floor
