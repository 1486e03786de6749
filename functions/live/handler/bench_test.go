package handler

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// BenchmarkBurst: a burst of handoffs of one tenant through four shards' consumers at once (each
// contact queued, offered, assigned), against the emulators. Reports events per second and lost
// write races per event; the throttle's waits are not slept.
func BenchmarkBurst(b *testing.B) {
	f := newBenchFixture(b, time.Now().UTC())
	const shards, contacts = 4, 50
	b.ResetTimer()
	start := time.Now()
	total := 0
	for n := range b.N {
		var wg sync.WaitGroup
		for s := range shards {
			var evs []events.Envelope
			for c := range contacts {
				id := fmt.Sprintf("b%d-s%d-c%d", n, s, c)
				now := f.clock.now()
				evs = append(evs,
					benchEvent(b, events.TypeContactQueued, id, now, events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}),
					benchEvent(b, events.TypeContactOffered, id, now, events.ContactOffered{AgentID: "usr_a", Queue: "general", Channel: events.ChannelChat, OfferID: "o", ExpiresAt: now.Add(20 * time.Second)}),
					benchEvent(b, events.TypeContactAssigned, id, now, events.ContactAssigned{AgentID: "usr_a", Queue: "general", Channel: events.ChannelChat, OfferID: "o", WaitMS: 3000}))
			}
			total += len(evs)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < len(evs); i += 100 {
					resp, err := f.h.Handle(b.Context(), batch(b, evs[i:min(i+100, len(evs))]...))
					if err != nil || len(resp.BatchItemFailures) > 0 {
						b.Errorf("batch: %v %v", err, resp.BatchItemFailures)
					}
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(f.db.conflicts.Load())/float64(total), "lost-races/event")
}
