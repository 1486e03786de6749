package conversation

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// txCommitter writes ops in one transaction and keeps the events it was given.
type txCommitter struct {
	db  *store.Store
	mu  sync.Mutex
	evs []events.Envelope
}

func (c *txCommitter) Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error {
	if err := c.db.Tx(ctx, ops...); err != nil {
		return err
	}
	c.mu.Lock()
	c.evs = append(c.evs, evs...)
	c.mu.Unlock()
	return nil
}

// An agent writes only into a handed-off conversation: the message joins the transcript with the
// agent's id and chat.message (role agent, agent_id) is emitted with it; two agents' messages
// racing both land; an ended, bot-held, unknown or another tenant's conversation is refused.
func TestAgentMessage(t *testing.T) {
	ctx := t.Context()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	db := store.New(ddb, table)
	commit := &txCommitter{db: db}
	svc := New(Config{DB: db, Commit: commit})
	acme, _ := tenant.Parse("acme")
	globex, _ := tenant.Parse("globex")
	start := time.Now().UTC().Add(-time.Minute)
	for id, st := range map[string]State{"handed": StateHandoff, "bot": StateActive, "ended": StateEnded} {
		c := Conversation{ID: id, Channel: events.ChannelChat, State: st, CreatedAt: start, UpdatedAt: start,
			Messages: []Message{{Role: events.RoleCustomer, Text: "转人工", Time: start}}, TotalMessages: 1}
		if _, err := db.Put(ctx, acme, store.Key{Kind: Kind, ID: id}, c, 0); err != nil {
			t.Fatal(err)
		}
	}
	m, err := svc.AgentMessage(ctx, acme, "handed", "usr_a", "  您好，我是客服小王。 ")
	if err != nil || m.Role != events.RoleAgent || m.AgentID != "usr_a" || m.Text != "您好，我是客服小王。" || m.Time.Before(start) {
		t.Fatalf("AgentMessage = %+v, %v", m, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, who := range []string{"usr_a", "usr_b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.AgentMessage(ctx, acme, "handed", who, "from "+who)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("racing agent message: %v", err)
		}
	}
	c, err := svc.Get(ctx, acme, "handed")
	if err != nil || len(c.Messages) != 4 || c.TotalMessages != 4 || c.Messages[1].AgentID != "usr_a" {
		t.Fatalf("transcript %+v %v", c, err)
	}
	if len(commit.evs) != 3 {
		t.Fatalf("%d events, want 3", len(commit.evs))
	}
	for _, ev := range commit.evs {
		d, err := events.DataAs[events.ChatMessage](ev)
		if err != nil || ev.Type != events.TypeChatMessage || d.Role != events.RoleAgent || d.AgentID == "" || d.ConversationID != "handed" {
			t.Fatalf("event %+v: %+v %v", ev, d, err)
		}
	}
	for name, tc := range map[string]struct {
		t    tenant.ID
		id   string
		text string
		want error
	}{
		"ended":          {acme, "ended", "hi", ErrEnded},
		"bot":            {acme, "bot", "hi", ErrNotHandedOff},
		"unknown":        {acme, "nope", "hi", ErrNotFound},
		"another tenant": {globex, "handed", "hi", ErrNotFound},
		"empty":          {acme, "handed", "   ", ErrInvalidText},
		"too long":       {acme, "handed", strings.Repeat("好", MaxTextRunes+1), ErrInvalidText},
	} {
		if _, err := svc.AgentMessage(ctx, tc.t, tc.id, "usr_a", tc.text); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if len(commit.evs) != 3 {
		t.Fatalf("a refused message emitted an event")
	}
}
