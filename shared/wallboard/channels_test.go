package wallboard

import (
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// WaitingByChannel splits a queue's waiting contacts by channel, with each channel's longest wait;
// contacts with an agent and other queues' contacts are not counted.
func TestWaitingByChannel(t *testing.T) {
	day := time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)
	s, err := NewState("2026-03-18", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	at := day.Add(10 * time.Hour)
	s.Seed(nil, []SeedContact{
		{ID: "v1", Queue: "general", Channel: events.ChannelVoice, Status: StatusQueued, EnqueuedAt: at.Add(-90 * time.Second), Changed: at},
		{ID: "v2", Queue: "general", Channel: events.ChannelVoice, Status: StatusOffered, AgentID: "a1", EnqueuedAt: at.Add(-30 * time.Second), Changed: at},
		{ID: "c1", Queue: "general", Channel: events.ChannelChat, Status: StatusQueued, EnqueuedAt: at.Add(-10 * time.Second), Changed: at},
		{ID: "c2", Queue: "general", Channel: events.ChannelChat, Status: StatusAssigned, AgentID: "a2", EnqueuedAt: at.Add(-300 * time.Second), Changed: at},
		{ID: "o1", Queue: "billing", Channel: events.ChannelVoice, Status: StatusQueued, EnqueuedAt: at.Add(-600 * time.Second), Changed: at},
	})
	got := s.WaitingByChannel("general", at)
	want := map[events.Channel]ChannelWait{
		events.ChannelVoice: {Waiting: 2, LongestWaitSeconds: 90},
		events.ChannelChat:  {Waiting: 1, LongestWaitSeconds: 10},
	}
	if len(got) != len(want) || got[events.ChannelVoice] != want[events.ChannelVoice] || got[events.ChannelChat] != want[events.ChannelChat] {
		t.Fatalf("WaitingByChannel = %+v, want %+v", got, want)
	}
	if n := len(s.WaitingByChannel("nobody", at)); n != 0 {
		t.Fatalf("an unknown queue has %d channels waiting", n)
	}
}
