package satisfaction

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	return store.New(ddb, table)
}

var (
	demo  = func() tenant.ID { id, _ := tenant.Parse("demo"); return id }()
	day   = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	today = day.Format(time.DateOnly)
)

func ev(t *testing.T, typ, subject string, at time.Time, data any) events.Envelope {
	t.Helper()
	e, err := events.New(demo, typ, subject, "test", data)
	if err != nil {
		t.Fatal(err)
	}
	e.Time = at
	return e
}

func intp(n int) *int { return &n }

// contactEvents are a chat contact's life: handed off for card_lost to queue cards, assigned to
// agent a-1, wrapped up (the floor's contact.ended) and the conversation's contact.ended.
func contactEvents(t *testing.T, id string) []events.Envelope {
	return []events.Envelope{
		ev(t, events.TypeContactCreated, id, day, events.ContactCreated{Channel: events.ChannelChat, Queue: "cards", Intent: "card_lost", Reason: events.ReasonCustomerRequest}),
		ev(t, events.TypeContactQueued, id, day, events.ContactQueued{Channel: events.ChannelChat, Queue: "cards", Reason: events.QueueHandoff}),
		ev(t, events.TypeContactAssigned, id, day, events.ContactAssigned{Channel: events.ChannelChat, Queue: "cards", AgentID: "a-1", OfferID: "o-1"}),
		ev(t, events.TypeContactEnded, id, day, events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByAgent, AgentID: "a-1", Intent: "card_lost"}),
		ev(t, events.TypeContactEnded, id, day, events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeHandedOff, Intent: "card_lost"}),
	}
}

func figures(t *testing.T, db *store.Store, by Dimension) map[string]Row {
	t.Helper()
	rows, err := Figures(context.Background(), db, demo, by, today, today)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Row{}
	for _, r := range rows {
		out[r.Value] = r
	}
	return out
}

func rowString(r Row) string {
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("csat %d mean %s pct %s; nps %d = %s (%d/%d)", r.CSATCount, f(r.CSATMean), f(r.CSATPercent), r.NPSCount, f(r.NPS), r.Promoters, r.Detractors)
}

// The fold joins feedback with its contact's facts whichever comes first: the feedback before
// every contact event, after all of them, and in the middle give the same figures, and a
// redelivered event counts once.
func TestFoldJoinsInEitherOrder(t *testing.T) {
	ctx := context.Background()
	orders := map[string]func(life []events.Envelope, fb events.Envelope) []events.Envelope{
		"feedback last": func(life []events.Envelope, fb events.Envelope) []events.Envelope { return append(life, fb) },
		"feedback first": func(life []events.Envelope, fb events.Envelope) []events.Envelope {
			return append([]events.Envelope{fb}, life...)
		},
		"feedback between": func(life []events.Envelope, fb events.Envelope) []events.Envelope {
			return append(append(append([]events.Envelope{}, life[:2]...), fb), life[2:]...)
		},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			db := newStore(t)
			f := NewFold(db, func() time.Time { return day })
			fb := ev(t, events.TypeFeedbackSubmitted, "cv-1", day.Add(time.Hour), events.FeedbackSubmitted{ContactID: "cv-1", CSAT: intp(4), NPS: intp(9), Source: events.FeedbackChat})
			all := order(contactEvents(t, "cv-1"), fb)
			all = append(all, all...) // every event delivered twice
			for _, e := range all {
				if err := f.Event(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			want := "csat 1 mean 4 pct 100; nps 1 = 100 (1/0)"
			for by, value := range map[Dimension]string{ByIntent: "card_lost", ByQueue: "cards", ByAgent: "a-1", ByChannel: "chat", ByResolution: ResolutionPerson} {
				rows := figures(t, db, by)
				if len(rows) != 1 || rowString(rows[value]) != want {
					t.Fatalf("by %s: %v, want %s: %s", by, rows, value, want)
				}
			}
		})
	}
}

