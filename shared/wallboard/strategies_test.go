package wallboard

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// The recorded day's dispatch.strategy events (ev-045 … ev-051), by hand:
//
//   - vip divert, activated 09:00 until 09:15, not renewed: withdrawn at 09:16;
//   - general callback, activated 09:10 until 09:25, renewed at 09:24 until 10:10;
//   - vip overflow, activated 09:15 until 09:30, withdrawn at 09:26;
//   - general announce_wait, a supervisor's override from 09:32 until 11:00.
//
// The fold keeps each activation's latest state, so a board rendered at 09:20 from the whole day
// shows the callback (renewed) without the overflow withdrawn since; at 09:45 the callback and the
// override. Past their Until they are still shown (the engine renews without an event and
// announces every end as withdrawn), until a day after their last event.
func TestRecordedDayStrategies(t *testing.T) {
	s := newDay(t)
	replay(t, s, recordedDay(t))
	const (
		callback = "act-20260302T0910-general-callback"
		announce = "ovr-announce-general"
	)
	cb := StrategyFigures{ActivationID: callback, Queue: "general", Strategy: events.StrategyCallback, Source: events.StrategyByEngine,
		Since: at("09:10:00"), Until: tp("10:10:00"), Reason: "The gap on general stays open (2.4 agents): callbacks renewed."}
	an := StrategyFigures{ActivationID: announce, Queue: "general", Strategy: events.StrategyAnnounceWait, Source: events.StrategyByOverride,
		Since: at("09:32:00"), Until: tp("11:00:00"), Reason: "Forced on by usr_sup: tell callers the wait."}
	for _, c := range []struct {
		at   time.Time
		want []StrategyFigures
	}{
		{at("08:59:00"), []StrategyFigures{}},
		{at("09:20:00"), []StrategyFigures{cb}},
		{at("09:45:00"), []StrategyFigures{an, cb}},
		{at("12:00:00"), []StrategyFigures{an, cb}},
		{at("09:24:00").Add(staleStrategy), []StrategyFigures{an}},
		{at("09:32:00").Add(staleStrategy), []StrategyFigures{}},
	} {
		if got := s.Board(c.at).Strategies; !reflect.DeepEqual(got, c.want) {
			t.Errorf("strategies at %s\n got %s\nwant %s", c.at, js(got), js(c.want))
		}
	}
	if n := len(s.d.Strategies); n != 4 {
		t.Errorf("%d activations remembered, want 4 (the withdrawn kept)", n)
	}
}

// strategyEvent is a dispatch.strategy event of activation id at clock.
func strategyEvent(t testing.TB, eventID, id string, action events.StrategyAction, clock string, until string) events.Envelope {
	t.Helper()
	p := events.DispatchStrategy{ActivationID: id, Action: action, Strategy: events.StrategyOverflow, Queue: "general",
		Source: events.StrategyByEngine, Since: at("09:00:00"), Reason: string(action) + " at " + clock}
	if until != "" {
		p.Until = tp(until)
	}
	e, err := events.New(acme(t), events.TypeDispatchStrategy, id, "test", p)
	if err != nil {
		t.Fatal(err)
	}
	e.ID, e.Time = eventID, at(clock)
	return e
}

// Delivery order does not matter: a late copy of an activation's earlier event (past the ids
// remembered) does not bring a withdrawn activation back nor undo a renewal, and at the same
// instant withdrawn wins.
func TestStrategyLateEvents(t *testing.T) {
	activated := strategyEvent(t, "e1", "act-1", events.StrategyActivated, "09:00:00", "09:15:00")
	renewed := strategyEvent(t, "e2", "act-1", events.StrategyActivated, "09:14:00", "09:30:00")
	withdrawn := strategyEvent(t, "e3", "act-1", events.StrategyWithdrawn, "09:20:00", "")
	for name, order := range map[string][]events.Envelope{
		"in order":          {activated, renewed, withdrawn},
		"withdrawn first":   {withdrawn, activated, renewed},
		"renewal before":    {renewed, activated, withdrawn},
		"withdrawn between": {activated, withdrawn, renewed},
	} {
		t.Run(name, func(t *testing.T) {
			s := newDay(t)
			replay(t, s, order[:2])
			if name == "renewal before" {
				if got := s.Board(at("09:16:00")).Strategies; len(got) != 1 || !got[0].Until.Equal(at("09:30:00")) {
					t.Fatalf("the older activation undid the renewal: %s", js(got))
				}
			}
			replay(t, s, order[2:])
			if got := s.Board(at("09:25:00")).Strategies; len(got) != 0 {
				t.Fatalf("withdrawn activation shown: %s", js(got))
			}
		})
	}

	// The same instant: withdrawn wins whichever comes first.
	s := newDay(t)
	replay(t, s, []events.Envelope{
		strategyEvent(t, "w", "act-2", events.StrategyWithdrawn, "09:10:00", ""),
		strategyEvent(t, "a", "act-2", events.StrategyActivated, "09:10:00", "09:40:00"),
	})
	if got := s.Board(at("09:20:00")).Strategies; len(got) != 0 {
		t.Fatalf("activated at the instant of its withdrawal is shown: %s", js(got))
	}
}

