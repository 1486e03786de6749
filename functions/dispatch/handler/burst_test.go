package handler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
)

// Two dispatcher instances handle halves of a burst of handoffs of one tenant at once: every slot
// is filled once, no agent beyond capacity, no contact on two agents, the rest left queued.
func TestBurstTwoInstances(t *testing.T) {
	const (
		nAgents   = 8
		nContacts = 24 // 16 chat slots
	)
	ctx := context.Background()
	fx := newFixture(t)
	if err := fx.db.Create(ctx, fx.t, floor.QueueKey(DefaultQueue), floor.NewDefaultQueue(fx.clk.now())); err != nil {
		t.Fatal(err)
	}
	for i := range nAgents {
		fx.user(t, fmt.Sprintf("usr_%02d", i), nil)
	}
	var halves [2][]events.Envelope
	for i := range nContacts {
		ev, err := events.New(fx.t, events.TypeContactCreated, fmt.Sprintf("conv-%03d", i), "lingxi.chat",
			events.ContactCreated{Channel: events.ChannelChat, Queue: DefaultQueue, Reason: events.ReasonCustomerRequest})
		if err != nil {
			t.Fatal(err)
		}
		halves[i%2] = append(halves[i%2], ev)
	}
	other := New(Config{DB: fx.db, Floor: fx.fl, Notifier: fx.push, Timers: fx.timers, TimerQueueURL: "http://timers",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fx.clk.now})
	second := &fixture{h: other, seq: 1000}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i, f := range []*fixture{fx, second} {
		wg.Go(func() {
			<-start
			if failed := f.stream(t, halves[i]...); len(failed) != 0 {
				t.Errorf("instance %d failed %v", i, failed)
			}
		})
	}
	close(start)
	wg.Wait()

	holder := map[string]string{}
	for i := range nAgents {
		id := fmt.Sprintf("usr_%02d", i)
		p, _, err := fx.fl.Presence(ctx, fx.t, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Load(events.ChannelChat) != 2 {
			t.Errorf("%s has %d chats, want its 2 slots filled", id, p.Load(events.ChannelChat))
		}
		for _, s := range p.Slots {
			if h, ok := holder[s.ContactID]; ok {
				t.Errorf("%s on %s and %s", s.ContactID, h, id)
			}
			holder[s.ContactID] = id
		}
	}
	offered, queued := 0, 0
	for i := range nContacts {
		c, _, err := fx.fl.Contact(ctx, fx.t, fmt.Sprintf("conv-%03d", i))
		if err != nil {
			t.Fatal(err)
		}
		switch c.State {
		case floor.StateOffered:
			offered++
			if holder[c.ID] != c.Offer.AgentID {
				t.Errorf("%s offered to %s, held by %q", c.ID, c.Offer.AgentID, holder[c.ID])
			}
		case floor.StateQueued:
			queued++
		}
	}
	if offered != 2*nAgents || queued != nContacts-2*nAgents {
		t.Fatalf("%d offered, %d queued; want %d and %d", offered, queued, 2*nAgents, nContacts-2*nAgents)
	}
	if w, _ := fx.fl.Waiting(ctx, fx.t); len(w) != queued {
		t.Fatalf("%d waiting items for %d queued contacts", len(w), queued)
	}
}
