package handler

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
)

// Regression for issue 7, defect 2 ("a committed turn can run twice"). With Idempotency-Key the
// turn committed before the stored response was written, so a function killed between the two
// left only the pending record: a retry at once got 409 "in flight", and a retry after the
// pending record's minute ran the turn again (the transcript showed it twice). Each case here
// kills its request right after its commit stands, then retries at once and again after the
// pending TTL: both retries must replay the response, and the work must show once.
func TestIdempotencyKilledAfterCommit(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	id := str(e.start(t, key, `{"language":"en"}`)["id"])
	at := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)

	// said counts the messages of conversation cid whose text is text.
	said := func(cid, text string) func(t *testing.T) int {
		return func(t *testing.T) int {
			n := 0
			for _, m := range list(e.must(t, 200, "GET", "/v1/conversations/"+cid, key, "")["messages"]) {
				if str(obj(m)["text"]) == text {
					n++
				}
			}
			return n
		}
	}
	// emitted counts the events of typ (about subject, or any).
	emitted := func(typ, subject string) func(t *testing.T) int {
		return func(t *testing.T) int { return len(e.eventsOf(t, typ, subject)) }
	}
	// greeted counts the greetings on the stream: one per chat conversation started.
	greeting := testSettings().Greeting["en"]
	greeted := func(t *testing.T) int {
		n := 0
		for _, ev := range e.eventsOf(t, lxevents.TypeChatMessage, "") {
			if m, err := lxevents.DataAs[lxevents.ChatMessage](ev); err == nil && m.Text == greeting {
				n++
			}
		}
		return n
	}
	tests := map[string]struct {
		path, body string
		status     int
		// skip is how many of the request's commits succeed before the one it is killed after.
		skip int
		// pending: that commit was not the request's last, so its response was not stored yet:
		// a retry at once is 409 and one after the pending TTL runs the rest of the request.
		pending bool
		// count is how many times the request's work shows.
		count func(t *testing.T) int
	}{
		"message turn": {
			path: "/v1/conversations/" + id + "/messages", body: `{"text":"what is my balance"}`, status: http.StatusOK,
			count: said(id, "what is my balance"),
		},
		"start": {
			path: "/v1/conversations", body: `{"language":"en","customer":{"id":"crash-customer"}}`, status: http.StatusCreated,
			count: greeted,
		},
		"voice first turn": {
			// The first turn of a call creates its conversation, then runs the turn on it.
			path: "/v1/voice/turns", body: `{"call_id":"call-crash-1","text":"what is my balance"}`, status: http.StatusOK,
			skip: 1, count: said(conversation.VoiceConversationID("call-crash-1"), "what is my balance"),
		},
		"voice first turn, killed once its conversation exists": {
			path: "/v1/voice/turns", body: `{"call_id":"call-crash-2","text":"what is my balance"}`, status: http.StatusOK,
			pending: true, count: said(conversation.VoiceConversationID("call-crash-2"), "what is my balance"),
		},
		"business event": {
			path: "/v1/business-events", status: http.StatusAccepted,
			body:  `{"customer_id":"crash-customer","kind":"card_declined","occurred_at":"` + at + `"}`,
			count: emitted(lxevents.TypeBusinessEvent, "crash-customer"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e.skew.Store(0)
			before := 0
			if tc.path != "/v1/voice/turns" { // a call's conversation does not exist before its first turn
				before = tc.count(t)
			}
			headers := idemKey("crash-" + name)

			// The first request commits and is then killed: the caller sees a 502 from the
			// gateway, and nothing the request would do after its commit happens.
			dead, gone := make(chan struct{}), make(chan struct{})
			stop := sync.OnceFunc(func() { close(dead); <-gone })
			t.Cleanup(stop)
			committed := e.commit.killNext(tc.skip, dead)
			go func() {
				defer close(gone)
				req := events.APIGatewayV2HTTPRequest{RawPath: tc.path, Body: tc.body, Headers: map[string]string{"authorization": "Bearer " + key}}
				for k, v := range headers {
					req.Headers[k] = v
				}
				req.RequestContext.HTTP.Method = "POST"
				_, _ = e.api.Handle(e.ctx, req)
			}()
			select {
			case <-committed:
			case <-time.After(30 * time.Second):
				t.Fatal("the first request never committed")
			}

			now := e.doWith(t, "POST", tc.path, key, tc.body, headers)
			if tc.pending {
				problemType(t, now, http.StatusConflict, "idempotency-key-in-flight")
				e.advance(2 * time.Minute)
				if r := e.doWith(t, "POST", tc.path, key, tc.body, headers); r.code != tc.status || r.headers["Idempotent-Replayed"] != "" {
					t.Fatalf("retry after the pending TTL: %d %s %v, want the request run (%d)", r.code, r.raw, r.headers, tc.status)
				}
				if n := tc.count(t); n != 1 {
					t.Fatalf("the turn shows %d times, want once", n)
				}
				return
			}
			if now.code != tc.status || now.headers["Idempotent-Replayed"] != "true" {
				t.Fatalf("retry at once: %d %s %v, want the first response replayed (%d)", now.code, now.raw, now.headers, tc.status)
			}
			e.advance(2 * time.Minute) // past the pending record's TTL
			later := e.doWith(t, "POST", tc.path, key, tc.body, headers)
			if later.code != tc.status || later.raw != now.raw || later.headers["Idempotent-Replayed"] != "true" {
				t.Fatalf("retry after the pending TTL: %d %s %v, want %s replayed", later.code, later.raw, later.headers, now.raw)
			}
			if n := tc.count(t) - before; n != 1 {
				t.Fatalf("the request's work shows %d times, want once", n)
			}
			stop()
		})
	}
}

// Turns with keys racing on one conversation: a turn that lost the race runs again on the new
// state, and the response stored with it is that of the attempt that committed (the commit hook
// is applied again), so every retry replays exactly what its first request answered.
func TestIdempotencyRacingTurns(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	id := str(e.start(t, key, `{"language":"en"}`)["id"])
	msgs := "/v1/conversations/" + id + "/messages"
	const racers = 3
	e.commit.hold(racers)
	first := make([]response, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			first[i] = e.doWith(t, "POST", msgs, key, `{"text":"what is my balance"}`, idemKey(fmt.Sprintf("race-%d", i)))
		})
	}
	wg.Wait()
	if e.retries.Load() == 0 {
		t.Fatal("no turn ran again: the race was not exercised")
	}
	accepted := 0
	for i, r := range first {
		retry := e.doWith(t, "POST", msgs, key, `{"text":"what is my balance"}`, idemKey(fmt.Sprintf("race-%d", i)))
		switch r.code {
		case http.StatusOK:
			accepted++
			if retry.code != http.StatusOK || retry.raw != r.raw || retry.headers["Idempotent-Replayed"] != "true" {
				t.Fatalf("racer %d: first %s\nretry %d %s", i, r.raw, retry.code, retry.raw)
			}
		case http.StatusConflict: // busy: nothing stored, the key is free and the retry runs
			if retry.code != http.StatusOK || retry.headers["Idempotent-Replayed"] != "" {
				t.Fatalf("racer %d refused, then: %d %s", i, retry.code, retry.raw)
			}
			accepted++
		default:
			t.Fatalf("racer %d: %d %s", i, r.code, r.raw)
		}
	}
	if n := len(list(e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")["messages"])); n != 1+2*accepted {
		t.Fatalf("%d messages for %d accepted turns", n, accepted)
	}
}
