// Package routing is the decision core of the human-service dispatcher: given the queues, the
// contacts waiting and the agents, Decide says which contact to offer to which agent now, why,
// and when to decide again without an event. It is pure logic without I/O; the dispatch function
// reads the state, calls Decide and makes each offer with a conditional write.
//
// Files, one concern each:
//
//   - types.go: Agent, Contact, Queue, OverflowRule, ServiceLevel, State, Channel.
//   - plan.go: the outcome — Plan, Assignment, Candidate, Waiting with its Reason, Timer.
//   - priority.go: the order of waiting contacts, EffectivePriority (priority with aging).
//   - rings.go: the bullseye — which skills a contact accepts after its queue's overflow steps.
//   - decide.go: Decide; agent eligibility, ranking, capacity per channel, misses, timers.
//   - pools.go: the per-decision cache of ranked agents per channel and rings, interned skills.
//   - explain.go: the candidates and the sentence an Assignment carries.
//
// Rules:
//
//   - Contacts go in EffectivePriority order: wait + (queue priority + contact priority) ×
//     AgingStep, ties to the earlier EnqueuedAt then the smaller ID.
//   - A contact has reached ring 0 (its queue's RequiredSkills) and one more ring per overflow
//     rule whose After it has waited: the rule's Skills, else the RequiredSkills of its ToQueue,
//     else the queue's BackupSkills. The contact's own RequiredSkills join every ring. An agent
//     qualifies through the innermost ring whose skills they all have (proficiency ≥ 1).
//   - Only available agents with a free slot on the contact's channel (Capacity − Load, less
//     what this plan gave them) are offered contacts; voice capacity is typically 1, chat N.
//   - Ranking: inner ring, then fewer missed offers, then the higher proficiency sum over the
//     ring's skills (proficiency clamped to 1–5), then the lower load on the channel, then the
//     longest idle, then the ID. Within one plan an agent's load counts what the plan gave them,
//     so chats spread over equally skilled agents before one gets a second.
//   - Capacity and load are counted per channel independently (an agent on a call may still
//     take chats if their chat capacity allows).
//   - Input is taken as given: a contact ID seen twice counts once (the first, ReasonDuplicate
//     for the rest), an agent ID seen twice likewise; unknown queues wait (ReasonUnknownQueue).
//   - An agent who missed an offer less than MissCooldown ago is excluded; after that they rank
//     after the agents of the same ring without misses until their Missed count is reset.
//   - A contact waiting past its queue's MaxWait is still assigned if an agent is free;
//     otherwise it is listed in Plan.Expired for the caller to offer a callback or abandon.
//   - Timers: the next overflow step and the MaxWait of each contact left waiting, and the end
//     of each available agent's miss cooldown while any contact waits.
package routing
