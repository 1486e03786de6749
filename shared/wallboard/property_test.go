package wallboard

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// Replaying the day a second time, whole or any part, changes no figure: Apply remembers the ids.
func TestReplayTwiceIsOnce(t *testing.T) {
	evs := recordedDay(t)
	once := newDay(t)
	replay(t, once, evs)
	want := once.Board(at("09:45:00"))

	twice := newDay(t)
	replay(t, twice, evs)
	for _, e := range evs {
		changed, err := twice.Apply(e)
		if err != nil || changed {
			t.Fatalf("second apply of %s: changed %v, err %v", e.ID, changed, err)
		}
	}
	if got := twice.Board(at("09:45:00")); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a replay\n got %s\nwant %s", js(got), js(want))
	}

	// A redelivery interleaved with new events: each prefix applied twice.
	r := rand.New(rand.NewPCG(1, 2))
	inter := newDay(t)
	for i, e := range evs {
		replay(t, inter, evs[:i+1][r.IntN(i+1):])
		replay(t, inter, []events.Envelope{e})
	}
	if got := inter.Board(at("09:45:00")); !reflect.DeepEqual(got, want) {
		t.Fatalf("after interleaved redeliveries\n got %s\nwant %s", js(got), js(want))
	}
}

// The stream keeps each subject's events in order but not the order across subjects: any
// interleaving of the subjects' sequences gives the same figures.
func TestOrderOfUnrelatedEvents(t *testing.T) {
	evs := recordedDay(t)
	base := newDay(t)
	replay(t, base, evs)
	want := base.Board(at("09:45:00"))
	for seed := uint64(0); seed < 50; seed++ {
		shuffled := interleave(evs, rand.New(rand.NewPCG(seed, 7)))
		s := newDay(t)
		replay(t, s, shuffled)
		if got := s.Board(at("09:45:00")); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d\n got %s\nwant %s", seed, js(got), js(want))
		}
	}
}

// interleave returns evs in a random order that keeps each subject's events in their order.
func interleave(evs []events.Envelope, r *rand.Rand) []events.Envelope {
	bySubject := map[string][]events.Envelope{}
	var subjects []string
	for _, e := range evs {
		if _, ok := bySubject[e.Subject]; !ok {
			subjects = append(subjects, e.Subject)
		}
		bySubject[e.Subject] = append(bySubject[e.Subject], e)
	}
	out := make([]events.Envelope, 0, len(evs))
	for len(out) < len(evs) {
		s := subjects[r.IntN(len(subjects))]
		if q := bySubject[s]; len(q) > 0 {
			out = append(out, q[0])
			bySubject[s] = q[1:]
		}
	}
	return out
}

// A state stored and read back (as the consumer does between events) folds on to the same
// figures, and still recognises the events it applied.
func TestStoredStateFoldsOn(t *testing.T) {
	evs := recordedDay(t)
	want := newDay(t)
	replay(t, want, evs)

	s := newDay(t)
	for _, e := range evs {
		b, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		if s, err = DecodeState(b); err != nil {
			t.Fatal(err)
		}
		replay(t, s, []events.Envelope{e, e})
	}
	if got, w := s.Board(at("09:45:00")), want.Board(at("09:45:00")); !reflect.DeepEqual(got, w) {
		t.Fatalf("stored between events\n got %s\nwant %s", js(got), js(w))
	}
}

// The next day starts with the live floor and zero counters; late events of the day before move
// the floor but not the new day's counters.
func TestRollover(t *testing.T) {
	s := newDay(t)
	replay(t, s, recordedDay(t))
	next, err := s.Rollover("2026-03-03")
	if err != nil {
		t.Fatal(err)
	}
	b := next.Board(time.Date(2026, 3, 3, 0, 5, 0, 0, time.UTC))
	g := b.Queues[0]
	if g.Queue != "general" || g.Name != "General" || g.TargetSeconds != 20 || g.Waiting != 2 || g.Offered != 0 || g.Answered != 0 || g.ServiceLevel != nil {
		t.Fatalf("general after rollover: %s", js(g))
	}
	if b.Agents[0].Contacts != 2 || b.AgentsByState[events.AgentAvailable] != 2 {
		t.Fatalf("agents after rollover: %s", js(b.Agents))
	}
	if len(b.Arrivals) != 1 || b.Arrivals[0].Contacts != 0 {
		t.Fatalf("arrivals after rollover: %s", js(b.Arrivals))
	}

	// c7 is answered at 23:59:59 of the 2nd, but the event arrives after the 3rd began.
	late := mustEvent(t, "late-1", events.TypeContactAssigned, "c7", at("23:59:59"),
		events.ContactAssigned{AgentID: "usr_a2", Queue: "general", Channel: events.ChannelChat, OfferID: "of-x", WaitMS: 52_199_000})
	if changed, err := next.Apply(late); err != nil || !changed {
		t.Fatalf("late event: changed %v err %v", changed, err)
	}
	g = next.Board(time.Date(2026, 3, 3, 0, 5, 0, 0, time.UTC)).Queues[0]
	if g.Waiting != 1 || g.Answered != 0 {
		t.Fatalf("late event on the next day: waiting %d answered %d, want 1 and 0", g.Waiting, g.Answered)
	}
	// The replayed ids are remembered across the rollover.
	if changed, _ := next.Apply(recordedDay(t)[5]); changed {
		t.Fatal("an event of the day before applied again after the rollover")
	}
	if _, err := next.Rollover("2026-03-02"); err == nil {
		t.Fatal("rollover to an earlier day accepted")
	}
}

