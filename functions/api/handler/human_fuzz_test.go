package handler

import (
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/tenant"
)

// FuzzContactBody feeds POST /v1/contacts arbitrary bodies (seeds: the kept corpus in
// testdata/fuzz/FuzzContactBody). Invariant: a body the decoder, the text check and contactBody's
// check all accept makes a contact.created event that events.New accepts (its schema), so no
// partner can queue a contact whose fact would be refused or malformed.
func FuzzContactBody(f *testing.F) {
	f.Add([]byte(`{"channel":"chat","queue":"cards","customer_id":"c-1","priority":3,"intent":"card_lost","attributes":{"tier":"gold"},"transcript":[{"role":"customer","text":"hi\nthere"}]}`))
	f.Add([]byte(`{"channel":"voice","queue":"Bad","priority":-1,"attributes":{"":"x"},"transcript":[{"role":"robot","text":""}]}`))
	f.Add([]byte(`{"channel":"chat","queue":"q","attributes":{"a/b~c":"v"}}`))
	acme, _ := tenant.Parse("acme")
	f.Fuzz(func(t *testing.T, body []byte) {
		var b contactBody
		if httpapi.DecodeStrictJSON(body, &b) != nil || len(httpapi.CheckText(b)) > 0 || len(b.check()) > 0 {
			return
		}
		turns := make([]lxevents.Turn, 0, len(b.Transcript))
		for _, tr := range b.Transcript {
			turns = append(turns, lxevents.Turn{Role: tr.Role, Text: tr.Text, Time: time.Unix(0, 0).UTC()})
		}
		_, err := lxevents.New(acme, lxevents.TypeContactCreated, "01a2-contact", Source, lxevents.ContactCreated{Channel: b.Channel,
			CustomerID: b.CustomerID, Queue: b.Queue, Intent: b.Intent, Reason: lxevents.ReasonPolicy, Attributes: b.Attributes, Transcript: turns})
		if err != nil {
			t.Fatalf("an accepted body makes a bad event: %v", err)
		}
	})
}

// FuzzSearchQuery feeds GET /v1/knowledge/search arbitrary query parameters. Invariants: every
// refusal is a caller-facing problem; an accepted query is 1–500 characters in a language the bot
// speaks, with a limit of 1–20.
func FuzzSearchQuery(f *testing.F) {
	f.Add("forgot my PIN", "", "")
	f.Add("境外手续费", "zh", "3")
	f.Add("  ", "fr", "0")
	f.Fuzz(func(t *testing.T, q, lang, limit string) {
		r := &httpapi.Request{}
		r.QueryStringParameters = map[string]string{"q": q, "language": lang, "limit": limit}
		got, l, n, err := searchQuery(r)
		if err != nil {
			if _, ok := err.(*httpapi.Error); !ok {
				t.Fatalf("internal error for caller input: %v", err)
			}
			return
		}
		if got == "" || len([]rune(got)) > maxQueryLen || !l.Valid() || n < 1 || n > maxSearchResults {
			t.Fatalf("accepted q %q language %q limit %d", got, l, n)
		}
	})
}
