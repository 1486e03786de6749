package handler

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// pureBoard folds evs with shared/wallboard alone: what the consumer's stored board must equal.
func pureBoard(t *testing.T, evs []events.Envelope, now time.Time) wallboard.Board {
	t.Helper()
	s, err := wallboard.NewState("2026-03-02", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	s.SetQueues([]wallboard.QueueSettings{{ID: "general", Name: "General", TargetSeconds: 20, TargetPercent: 80},
		{ID: "vip", Name: "VIP", TargetSeconds: 10, TargetPercent: 90}}, now)
	for _, e := range evs {
		if _, err := s.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	return s.Board(now)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The recorded day through the consumer (one batch, the emulators' table): the stored board is the
// pure fold's, written once; supervisors get the figures once; agents and supervisors get each
// contact and status change; a redelivered batch changes and pushes nothing.
func TestRecordedDayThroughTheConsumer(t *testing.T) {
	f := newFixture(t, at("09:45:00"))
	day := recordedDay(t)
	f.handle(t, day...)

	s, it, ver, err := wallboard.Read(t.Context(), f.db, f.t, "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, s.Board(at("09:45:00"))), jsonOf(t, pureBoard(t, day, at("09:45:00"))); got != want {
		t.Fatalf("stored board\n got %s\nwant %s", got, want)
	}
	if it.Pending {
		t.Error("the item is still pending after the batch's flush")
	}

	sent := f.push.take()
	boards := of(sent, TypeWallboard)
	if len(boards) != 1 || boards[0].to != "role:supervisor" {
		t.Fatalf("wallboard pushes %+v, want 1 (one write for the batch) to supervisors", boards)
	}
	last := boards[0].msg
	delete(last, "type")
	var want0945 map[string]any
	if err := json.Unmarshal([]byte(jsonOf(t, pureBoard(t, day, at("09:45:00")))), &want0945); err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, last), jsonOf(t, want0945); got != want {
		t.Fatalf("pushed board\n got %s\nwant %s", got, want)
	}

	agentMsgs := of(sent, TypeAgent)
	if len(agentMsgs) != 10 {
		t.Errorf("%d agent pushes, want 5 status changes × (the agent + supervisors)", len(agentMsgs))
	}
	want := []struct{ to, contact, state, agent, queue string }{
		{"user:usr_a2", "c2", "queued", "", "general"},         // usr_a2's offer timed out
		{"user:usr_a1", "c2", "assigned", "usr_a1", "general"}, // accepted
		{"user:usr_a1", "c1", "closed", "usr_a1", "general"},   // wrapped up with a disposition
		{"user:usr_a1", "c2", "wrapup", "usr_a1", "general"},   // the customer left: wrap-up
		{"user:usr_a2", "c5", "transferred", "", "general"},    // moved off usr_a2
		{"role:supervisor", "c3", "abandoned", "", "general"},
		{"role:supervisor", "c8", "offered", "usr_a2", "general"},
	}
	contacts := of(sent, TypeContact)
	for _, w := range want {
		if !slices.ContainsFunc(contacts, func(p pushed) bool {
			return p.to == w.to && p.msg["contact_id"] == w.contact && p.msg["state"] == w.state && p.msg["agent_id"] == w.agent && p.msg["queue"] == w.queue
		}) {
			t.Errorf("no contact push %+v", w)
		}
	}
	if slices.ContainsFunc(contacts, func(p pushed) bool { return p.msg["contact_id"] == "c3" && p.msg["state"] == "closed" }) {
		t.Error("the end of a contact no person had was pushed")
	}
	if slices.ContainsFunc(contacts, func(p pushed) bool { return p.to == "user:usr_a3" }) {
		t.Error("usr_a3, never offered a contact, got a contact push")
	}

	// Redelivered: nothing changes, nothing is pushed.
	f.handle(t, day...)
	if n := len(f.push.take()); n != 0 {
		t.Errorf("a redelivered batch pushed %d messages", n)
	}
	if _, _, ver2, err := wallboard.Read(t.Context(), f.db, f.t, "2026-03-02"); err != nil || ver2 != ver {
		t.Errorf("a redelivered batch wrote the board: version %d → %d (%v)", ver, ver2, err)
	}
	// Applied again past the consumer's own records (a crash between the write and Complete):
	// the board's ids catch it.
	if err := f.h.Event(t.Context(), f.t, day[10]); err != nil {
		t.Fatal(err)
	}
	if n := len(f.push.take()); n != 0 {
		t.Errorf("an event the board had applied pushed %d messages", n)
	}
}

// At most one wallboard push per tenant per second, and the last state always goes out.
func TestWallboardThrottle(t *testing.T) {
	t0 := at("10:00:00")
	f := newFixture(t, t0)
	var pushes []time.Time
	for i := range 6 {
		if planned := t0.Add(time.Duration(i) * 400 * time.Millisecond); planned.After(f.clock.now()) {
			f.clock.set(planned)
		}
		agent := fmt.Sprintf("usr_%d", i)
		f.handle(t, event(t, events.TypeAgentState, agent, f.clock.now(),
			events.AgentState{AgentID: agent, State: events.AgentAvailable, Previous: events.AgentOffline, Reason: events.AgentReasonSelf, By: "user/" + agent}))
		for _, p := range of(f.push.take(), TypeWallboard) {
			ts, err := time.Parse(time.RFC3339Nano, p.msg["at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			pushes = append(pushes, ts)
			if n := p.msg["agents_by_state"].(map[string]any)["available"]; n != float64(i+1) {
				t.Errorf("batch %d pushed a board with %v available, want its own state (%d)", i, n, i+1)
			}
		}
	}
	if len(pushes) != 6 {
		t.Fatalf("%d pushes for 6 batches, want each batch's last state sent", len(pushes))
	}
	for i := 1; i < len(pushes); i++ {
		if gap := pushes[i].Sub(pushes[i-1]); gap < time.Second {
			t.Errorf("pushes %d and %d %v apart, want at least 1 s", i-1, i, gap)
		}
	}

	// Within one batch many changes make one write and one push, of the batch's last state.
	f.clock.set(f.clock.now().Add(5 * time.Second))
	var evs []events.Envelope
	for i := range 20 {
		id := fmt.Sprintf("k%d", i)
		evs = append(evs, event(t, events.TypeContactQueued, id, f.clock.now(),
			events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}))
	}
	f.handle(t, evs...)
	boards := of(f.push.take(), TypeWallboard)
	if len(boards) != 1 {
		t.Fatalf("%d pushes for a batch of 20 changes, want 1", len(boards))
	}
	if w := boards[0].msg["totals"].(map[string]any)["waiting"]; w != 20.0 {
		t.Fatalf("last push shows %v waiting, want 20", w)
	}
}

// chat.message goes to the conversation's visitors, and to the agent only while the contact is
// assigned to them (or in wrap-up): not to an agent merely offered it.
func TestChatMessagePushes(t *testing.T) {
	f := newFixture(t, at("11:00:00"))
	msg := func(conv string, role events.Role, text string) events.Envelope {
		return event(t, events.TypeChatMessage, conv, f.clock.now(), events.ChatMessage{ConversationID: conv, Channel: events.ChannelChat, Role: role, Text: text})
	}
	f.handle(t,
		event(t, events.TypeContactQueued, "conv-1", at("10:59:00"), events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}),
		event(t, events.TypeContactOffered, "conv-1", at("10:59:01"), events.ContactOffered{AgentID: "usr_a1", Queue: "general", Channel: events.ChannelChat, OfferID: "o1", ExpiresAt: at("10:59:21")}),
	)
	f.push.take()
	f.handle(t, msg("conv-1", events.RoleCustomer, "hello?"))
	if got := f.push.take(); len(got) != 1 || got[0].to != "conv:conv-1" {
		t.Fatalf("message while only offered pushed %+v, want the conversation only", got)
	}
	f.handle(t, event(t, events.TypeContactAssigned, "conv-1", at("10:59:05"), events.ContactAssigned{AgentID: "usr_a1", Queue: "general", Channel: events.ChannelChat, OfferID: "o1", WaitMS: 5000}))
	f.push.take()
	f.handle(t, msg("conv-1", events.RoleCustomer, "my card is lost"))
	got := f.push.take()
	tos := []string{}
	for _, p := range got {
		tos = append(tos, p.to)
		if p.kind != TypeMessage || p.msg["contact_id"] != "conv-1" || p.msg["role"] != "customer" || p.msg["text"] != "my card is lost" || p.msg["time"] == nil {
			t.Errorf("message push %+v", p.msg)
		}
	}
	if slices.Sort(tos); !reflect.DeepEqual(tos, []string{"conv:conv-1", "user:usr_a1"}) {
		t.Fatalf("message pushed to %v, want the conversation and usr_a1", tos)
	}
	f.handle(t, msg("conv-2", events.RoleBot, "hi"))
	if got := f.push.take(); len(got) != 1 || got[0].to != "conv:conv-2" {
		t.Fatalf("bot message of a conversation with no contact pushed %+v", got)
	}
}

// Consumers of several shards write one tenant's board at once: every event counts once, the
// losers of each race read again (the test fails if no race happened).
func TestRacingConsumers(t *testing.T) {
	f := newFixture(t, at("12:00:00"))
	const writers, each = 6, 5
	total := 0
	for round := 0; round < 3 && f.db.conflicts.Load() == 0; round++ {
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			var evs []events.Envelope
			for i := range each {
				id := fmt.Sprintf("r%d-w%d-%d", round, w, i)
				evs = append(evs, event(t, events.TypeContactQueued, id, at("12:00:00"),
					events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}))
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for _, e := range evs {
					if err := f.h.Event(t.Context(), f.t, e); err != nil {
						errs <- err
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		total += writers * each
	}
	if f.db.conflicts.Load() == 0 {
		t.Fatal("no write lost a race in 3 rounds: the test proved nothing")
	}
	s, _, _, err := wallboard.Read(t.Context(), f.db, f.t, "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	if b := s.Board(at("12:00:00")); b.Totals.Offered != total || b.Totals.Waiting != total {
		t.Fatalf("offered %d waiting %d, want %d each (%d lost races)", b.Totals.Offered, b.Totals.Waiting, total, f.db.conflicts.Load())
	}
	t.Logf("%d events from %d writers at once, %d lost races", total, writers, f.db.conflicts.Load())
}

// A late event of yesterday counts on yesterday's board and moves today's floor.
func TestLateEventOfYesterday(t *testing.T) {
	f := newFixture(t, at("23:59:00"))
	f.handle(t, event(t, events.TypeContactQueued, "c1", at("23:58:00"), events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}))
	next := time.Date(2026, 3, 3, 0, 5, 0, 0, time.UTC)
	f.clock.set(next)
	// Today's first event carries the floor: c1 waits on the 3rd too.
	f.handle(t, event(t, events.TypeContactQueued, "c2", next, events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff}))
	// c1 was answered at 23:59:30 on the 2nd; the event arrives now.
	f.handle(t, event(t, events.TypeContactAssigned, "c1", at("23:59:30"), events.ContactAssigned{AgentID: "usr_a1", Queue: "general", Channel: events.ChannelChat, OfferID: "o", WaitMS: 90000}))

	y, _, _, err := wallboard.Read(t.Context(), f.db, f.t, "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	if g := y.Board(next).Queues[0]; g.Offered != 1 || g.Answered != 1 || g.Waiting != 0 {
		t.Fatalf("yesterday: offered %d answered %d waiting %d, want 1 1 0", g.Offered, g.Answered, g.Waiting)
	}
	d, _, _, err := wallboard.Read(t.Context(), f.db, f.t, "2026-03-03")
	if err != nil {
		t.Fatal(err)
	}
	b := d.Board(next)
	if g := b.Queues[0]; g.Offered != 1 || g.Answered != 0 || g.Waiting != 1 {
		t.Fatalf("today: offered %d answered %d waiting %d, want 1 (c2) 0 1 (c2)", g.Offered, g.Answered, g.Waiting)
	}
	if b.Agents != nil && len(b.Agents) != 0 {
		t.Fatalf("agents %v", b.Agents)
	}
}

// A tenant's first board starts from the floor as it stands (agents, the waiting, the contacts
// agents have), not empty: the live function may start after the floor did.
func TestFirstBoardSeededFromTheFloor(t *testing.T) {
	f := newFixture(t, at("09:00:00"))
	f.h = New(f.db, f.push, Config{}, f.h.log, WithClock(f.clock.now, f.clock.wait), WithFloor(floor.New(f.db.Store, nil)))
	ctx := t.Context()
	put := func(k store.Key, v any) {
		t.Helper()
		if err := f.db.Create(ctx, f.t, k, v); err != nil {
			t.Fatal(err)
		}
	}
	put(floor.PresenceKey("usr_a1"), floor.Presence{UserID: "usr_a1", State: floor.AgentAvailable, Since: at("07:00:00"),
		Slots: []floor.Slot{{ContactID: "c-old", Channel: events.ChannelChat, Status: floor.StateAssigned, Since: at("08:00:00")}}})
	put(floor.ContactKey("c-old"), floor.Contact{ID: "c-old", Channel: events.ChannelChat, Queue: "general", State: floor.StateAssigned, EnqueuedAt: at("07:59:00"), AgentID: "usr_a1"})
	put(store.Key{Kind: floor.KindContactWaiting, ID: "c-wait"}, floor.Contact{ID: "c-wait", Channel: events.ChannelChat, Queue: "general", State: floor.StateQueued, EnqueuedAt: at("08:30:00")})

	f.handle(t, event(t, events.TypeAgentState, "usr_a2", at("09:00:00"),
		events.AgentState{AgentID: "usr_a2", State: events.AgentBreak, Previous: events.AgentOffline, Reason: events.AgentReasonSelf, By: "user/usr_a2"}))
	s, _, _, err := wallboard.Read(ctx, f.db, f.t, "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	b := s.Board(at("09:00:00"))
	if len(b.Agents) != 2 || b.Agents[0].AgentID != "usr_a1" || b.Agents[0].Contacts != 1 || !b.Agents[0].Since.Equal(at("07:00:00")) || b.Agents[1].State != events.AgentBreak {
		t.Fatalf("agents %s", jsonOf(t, b.Agents))
	}
	if g := b.Queues[0]; g.Queue != "general" || g.Waiting != 1 || g.LongestWaitSeconds != 1800 || g.Offered != 1 {
		t.Fatalf("general %s", jsonOf(t, g))
	}
	// The floor's agent has c-old: a customer message reaches them.
	f.push.take()
	f.handle(t, event(t, events.TypeChatMessage, "c-old", at("09:00:01"), events.ChatMessage{ConversationID: "c-old", Channel: events.ChannelChat, Role: events.RoleCustomer, Text: "still there?"}))
	if got := f.push.take(); !slices.ContainsFunc(got, func(p pushed) bool { return p.to == "user:usr_a1" }) {
		t.Fatalf("message pushed %+v, want usr_a1 among them", got)
	}
}

// A tenant whose board cannot be written gets its records reported for retry, its claims
// released and nothing pushed; other tenants in the batch go on. The redelivery applies the
// failed tenant's events once and skips the others'.
func TestFailedWriteIsRetried(t *testing.T) {
	f := newFixture(t, at("10:00:00"))
	other, _ := tenant.Parse("other")
	queued := func(ten tenant.ID, id string) events.Envelope {
		e, err := events.New(ten, events.TypeContactQueued, id, "test", events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff})
		if err != nil {
			t.Fatal(err)
		}
		e.Time = at("10:00:00")
		return e
	}
	evs := []events.Envelope{queued(f.t, "a1"), queued(other, "o1"), queued(f.t, "a2"), queued(other, "o2")}
	f.db.failFor.Store(f.t)
	resp, err := f.h.Handle(t.Context(), batch(t, evs...))
	if err != nil {
		t.Fatal(err)
	}
	var seqs []string
	for _, fl := range resp.BatchItemFailures {
		seqs = append(seqs, fl.ItemIdentifier)
	}
	if slices.Sort(seqs); !reflect.DeepEqual(seqs, []string{"1", "3"}) {
		t.Fatalf("failures %v, want acme's records 1 and 3", seqs)
	}
	for _, p := range f.push.take() {
		if p.kind != TypeWallboard && p.msg["contact_id"] != "o1" && p.msg["contact_id"] != "o2" {
			t.Errorf("pushed %+v for a tenant whose board was not written", p)
		}
	}
	f.db.failFor.Store(tenant.ID{})
	f.handle(t, evs...)
	for _, ten := range []tenant.ID{f.t, other} {
		s, _, _, err := wallboard.Read(t.Context(), f.db, ten, "2026-03-02")
		if err != nil {
			t.Fatal(err)
		}
		if b := s.Board(at("10:00:00")); b.Totals.Offered != 2 || b.Totals.Waiting != 2 {
			t.Errorf("%s: offered %d waiting %d, want 2 and 2", ten, b.Totals.Offered, b.Totals.Waiting)
		}
	}
}

// The same event twice in one batch (a producer's retry) is handled once and fails nothing.
func TestDuplicateRecordInABatch(t *testing.T) {
	f := newFixture(t, at("10:00:00"))
	e := event(t, events.TypeContactQueued, "d1", at("10:00:00"), events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff})
	f.handle(t, e, e)
	if b := f.board(t); b.Totals.Offered != 1 {
		t.Fatalf("offered %d, want 1", b.Totals.Offered)
	}
	if n := len(of(f.push.take(), TypeContact)); n != 1 {
		t.Fatalf("%d contact pushes, want 1", n)
	}
}

// The dispatch engine's strategies reach the supervisors' wallboard: an activation is pushed in
// the figures' strategies at once, and its withdrawal takes it off; neither is a contact or agent
// push.
func TestStrategiesPushed(t *testing.T) {
	f := newFixture(t, at("10:00:00"))
	until := at("10:15:00")
	act := events.DispatchStrategy{ActivationID: "act-20260302T1000-general-overflow", Action: events.StrategyActivated,
		Strategy: events.StrategyOverflow, Queue: "general", Source: events.StrategyByEngine, Since: at("10:00:00"), Until: &until,
		DecisionID: "20260302T1000", Reason: "A gap of 2 agents on general: backup skills take its contacts at once.", GapAgents: 2}
	f.handle(t, event(t, events.TypeDispatchStrategy, act.ActivationID, at("10:00:00"), act))
	sent := f.push.take()
	boards := of(sent, TypeWallboard)
	if len(boards) != 1 || len(sent) != 1 {
		t.Fatalf("pushes %+v, want the figures alone", sent)
	}
	st, _ := boards[0].msg["strategies"].([]any)
	if len(st) != 1 {
		t.Fatalf("pushed strategies %v, want the overflow", boards[0].msg["strategies"])
	}
	got := st[0].(map[string]any)
	for k, want := range map[string]any{"activation_id": act.ActivationID, "queue": "general", "strategy": "overflow",
		"source": "engine", "since": "2026-03-02T10:00:00Z", "until": "2026-03-02T10:15:00Z", "reason": act.Reason} {
		if got[k] != want {
			t.Errorf("pushed strategy's %s = %v, want %v", k, got[k], want)
		}
	}

	f.clock.set(at("10:05:00"))
	act.Action, act.Until, act.Reason = events.StrategyWithdrawn, nil, "The gap on general closed."
	f.handle(t, event(t, events.TypeDispatchStrategy, act.ActivationID, at("10:05:00"), act))
	boards = of(f.push.take(), TypeWallboard)
	if len(boards) != 1 {
		t.Fatalf("%d wallboard pushes after the withdrawal, want 1", len(boards))
	}
	if st, _ := boards[0].msg["strategies"].([]any); st == nil || len(st) != 0 {
		t.Fatalf("strategies after the withdrawal %v, want []", boards[0].msg["strategies"])
	}
}
