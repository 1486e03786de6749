package routing

import "time"

// AgingStep is the wait worth one priority level.
const AgingStep = 30 * time.Second

// EffectivePriority orders waiting contacts, highest first:
//
//	effective = wait + (queue.Priority + contact.Priority) × AgingStep
//
// where wait = now − EnqueuedAt (0 if negative). A contact one level less urgent overtakes a more
// urgent one once it has waited AgingStep longer, so no contact starves behind a stream of
// urgent ones. Ties go to the earlier EnqueuedAt, then the smaller ID.
func EffectivePriority(now time.Time, q Queue, c Contact) time.Duration {
	return waited(now, c) + time.Duration(q.Priority+c.Priority)*AgingStep
}

func waited(now time.Time, c Contact) time.Duration {
	if w := now.Sub(c.EnqueuedAt); w > 0 {
		return w
	}
	return 0
}