// A malformed dispatch.strategy event is rejected with ErrBadEvent and changes nothing.
func TestStrategyBadEvent(t *testing.T) {
	s := newDay(t)
	e := strategyEvent(t, "bad", "act-1", events.StrategyActivated, "09:00:00", "09:15:00")
	e.Data = json.RawMessage(`{"activation_id":"","action":"activated"}`)
	if changed, err := s.Apply(e); err == nil || changed {
		t.Fatalf("changed %v, err %v; want ErrBadEvent", changed, err)
	}
	if err := Check(e); err == nil {
		t.Fatal("Check accepted a dispatch.strategy without its fields")
	}
	if len(s.Board(at("09:05:00")).Strategies) != 0 {
		t.Fatal("a rejected event shows a strategy")
	}
}

// The state stays bounded: past MaxStrategies the least recently changed activations go, and the
// state round-trips through its item with them.
func TestStrategiesBounded(t *testing.T) {
	s := newDay(t)
	start := at("09:00:00")
	for i := range MaxStrategies + 20 {
		clock := start.Add(time.Duration(i) * time.Second).Format("15:04:05")
		replay(t, s, []events.Envelope{strategyEvent(t, fmt.Sprint("e", i), fmt.Sprint("act-", i), events.StrategyActivated, clock, "23:00:00")})
	}
	if n := len(s.d.Strategies); n != MaxStrategies {
		t.Fatalf("%d activations remembered, want %d", n, MaxStrategies)
	}
	if _, ok := s.d.Strategies["act-0"]; ok {
		t.Fatal("the oldest activation was kept")
	}
	b, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeState(b)
	if err != nil {
		t.Fatal(err)
	}
	if x, y := js(s.Board(at("12:00:00"))), js(back.Board(at("12:00:00"))); x != y {
		t.Fatalf("round trip changed the board:\n%s\n%s", x, y)
	}
	if len(back.Board(at("12:00:00")).Strategies) != MaxStrategies {
		t.Fatal("round trip lost strategies")
	}
}

// A later day carries the activations changed within the last day (in force, and withdrawn ones
// that keep late copies out); older ones are forgotten.
func TestStrategiesRollover(t *testing.T) {
	s := newDay(t)
	replay(t, s, []events.Envelope{
		strategyEvent(t, "e1", "act-on", events.StrategyActivated, "23:50:00", ""), // no end known
		strategyEvent(t, "e2", "act-off", events.StrategyActivated, "09:00:00", "09:15:00"),
		strategyEvent(t, "e3", "act-off", events.StrategyWithdrawn, "09:16:00", ""),
	})
	n, err := s.Rollover("2026-03-03")
	if err != nil {
		t.Fatal(err)
	}
	next := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	if got := n.Board(next).Strategies; len(got) != 1 || got[0].ActivationID != "act-on" {
		t.Fatalf("next day's strategies %s, want act-on", js(got))
	}
	if _, ok := n.d.Strategies["act-off"]; !ok {
		t.Fatal("an activation withdrawn within the day was not carried (it keeps late copies out)")
	}
	// A late copy of act-off's activation does not bring it back on the next day.
	replay(t, n, []events.Envelope{strategyEvent(t, "e2-copy", "act-off", events.StrategyActivated, "09:00:00", "09:15:00")})
	if got := n.Board(next).Strategies; len(got) != 1 {
		t.Fatalf("a late copy brought a withdrawn activation back: %s", js(got))
	}
	n2, err := n.Rollover("2026-03-05")
	if err != nil {
		t.Fatal(err)
	}
	if len(n2.d.Strategies) != 0 {
		t.Fatalf("activations of days ago were carried: %v", js(n2.Board(next.Add(48*time.Hour)).Strategies))
	}
}
