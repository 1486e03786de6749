package routing

import (
	"math"
	"time"
)

// AgingStep is the wait worth one priority level.
const AgingStep = 30 * time.Second

// EffectivePriority orders waiting contacts, highest first:
//
//	effective = wait + (queue.Priority + contact.Priority) × AgingStep
//
// where wait = now − EnqueuedAt (0 if negative). A contact one level less urgent overtakes a more
// urgent one once it has waited AgingStep longer, so no contact starves behind a stream of
// urgent ones. Ties go to the earlier EnqueuedAt, then the smaller ID. The priority sum is
// clamped to ±MaxPriorityLevels and the result saturates instead of overflowing.
func EffectivePriority(now time.Time, q Queue, c Contact) time.Duration {
	clamp := func(v int64) int64 { return max(-MaxPriorityLevels, min(MaxPriorityLevels, v)) }
	levels := clamp(clamp(int64(q.Priority)) + clamp(int64(c.Priority)))
	w, boost := waited(now, c), time.Duration(levels)*AgingStep
	if boost > 0 && w > math.MaxInt64-boost {
		return math.MaxInt64
	}
	return w + boost
}

// MaxPriorityLevels bounds queue plus contact priority in EffectivePriority.
const MaxPriorityLevels = 1_000_000

func waited(now time.Time, c Contact) time.Duration {
	if w := now.Sub(c.EnqueuedAt); w > 0 {
		return w
	}
	return 0
}
