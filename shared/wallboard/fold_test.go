package wallboard

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/tenant"
)

// recordedDay reads testdata/day.json: a morning of tenant acme on 2026-03-02 (UTC), two queues
// (general: 80% in 20 s; vip: 90% in 10 s), three agents, nine contacts, and four activations of
// the dispatch engine (TestRecordedDayStrategies). Each event passes
// events.Decode, as the stream consumer would read it. Across subjects the events are not in time
// order, as shards deliver them.
func recordedDay(t testing.TB) []events.Envelope {
	t.Helper()
	b, err := os.ReadFile("testdata/day.json")
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		t.Fatal(err)
	}
	out := make([]events.Envelope, 0, len(raws))
	for i, r := range raws {
		e, err := events.Decode(r)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		out = append(out, e)
	}
	return out
}

func dayQueues() []QueueSettings {
	return []QueueSettings{
		{ID: "general", Name: "General", TargetSeconds: 20, TargetPercent: 80},
		{ID: "vip", Name: "VIP", TargetSeconds: 10, TargetPercent: 90},
	}
}

func newDay(t testing.TB) *State {
	t.Helper()
	s, err := NewState("2026-03-02", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	s.SetQueues(dayQueues(), at("00:00:00"))
	return s
}

func at(clock string) time.Time {
	t, err := time.Parse(time.RFC3339, "2026-03-02T"+clock+"Z")
	if err != nil {
		panic(err)
	}
	return t
}

func replay(t testing.TB, s *State, evs []events.Envelope) {
	t.Helper()
	for _, e := range evs {
		if _, err := s.Apply(e); err != nil {
			t.Fatalf("apply %s %s: %v", e.ID, e.Type, err)
		}
	}
}

func f(v float64) *float64 { return &v }

func tp(clock string) *time.Time { v := at(clock); return &v }

// The recorded day's figures at 09:45, each computed by hand from testdata/day.json:
//
// general (20 s): offered c1 c2 c3 c4 c5(transfer in) c7 c8 = 7 (c2's timed-out offer does not
// count again); answered c1 10 s (in), c2 40 s, c5 25 s = 3, 1 in target, ASA 75/3 = 25 s;
// abandoned c3 15 s (before the target), c4 30 s (after) = 2, 1 after; service level 1/(3+1) =
// 25%; abandon rate 2/(3+2) = 40%; waiting c7 (queued 09:30:00) and c8 (ringing usr_a2, queued
// 09:31:00): longest wait 09:45 − 09:30 = 900 s.
//
// vip (10 s): offered c5 c6 c9 = 3; answered c5 8 s (in), c6 12 s = 2, ASA 20/2 = 10 s; service
// level 1/(2+0) = 50%; abandon rate 0/2 = 0%; waiting c9 since 09:35:00: 600 s.
//
// totals: offered 10, answered 5 (2 in target), abandoned 2 (1 after), service level 2/(5+1) =
// 33.3%, ASA 95/5 = 19 s, abandon rate 2/7 = 28.6%, waiting 3, longest 900 s.
//
// agents: usr_a1 available since 08:00 (6300 s) with c2 in wrap-up and c5 = 2 contacts; usr_a2
// available since 08:05 (6000 s), c6 wrapped up, c8 ringing = 1 offer; usr_a3 offline since 09:40
// (300 s). Arrivals: 08:00 1 (c1), 08:15 1 (c2), 08:30 1 (c3), 09:00 2 (c4 c5), 09:15 1 (c6),
// 09:30 3 (c7 c8 c9); intervals 00:00 … 09:30 = 40.
func TestRecordedDayFigures(t *testing.T) {
	s := newDay(t)
	replay(t, s, recordedDay(t))
	b := s.Board(at("09:45:00"))

	wantQueues := []QueueFigures{
		{Queue: "general", Name: "General", TargetSeconds: 20, TargetPercent: 80,
			Waiting: 2, Ringing: 1, OldestEnqueuedAt: tp("09:30:00"), LongestWaitSeconds: 900,
			Offered: 7, Answered: 3, AnsweredInTarget: 1, Abandoned: 2, AbandonedAfterTarget: 1,
			ServiceLevel: f(25), ASASeconds: f(25), AbandonRate: f(40), answerWaitMS: 75000},
		{Queue: "vip", Name: "VIP", TargetSeconds: 10, TargetPercent: 90,
			Waiting: 1, OldestEnqueuedAt: tp("09:35:00"), LongestWaitSeconds: 600,
			Offered: 3, Answered: 2, AnsweredInTarget: 1,
			ServiceLevel: f(50), ASASeconds: f(10), AbandonRate: f(0), answerWaitMS: 20000},
	}
	if !reflect.DeepEqual(b.Queues, wantQueues) {
		t.Errorf("queues\n got %s\nwant %s", js(b.Queues), js(wantQueues))
	}
	wantTotals := QueueFigures{Waiting: 3, Ringing: 1, OldestEnqueuedAt: tp("09:30:00"), LongestWaitSeconds: 900,
		Offered: 10, Answered: 5, AnsweredInTarget: 2, Abandoned: 2, AbandonedAfterTarget: 1,
		ServiceLevel: f(33.3), ASASeconds: f(19), AbandonRate: f(28.6), answerWaitMS: 95000}
	if !reflect.DeepEqual(b.Totals, wantTotals) {
		t.Errorf("totals\n got %s\nwant %s", js(b.Totals), js(wantTotals))
	}
	wantAgents := []AgentFigures{
		{AgentID: "usr_a1", State: events.AgentAvailable, Since: at("08:00:00"), SecondsInState: 6300, Contacts: 2},
		{AgentID: "usr_a2", State: events.AgentAvailable, Since: at("08:05:00"), SecondsInState: 6000, Offers: 1},
		{AgentID: "usr_a3", State: events.AgentOffline, Since: at("09:40:00"), SecondsInState: 300},
	}
	if !reflect.DeepEqual(b.Agents, wantAgents) {
		t.Errorf("agents\n got %s\nwant %s", js(b.Agents), js(wantAgents))
	}
	wantByState := map[events.AgentStatus]int{events.AgentAvailable: 2, events.AgentBreak: 0, events.AgentOffline: 1}
	if !reflect.DeepEqual(b.AgentsByState, wantByState) {
		t.Errorf("agents by state %v, want %v", b.AgentsByState, wantByState)
	}
	if len(b.Arrivals) != 40 {
		t.Fatalf("%d arrival intervals, want 40 (00:00 to 09:30)", len(b.Arrivals))
	}
	wantArrivals := map[string]int{"08:00:00": 1, "08:15:00": 1, "08:30:00": 1, "09:00:00": 2, "09:15:00": 1, "09:30:00": 3}
	for i, iv := range b.Arrivals {
		if !iv.Start.Equal(at("00:00:00").Add(time.Duration(i) * 15 * time.Minute)) {
			t.Errorf("interval %d starts %v", i, iv.Start)
		}
		if want := wantArrivals[iv.Start.Format("15:04:05")]; iv.Contacts != want {
			t.Errorf("arrivals at %s: %d, want %d", iv.Start.Format("15:04"), iv.Contacts, want)
		}
	}
	if b.Day != "2026-03-02" || b.TimeZone != "UTC" || !b.At.Equal(at("09:45:00")) {
		t.Errorf("board day %s zone %s at %v", b.Day, b.TimeZone, b.At)
	}
}

// The longest wait ages between events: the same state rendered later shows a longer wait and
// nothing else changes.
func TestLongestWaitAges(t *testing.T) {
	s := newDay(t)
	replay(t, s, recordedDay(t))
	a, b := s.Board(at("09:45:00")), s.Board(at("09:46:30"))
	if a.Queues[0].LongestWaitSeconds != 900 || b.Queues[0].LongestWaitSeconds != 990 {
		t.Fatalf("longest wait %d then %d, want 900 then 990", a.Queues[0].LongestWaitSeconds, b.Queues[0].LongestWaitSeconds)
	}
	if b.Agents[2].SecondsInState != 390 {
		t.Fatalf("usr_a3 offline for %d s, want 390", b.Agents[2].SecondsInState)
	}
}

// The board's JSON has the field names the console reads, and null for ratios with nothing to
// measure.
func TestBoardJSON(t *testing.T) {
	s := newDay(t)
	var m map[string]any
	if err := json.Unmarshal([]byte(js(s.Board(at("00:10:00")))), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"day", "time_zone", "at", "queues", "totals", "agents_by_state", "agents", "arrivals", "strategies"} {
		if _, ok := m[k]; !ok {
			t.Errorf("board JSON lacks %q", k)
		}
	}
	q := m["queues"].([]any)[0].(map[string]any)
	for _, k := range []string{"service_level", "asa_seconds", "abandon_rate", "oldest_enqueued_at"} {
		if v, ok := q[k]; !ok || v != nil {
			t.Errorf("empty queue's %s = %v (present %v), want null", k, v, ok)
		}
	}
	if st, ok := m["strategies"].([]any); !ok || len(st) != 0 {
		t.Errorf("strategies %v, want [] with none in force", m["strategies"])
	}
	if n := len(m["arrivals"].([]any)); n != 1 {
		t.Errorf("%d intervals at 00:10, want 1", n)
	}
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func acme(t testing.TB) tenant.ID {
	t.Helper()
	id, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	return id
}
