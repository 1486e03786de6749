package handler

import (
	"context"
	"net/http"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// putBoard stores tenantID's wallboard item of today with one contact waiting in queue, as the
// live function keeps it.
func putBoard(t *testing.T, e *env, tenantID, queue string) {
	t.Helper()
	tid, now := mustTenant(t, tenantID), time.Now().UTC()
	day := wallboard.DayOf(now, wallboard.Location(tid))
	s, err := wallboard.NewState(day, wallboard.Location(tid))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := lxevents.New(tid, lxevents.TypeContactQueued, "c-1", "test", lxevents.ContactQueued{Channel: lxevents.ChannelChat, Queue: queue, Reason: lxevents.QueueAPI})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ev); err != nil {
		t.Fatal(err)
	}
	b, err := wallboard.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.store.(*store.Store).Put(context.Background(), tid, wallboard.Key(day), wallboard.Item{Day: day, State: b, UpdatedAt: now}, 0); err != nil {
		t.Fatal(err)
	}
}

func TestWallboard(t *testing.T) {
	e, _ := newUsersEnv(t)
	s := newFloor(t, e, "acme")
	r := e.call(t, "GET", "/v1/wallboard", s.bossTok, "")
	r.want(t, "empty board", http.StatusOK)
	if r.body["day"] == "" || len(r.body["queues"].([]any)) != 0 {
		t.Fatalf("empty board %v", r.body)
	}
	putBoard(t, e, "acme", "cards")
	r = e.call(t, "GET", "/v1/wallboard", s.key, "")
	r.want(t, "board", http.StatusOK)
	qs := r.body["queues"].([]any)
	if len(qs) != 1 || qs[0].(map[string]any)["queue"] != "cards" || qs[0].(map[string]any)["waiting"] != 1.0 {
		t.Fatalf("board %v", r.body)
	}
	e.call(t, "GET", "/v1/wallboard", s.agent1Tok, "").want(t, "an agent", http.StatusForbidden)
	e.call(t, "GET", "/v1/wallboard", s.partner, "").want(t, "a partner", http.StatusForbidden)
}
