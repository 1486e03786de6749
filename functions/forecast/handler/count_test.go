package handler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The counting table of count.go, event by event, each delivered twice.
func TestCounterEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	now := time.Date(2025, 6, 4, 0, 0, 0, 0, time.UTC)
	ivl := intervals.New(store.New(ddb, table)).WithClock(func() time.Time { return now })
	k := NewCounter(ivl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	acme, _ := tenant.Parse("acme")
	base := time.Date(2025, 6, 3, 9, 0, 0, 0, time.UTC)
	send := func(typ string, minute int, data any) {
		t.Helper()
		env, err := events.New(acme, typ, "ct-1", "test", data)
		if err != nil {
			t.Fatal(err)
		}
		env.Time = base.Add(time.Duration(minute) * time.Minute)
		// Redelivered to this process (its cache of counted starts), then to another process
		// (the marker in the table): counted once.
		for _, c := range []*Counter{k, k, NewCounter(ivl, slog.New(slog.NewTextHandler(io.Discard, nil)))} {
			if err := c.Event(ctx, env); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(events.TypeContactCreated, 1, events.ContactCreated{Channel: events.ChannelChat, Queue: "billing", Reason: events.ReasonFlow})
	send(events.TypeContactQueued, 1, events.ContactQueued{Channel: events.ChannelChat, Queue: "billing", Reason: events.QueueHandoff})
	send(events.TypeContactQueued, 2, events.ContactQueued{Channel: events.ChannelChat, Queue: "billing", Reason: events.QueueDeclined})
	send(events.TypeContactQueued, 3, events.ContactQueued{Channel: events.ChannelChat, Queue: "billing", Reason: events.QueueAPI})
	send(events.TypeContactAssigned, 4, events.ContactAssigned{AgentID: "usr_a", Queue: "billing", Channel: events.ChannelChat, OfferID: "o1", WaitMS: 1000})
	send(events.TypeContactAbandoned, 6, events.ContactAbandoned{Queue: "billing", Channel: events.ChannelChat, WaitMS: 1000, Reason: events.AbandonCustomerLeft})
	// The bot's outcomes, in the interval the bot's part ended: handed off at 09:01, resolved at 09:07.
	send(events.TypeContactEnded, 1, events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeHandedOff, DurationMS: 180_000})
	send(events.TypeContactEnded, 7, events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByBot, DurationMS: 60_000})
	send(events.TypeContactEnded, 9, events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByAgent, DurationMS: 300_400, AgentID: "usr_a"})
	// A chat arrives with its customer's first message (09:09); its later messages, the bot's, and
	// a message of the contact the API queued (ct-1, counted at 09:03) add nothing.
	send(events.TypeChatMessage, 9, events.ChatMessage{ConversationID: "c1", Channel: events.ChannelChat, Role: events.RoleBot, Text: "hello"})
	send(events.TypeChatMessage, 9, events.ChatMessage{ConversationID: "c1", Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "hi"})
	send(events.TypeChatMessage, 10, events.ChatMessage{ConversationID: "c1", Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "again"})
	send(events.TypeChatMessage, 8, events.ChatMessage{ConversationID: "ct-1", Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "me too"})
	// A call arrives at call.started (08:57), still with the bot; its voice turns add nothing, an
	// outbound call is not offered.
	send(events.TypeCallStarted, -3, events.CallStarted{CallID: "call-1", Direction: events.DirectionInbound, From: "+8613800138000", To: "+861010000"})
	send(events.TypeChatMessage, 6, events.ChatMessage{ConversationID: conversation.VoiceConversationID("call-1"), Channel: events.ChannelVoice, Role: events.RoleCustomer, Text: "hello"})
	send(events.TypeCallStarted, 6, events.CallStarted{CallID: "call-2", Direction: events.DirectionOutbound, From: "+861010000", To: "+8613800138000"})

	from := base.Add(-5 * time.Minute)
	nan := math.NaN()
	tests := map[string]struct {
		queue, counter string
		want           []float64 // 08:55, 09:00, 09:05 (NaN: before the series' first counted slot, no data)
		ch             events.Channel
	}{
		"queue offered":      {"billing", intervals.Offered, []float64{nan, 2, 0}, events.ChannelChat},
		"queue handed off":   {"billing", intervals.HandedOff, []float64{nan, 1, 0}, events.ChannelChat},
		"queue answered":     {"billing", intervals.Answered, []float64{nan, 1, 0}, events.ChannelChat},
		"queue abandoned":    {"billing", intervals.Abandoned, []float64{nan, 0, 1}, events.ChannelChat},
		"all offered":        {intervals.AllQueues, intervals.Offered, []float64{nan, 1, 1}, events.ChannelChat},
		"all offered voice":  {intervals.AllQueues, intervals.Offered, []float64{1, 0, 0}, events.ChannelVoice},
		"all bot handled":    {intervals.AllQueues, intervals.BotHandled, []float64{nan, 0, 1}, events.ChannelChat},
		"all handed off":     {intervals.AllQueues, intervals.HandedOff, []float64{nan, 1, 0}, events.ChannelChat},
		"all handle seconds": {intervals.AllQueues, intervals.HandleSeconds, []float64{nan, 0, 300}, events.ChannelChat},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := ivl.Series(ctx, acme, tc.queue, tc.ch, tc.counter, from, from.Add(15*time.Minute), intervals.Step)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range s.Values {
				w := tc.want[i]
				if math.IsNaN(w) != math.IsNaN(v) || !math.IsNaN(w) && v != w {
					t.Fatalf("got %v, want %v", s.Values, tc.want)
				}
			}
		})
	}
	bad := events.Envelope{ID: "x", Type: events.TypeContactQueued, Version: 1, Tenant: "acme", Source: "t", Time: base, Subject: "s", Data: []byte(`{"queue":1}`)}
	if err := k.Event(ctx, bad); !stream.IsPermanent(err) {
		t.Fatalf("bad payload: %v, want a permanent error", err)
	}
}

// The cache of counted contact starts stays bounded: when full it starts afresh.
func TestCountedStartsBounded(t *testing.T) {
	k := NewCounter(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	acme, _ := tenant.Parse("acme")
	for i := range startsKept + 10 {
		k.keepStarted(acme, startKey(fmt.Sprintf("cv-%d", i)))
	}
	if len(k.started) > startsKept || !k.counted(acme, startKey(fmt.Sprintf("cv-%d", startsKept+9))) {
		t.Fatalf("%d kept, the last one kept: %v", len(k.started), k.counted(acme, startKey(fmt.Sprintf("cv-%d", startsKept+9))))
	}
	if other, _ := tenant.Parse("other"); k.counted(other, startKey(fmt.Sprintf("cv-%d", startsKept+9))) {
		t.Fatal("another tenant's contact of the same id counted as started")
	}
}
