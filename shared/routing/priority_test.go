package routing

import (
	"math"
	"testing"
	"time"
)

func TestEffectivePriority(t *testing.T) {
	tests := []struct {
		name      string
		queuePrio int
		prio      int
		enqueued  time.Time
		want      time.Duration
	}{
		{"wait only", 0, 0, t0.Add(-45 * time.Second), 45 * time.Second},
		{"queue priority is AgingStep per level", 2, 0, t0, 2 * AgingStep},
		{"contact priority adds", 1, 1, t0.Add(-time.Second), time.Second + 2*AgingStep},
		{"negative priority lowers", 0, -1, t0.Add(-10 * time.Second), 10*time.Second - AgingStep},
		{"enqueued in the future waits 0", 0, 0, t0.Add(time.Minute), 0},
		{"huge priorities are clamped", math.MaxInt, math.MaxInt, t0, MaxPriorityLevels * AgingStep},
		{"saturates instead of overflowing", math.MaxInt, 0, time.Time{}, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EffectivePriority(t0, Queue{Priority: tt.queuePrio}, Contact{Priority: tt.prio, EnqueuedAt: tt.enqueued})
			if got != tt.want {
				t.Errorf("EffectivePriority = %v, want %v", got, tt.want)
			}
		})
	}
}
