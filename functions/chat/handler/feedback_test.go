package handler

import (
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/store"
)

// POST /v1/contacts/{id}/feedback: a conversation's or a human-service contact's answer is stored
// once and emitted as feedback.submitted (source api); bad answers are 400 and change nothing; an
// unknown id is 404; a second answer is 409; a retry with the same Idempotency-Key replays the
// first answer and emits nothing more.
func TestFeedbackRoute(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	tid := mustTenant(t, "acme")
	admin := e.key(t, tid, auth.RoleAdmin)
	conv := str(e.start(t, key, `{"customer":{"id":"cus-7"},"language":"en"}`)["id"])

	bad := map[string]struct{ body, field string }{
		"nothing":          {`{}`, ""},
		"csat 0":           {`{"csat":0}`, "/csat"},
		"csat 6":           {`{"csat":6}`, "/csat"},
		"csat fraction":    {`{"csat":4.5}`, "/csat"},
		"nps 11":           {`{"nps":11}`, "/nps"},
		"nps negative":     {`{"nps":-1}`, "/nps"},
		"blank comment":    {`{"comment":"   "}`, "/comment"},
		"comment too long": {`{"comment":"` + repeat("好", 2001) + `"}`, "/comment"},
		"unknown field":    {`{"csat":4,"stars":5}`, "/stars"},
	}
	for name, c := range bad {
		t.Run(name, func(t *testing.T) {
			r := e.do(t, "POST", "/v1/contacts/"+conv+"/feedback", key, c.body)
			if r.code != 400 {
				t.Fatalf("%s: %d %s", c.body, r.code, r.raw)
			}
			if c.field != "" {
				found := false
				for _, fe := range list(r.body["errors"]) {
					found = found || str(obj(fe)["field"]) == c.field || str(obj(fe)["pointer"]) == c.field
				}
				if !found {
					t.Fatalf("%s: problem does not name %s: %s", c.body, c.field, r.raw)
				}
			}
		})
	}
	if evs := e.eventsOf(t, lxevents.TypeFeedbackSubmitted, ""); len(evs) != 0 {
		t.Fatalf("bad answers emitted %d events", len(evs))
	}
	problemType(t, e.do(t, "POST", "/v1/contacts/cv-nobody/feedback", key, `{"csat":4}`), 404, "not-found")

	// A conversation: the first answer is stored and emitted; a replay is the same answer; a
	// second answer is 409.
	first := e.doWith(t, "POST", "/v1/contacts/"+conv+"/feedback", key, `{"csat":4,"nps":9,"comment":"Quick and kind."}`, idemKey("fb-1"))
	if first.code != 201 || first.body["csat"] != 4.0 || first.body["nps"] != 9.0 || first.body["source"] != "api" || first.body["customer_id"] != "cus-7" {
		t.Fatalf("answer: %d %s", first.code, first.raw)
	}
	replay := e.doWith(t, "POST", "/v1/contacts/"+conv+"/feedback", key, `{"csat":4,"nps":9,"comment":"Quick and kind."}`, idemKey("fb-1"))
	if replay.code != 201 || replay.raw != first.raw || replay.headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("replay: %d %s %v", replay.code, replay.raw, replay.headers)
	}
	problemType(t, e.do(t, "POST", "/v1/contacts/"+conv+"/feedback", admin, `{"csat":1}`), 409, "conflict")
	fb := one[lxevents.FeedbackSubmitted](t, e, lxevents.TypeFeedbackSubmitted, conv)
	if fb.CSAT == nil || *fb.CSAT != 4 || fb.NPS == nil || *fb.NPS != 9 || fb.Comment != "Quick and kind." || fb.Source != lxevents.FeedbackAPI || fb.ContactID != conv || fb.CustomerID != "cus-7" {
		t.Fatalf("feedback.submitted: %+v", fb)
	}

	// A human-service contact a partner created (no conversation), answered with an admin key.
	now := time.Now().UTC()
	contact := floor.Contact{ID: "ct-partner-1", Channel: lxevents.ChannelChat, Queue: "general", State: floor.StateClosed,
		CustomerID: "cus-9", CreatedAt: now, UpdatedAt: now}
	if err := e.db.Create(e.ctx, tid, floor.ContactKey(contact.ID), contact); err != nil {
		t.Fatal(err)
	}
	got := e.must(t, 201, "POST", "/v1/contacts/ct-partner-1/feedback", admin, `{"nps":0}`)
	if got["nps"] != 0.0 || got["csat"] != nil || got["customer_id"] != "cus-9" {
		t.Fatalf("contact's answer: %v", got)
	}
	if fb := one[lxevents.FeedbackSubmitted](t, e, lxevents.TypeFeedbackSubmitted, "ct-partner-1"); fb.NPS == nil || *fb.NPS != 0 || fb.CSAT != nil {
		t.Fatalf("contact's feedback.submitted: %+v", fb)
	}
	// Two answers racing for one contact: one is stored, the other is 409.
	if err := e.db.Create(e.ctx, tid, floor.ContactKey("ct-race"), floor.Contact{ID: "ct-race", Channel: lxevents.ChannelChat, Queue: "general",
		State: floor.StateClosed, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	e.commit.hold(2)
	codes := make(chan int, 2)
	for _, body := range []string{`{"csat":5}`, `{"csat":1}`} {
		go func() { codes <- e.do(t, "POST", "/v1/contacts/ct-race/feedback", key, body).code }()
	}
	a, b := <-codes, <-codes
	if a+b != 201+409 {
		t.Fatalf("racing answers: %d and %d, want 201 and 409", a, b)
	}
	if n := len(e.eventsOf(t, lxevents.TypeFeedbackSubmitted, "ct-race")); n != 1 {
		t.Fatalf("racing answers emitted %d events", n)
	}
	var raw map[string]any
	if _, err := e.db.Get(e.ctx, tid, store.Key{Kind: "feedback", ID: "ct-race"}, &raw); err != nil {
		t.Fatal(err)
	}
}

func repeat(s string, n int) string {
	out := make([]byte, 0, len(s)*n)
	for range n {
		out = append(out, s...)
	}
	return string(out)
}
