package wallboard

import (
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/tenant"
)

// A caller who hangs up after the dispatch engine offered self-service (contact.abandoned with
// reason diverted) counts as diverted, not abandoned: neither the abandon rate nor the service
// level moves.
func TestDivertedIsNotAnAbandon(t *testing.T) {
	s := newDay(t)
	demo, err := tenant.Parse("demo")
	if err != nil {
		t.Fatal(err)
	}
	for i, reason := range []events.AbandonReason{events.AbandonDiverted, events.AbandonCustomerLeft} {
		e, err := events.New(demo, events.TypeContactAbandoned, "c"+string(rune('1'+i)), "lingxi.test",
			events.ContactAbandoned{Queue: "general", Channel: events.ChannelVoice, WaitMS: 45000, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		e.ID, e.Time = "ev-div-"+string(rune('1'+i)), at("10:00:00")
		if _, err := s.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	g := s.Board(at("10:01:00")).Queues[0]
	if g.Queue != "general" || g.Diverted != 1 || g.Abandoned != 1 || g.AbandonedAfterTarget != 1 {
		t.Fatalf("general: diverted %d abandoned %d (after target %d), want 1, 1 (1)", g.Diverted, g.Abandoned, g.AbandonedAfterTarget)
	}
	if tot := s.Board(at("10:01:00")).Totals; tot.Diverted != 1 {
		t.Fatalf("totals diverted %d, want 1", tot.Diverted)
	}
}
