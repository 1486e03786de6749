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

// BenchmarkDecideOneQueue is a typical tenant's minute: one voice queue in a spike with
// strategies in force.
func BenchmarkDecideOneQueue(b *testing.B) {
	o := withForecast(voiceQueue("billing", 10, 300), 100, 100, 100, 100)
	o.BackupAgents, o.OnCall = 2, 2
	in := strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{o},
		Memory: strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 3}}}}
	in.Active = strategy.Decide(in).Active
	b.ReportAllocs()
	for b.Loop() {
		strategy.Decide(in)
	}
}
