package strategy_test

import (
	"math/rand/v2"
	"testing"

	"github.com/lingxi/lingxi/shared/strategy"
)

// BenchmarkDecide is one decision for a tenant of 20 queues (voice and chat, forecasts, history).
func BenchmarkDecide(b *testing.B) {
	in := randomInput(rand.New(rand.NewPCG(1, 2)), 20)
	for q := range in.Memory.Queues {
		in.Memory.Queues[q] = strategy.QueueMemory{GapStreak: 3}
	}
	b.ReportAllocs()
	for b.Loop() {
		strategy.Decide(in)
	}
}
