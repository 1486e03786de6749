package wallboard_test

import (
	"fmt"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// A contact waits 12 s and is answered; another gives up after 30 s. With the queue's target of
// 80% in 20 s, the answer is within the target and the abandon after it: service level 1/(1+1).
func ExampleState_Board() {
	acme, _ := tenant.Parse("acme")
	at := func(clock string) time.Time { t, _ := time.Parse(time.RFC3339, "2026-03-02T"+clock+"Z"); return t }
	fact := func(typ, contact, clock string, data any) events.Envelope {
		e, err := events.New(acme, typ, contact, "example", data)
		if err != nil {
			panic(err)
		}
		e.Time = at(clock)
		return e
	}
	s, _ := wallboard.NewState("2026-03-02", wallboard.Location(acme))
	s.SetQueues([]wallboard.QueueSettings{{ID: "general", Name: "General", TargetSeconds: 20, TargetPercent: 80}}, at("09:00:00"))
	for _, e := range []events.Envelope{
		fact(events.TypeContactQueued, "c1", "09:00:00", events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}),
		fact(events.TypeContactAssigned, "c1", "09:00:12", events.ContactAssigned{AgentID: "usr_1", Queue: "general", Channel: events.ChannelChat, OfferID: "o1", WaitMS: 12000}),
		fact(events.TypeContactQueued, "c2", "09:01:00", events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}),
		fact(events.TypeContactAbandoned, "c2", "09:01:30", events.ContactAbandoned{Queue: "general", Channel: events.ChannelChat, WaitMS: 30000, Reason: events.AbandonCustomerLeft}),
		fact(events.TypeContactQueued, "c3", "09:02:00", events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}),
	} {
		if _, err := s.Apply(e); err != nil {
			panic(err)
		}
	}
	q := s.Board(at("09:02:45")).Queues[0]
	fmt.Printf("offered %d, answered %d, abandoned %d, waiting %d (longest %d s)\n", q.Offered, q.Answered, q.Abandoned, q.Waiting, q.LongestWaitSeconds)
	fmt.Printf("service level %.1f%%, ASA %.1f s, abandon rate %.1f%%\n", *q.ServiceLevel, *q.ASASeconds, *q.AbandonRate)
	// Output:
	// offered 3, answered 1, abandoned 1, waiting 1 (longest 45 s)
	// service level 50.0%, ASA 12.0 s, abandon rate 50.0%
}