// A fact that changes after the answer moves its count (a transfer to another agent); the chat
// survey's two answers (CSAT, then NPS) count as one contact; an answer about a contact the fold
// never saw counts under its source's channel; other events are ignored.
func TestFoldMovesCountsWithFacts(t *testing.T) {
	ctx := context.Background()
	db := newStore(t)
	f := NewFold(db, nil)
	apply := func(es ...events.Envelope) {
		t.Helper()
		for _, e := range es {
			if err := f.Event(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	life := contactEvents(t, "cv-2")
	apply(life[:3]...)
	apply(ev(t, events.TypeFeedbackSubmitted, "cv-2", day, events.FeedbackSubmitted{ContactID: "cv-2", CSAT: intp(2), Source: events.FeedbackChat}))
	if rows := figures(t, db, ByAgent); rows["a-1"].CSATCount != 1 {
		t.Fatalf("before the transfer: %v", rows)
	}
	apply(ev(t, events.TypeContactTransferred, "cv-2", day, events.ContactTransferred{FromAgent: "a-1", ToQueue: "vip", ToAgent: "a-2", By: "a-1"}))
	apply(ev(t, events.TypeFeedbackSubmitted, "cv-2", day, events.FeedbackSubmitted{ContactID: "cv-2", NPS: intp(3), Source: events.FeedbackChat}))
	agents := figures(t, db, ByAgent)
	if _, ok := agents["a-1"]; ok || rowString(agents["a-2"]) != "csat 1 mean 2 pct 0; nps 1 = -100 (0/1)" {
		t.Fatalf("after the transfer: %v", agents)
	}
	if q := figures(t, db, ByQueue); len(q) != 1 || q["vip"].CSATCount != 1 {
		t.Fatalf("queues: %v", q)
	}
	// An answer with no contact events: its channel from its source, nothing else.
	apply(ev(t, events.TypeFeedbackSubmitted, "cv-voice", day, events.FeedbackSubmitted{ContactID: "cv-voice", CSAT: intp(5), Source: events.FeedbackVoice}))
	if ch := figures(t, db, ByChannel); rowString(ch["voice"]) != "csat 1 mean 5 pct 100; nps 0 = - (0/0)" {
		t.Fatalf("channels: %v", ch)
	}
	if r := figures(t, db, ByResolution); len(r) != 1 || r[ResolutionPerson].CSATCount != 1 {
		t.Fatalf("resolutions: %v", r)
	}
	apply(ev(t, events.TypeChatMessage, "cv-2", day, events.ChatMessage{ConversationID: "cv-2", Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "hi"}))
	// A day outside the range reads nothing; bad ranges are refused.
	if rows, err := Figures(ctx, db, demo, ByAgent, "2026-12-02", "2026-12-31"); err != nil || len(rows) != 0 {
		t.Fatalf("another month: %v %v", rows, err)
	}
	for _, c := range [][3]string{{"team", today, today}, {"intent", "2026-12-02", today}, {"intent", "yesterday", today}, {"intent", "2025-01-01", today}} {
		if _, err := Figures(ctx, db, demo, Dimension(c[0]), c[1], c[2]); err == nil {
			t.Fatalf("Figures(%v) took it", c)
		}
	}
}

// The figures' maths: CSAT mean, CSAT % (4s and 5s), NPS (promoters − detractors) over the
// answers, from many contacts folded one event at a time.
func TestFiguresMaths(t *testing.T) {
	ctx := context.Background()
	db := newStore(t)
	f := NewFold(db, nil)
	csats := []int{5, 4, 4, 3, 1, 2, 5}        // mean 24/7 = 3.43; 4 of 7 are 4–5 = 57.14%
	npss := []int{10, 9, 8, 7, 6, 0, 3, 9, 10} // promoters 4, detractors 3 of 9: 11.11
	n := max(len(csats), len(npss))
	for i := range n {
		id := fmt.Sprintf("cv-m%d", i)
		data := events.FeedbackSubmitted{ContactID: id, Source: events.FeedbackAPI}
		if i < len(csats) {
			data.CSAT = intp(csats[i])
		}
		if i < len(npss) {
			data.NPS = intp(npss[i])
		}
		for _, e := range []events.Envelope{
			ev(t, events.TypeFeedbackSubmitted, id, day, data),
			ev(t, events.TypeContactEnded, id, day, events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByBot, Intent: "balance"}),
		} {
			if err := f.Event(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows := figures(t, db, ByIntent)
	if got, want := rowString(rows["balance"]), "csat 7 mean 3.43 pct 57.14; nps 9 = 11.11 (4/3)"; got != want {
		t.Fatalf("balance: %s, want %s", got, want)
	}
	if got := rowString(figures(t, db, ByResolution)[ResolutionBot]); got != "csat 7 mean 3.43 pct 57.14; nps 9 = 11.11 (4/3)" {
		t.Fatalf("bot: %s", got)
	}
	// The pure maths at the edges.
	for name, c := range map[string]struct {
		s    Sums
		want string
	}{
		"none":           {Sums{}, "csat 0 mean - pct -; nps 0 = - (0/0)"},
		"all detractors": {Sums{NPSCount: 2, Detractors: 2}, "csat 0 mean - pct -; nps 2 = -100 (0/2)"},
		"thirds":         {Sums{CSATCount: 3, CSATSum: 10, CSATTop: 1}, "csat 3 mean 3.33 pct 33.33; nps 0 = - (0/0)"},
	} {
		if got := rowString(c.s.Row("x")); got != c.want {
			t.Errorf("%s: %s, want %s", name, got, c.want)
		}
	}
}
