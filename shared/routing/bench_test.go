package routing

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// benchDecide times single decisions on one floor and reports p50 and p99 beside ns/op.
func benchDecide(b *testing.B, agents []Agent, contacts []Contact) {
	b.ReportAllocs()
	var lat []time.Duration
	assigned := 0
	for b.Loop() {
		start := time.Now()
		p := Decide(t0, genQueues, contacts, agents)
		lat = append(lat, time.Since(start))
		assigned = len(p.Assignments)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(assigned), "assigned")
}

// The floor: 500 agents (about half available, chat capacity 0–4, voice 1) and 2,000
// contacts waiting over four queues with overflow.
func BenchmarkDecide500Agents2000Contacts(b *testing.B) {
	r := rand.New(rand.NewPCG(42, 42))
	benchDecide(b, genAgents(r, 500), genContacts(r, 2000))
}

// The steady state of a busy floor: every agent full but five, 2,000 waiting.
func BenchmarkDecide500Agents2000ContactsFewFree(b *testing.B) {
	r := rand.New(rand.NewPCG(42, 43))
	agents := genAgents(r, 500)
	for i := range agents {
		if i%100 != 0 {
			agents[i].Load = map[Channel]int{ChannelVoice: 1, ChannelChat: agents[i].Capacity[ChannelChat]}
		}
	}
	benchDecide(b, agents, genContacts(r, 2000))
}