// The remembered ids and the contacts in flight stay bounded however many events pass.
func TestBounded(t *testing.T) {
	s := newDay(t)
	for i := range MaxContacts + 100 {
		e := mustEvent(t, fmt.Sprintf("q-%d", i), events.TypeContactQueued, fmt.Sprintf("k-%05d", i),
			at("10:00:00").Add(time.Duration(i)*time.Millisecond),
			events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff})
		if _, err := s.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.d.Seen) != MaxSeen || len(s.seen) != MaxSeen {
		t.Fatalf("%d ids remembered (%d in the set), want %d", len(s.d.Seen), len(s.seen), MaxSeen)
	}
	if len(s.d.Contacts) != MaxContacts {
		t.Fatalf("%d contacts, want %d", len(s.d.Contacts), MaxContacts)
	}
	if _, ok := s.d.Contacts["k-00099"]; ok {
		t.Fatal("the least recently changed contact was kept")
	}
	b, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxStateBytes {
		t.Fatalf("encoded state %d bytes, over %d", len(b), MaxStateBytes)
	}
	t.Logf("state with %d contacts and %d ids: %d bytes compressed", len(s.d.Contacts), len(s.d.Seen), len(b))
}

// An event whose data does not fit its type changes nothing and is an ErrBadEvent.
func TestBadEvent(t *testing.T) {
	s := newDay(t)
	e := recordedDay(t)[4] // a contact.queued
	e.Data = []byte(`{"queue":""}`)
	if changed, err := s.Apply(e); changed || err == nil {
		t.Fatalf("bad data: changed %v err %v", changed, err)
	}
	if s.Seen(e.ID) {
		t.Fatal("a rejected event was remembered")
	}
	other := mustEvent(t, "x", events.TypeTenantCreated, "acme", at("10:00:00"), events.TenantCreated{Name: "Acme", CreatedBy: "t"})
	if changed, err := s.Apply(other); changed || err != nil {
		t.Fatalf("unread type: changed %v err %v", changed, err)
	}
}

func mustEvent(t testing.TB, id, typ, subject string, when time.Time, data any) events.Envelope {
	t.Helper()
	e, err := events.New(acme(t), typ, subject, "test", data)
	if err != nil {
		t.Fatal(err)
	}
	e.ID, e.Time = id, when
	return e
}

// Seed adds what the board does not know and keeps what it does; a seeded waiting contact that
// entered today counts as offered once, even when its contact.queued comes after.
func TestSeed(t *testing.T) {
	s := newDay(t)
	replay(t, s, recordedDay(t))
	before := s.Board(at("09:45:00"))
	s.Seed([]SeedAgent{{ID: "usr_a1", State: events.AgentBreak, Since: at("09:44:00")}, {ID: "usr_new", State: events.AgentAvailable, Since: at("09:00:00")}},
		[]SeedContact{{ID: "c7", Queue: "vip", Status: StatusAssigned, AgentID: "usr_x"}, {ID: "c-new", Queue: "general", Status: StatusQueued, AgentID: "usr_x", EnqueuedAt: at("09:00:00")},
			{ID: "c-closed", Queue: "general", Status: "closed"}})
	b := s.Board(at("09:45:00"))
	if b.Agents[0] != before.Agents[0] || len(b.Agents) != 4 || b.Agents[3].AgentID != "usr_new" {
		t.Fatalf("agents %s", js(b.Agents))
	}
	g := b.Queues[0]
	if g.Waiting != 3 || g.LongestWaitSeconds != 2700 || g.Offered != before.Queues[0].Offered+1 {
		t.Fatalf("general %s", js(g))
	}
	late := mustEvent(t, "seeded-queued", events.TypeContactQueued, "c-new", at("09:00:00"),
		events.ContactQueued{Channel: events.ChannelChat, Queue: "general", Reason: events.QueueHandoff})
	if _, err := s.Apply(late); err != nil {
		t.Fatal(err)
	}
	if g := s.Board(at("09:45:00")).Queues[0]; g.Offered != before.Queues[0].Offered+1 || g.Waiting != 3 {
		t.Fatalf("the seeded contact's own contact.queued counted again: %s", js(g))
	}
	if c, _ := s.Contact("c-new"); c.AgentID != "" {
		t.Fatalf("a seeded waiting contact has agent %q", c.AgentID)
	}
	if _, ok := s.Contact("c-closed"); ok {
		t.Fatal("a closed contact was seeded")
	}
}
