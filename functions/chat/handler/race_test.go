package handler

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
)

// Messages racing on one conversation: all of them read the same version (the committer holds
// every commit until all have arrived), one wins, the others run their turn again on the new
// state. Each message accepted is in the transcript exactly once with its answer after it, the
// events match the transcript, and any message refused (409, busy) left no trace.
func TestRacingMessages(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	id := str(e.start(t, key, `{"language":"en"}`)["id"])
	const racers = 6
	e.commit.hold(racers)
	codes := make([]int, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			b, _ := json.Marshal(map[string]string{"text": fmt.Sprintf("what is my balance (%d)", i)})
			codes[i] = e.do(t, "POST", "/v1/conversations/"+id+"/messages", key, string(b)).code
		})
	}
	wg.Wait()
	if e.retries.Load() == 0 {
		t.Fatal("no turn ran again: the race was not exercised")
	}
	got := e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")
	msgs := list(got["messages"])
	seen := map[string]int{}
	accepted := 0
	for i, code := range codes {
		text := fmt.Sprintf("what is my balance (%d)", i)
		switch code {
		case 200:
			accepted++
		case 409:
		default:
			t.Fatalf("racer %d: status %d", i, code)
		}
		for j, m := range msgs {
			if str(obj(m)["text"]) == text {
				seen[text]++
				if code != 200 {
					t.Fatalf("refused message %d is in the transcript", i)
				}
				if j+1 >= len(msgs) || str(obj(msgs[j+1])["text"]) != "Your balance is on the home page of the app." {
					t.Fatalf("message %d is not followed by its answer: %v", i, msgs)
				}
			}
		}
	}
	for text, n := range seen {
		if n != 1 {
			t.Fatalf("%q is in the transcript %d times", text, n)
		}
	}
	if accepted == 0 || len(seen) != accepted || len(msgs) != 1+2*accepted || got["total_messages"] != float64(1+2*accepted) {
		t.Fatalf("%d accepted, %d in the transcript of %d messages", accepted, len(seen), len(msgs))
	}
	if evs := e.eventsOf(t, lxevents.TypeChatMessage, id); len(evs) != len(msgs) {
		t.Fatalf("%d chat.message events for %d messages: a losing attempt emitted events", len(evs), len(msgs))
	}
	t.Logf("%d racers: %d accepted, %d refused, %d re-runs", racers, accepted, racers-accepted, e.retries.Load())
}
