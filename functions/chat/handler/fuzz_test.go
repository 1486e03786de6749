package handler

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/satisfaction"
)

// Request bodies are untrusted: whatever decodes strictly is either refused with field errors or
// turned into an input that keeps the service's invariants.
func FuzzBodies(f *testing.F) {
	for _, s := range []string{
		`{"text":"hi"}`, `{"dtmf":"12#"}`, `{"suggestion":"card_lost"}`, `{"text":"","dtmf":""}`,
		`{"customer":{"id":"c1","attributes":{"tier":"vip"}},"channel":"voice","language":"zh"}`,
		`{"call_id":"a@b","text":"转人工","caller":"+861380000"}`,
		`{"customer_id":"c1","kind":"payment_failed","occurred_at":"2025-06-03T09:13:41Z"}`,
		`{"customer_id":"c-42","language":"en"}`,
		`{"csat":4,"nps":9,"comment":"quick"}`, `{"nps":0}`, `{"comment":"好"}`,
	} {
		f.Add([]byte(s))
	}
	decode := func(b []byte, v any) bool {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		return dec.Decode(v) == nil
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, b []byte) {
		var wb widgetStartBody
		if decode(b, &wb) {
			if in, err := wb.input(); err == nil && (in.Channel != lxevents.ChannelChat || in.Customer.ID != "" ||
				len(in.Customer.Attributes) > 1 || in.Customer.Attributes[ClaimedCustomerAttribute] != wb.CustomerID) {
				t.Fatalf("widget start %s accepted as %+v", b, in)
			}
		}
		var mb messageBody
		if decode(b, &mb) {
			if in, err := mb.input(); err == nil {
				n := 0
				for _, s := range []string{in.Text, in.Suggestion, in.DTMF} {
					if s != "" {
						n++
					}
				}
				if n != 1 || utf8.RuneCountInString(in.Text) > conversation.MaxTextRunes || (in.Text != "" && strings.TrimSpace(in.Text) == "") {
					t.Fatalf("accepted %+v", in)
				}
			}
		}
		var sb startBody
		if decode(b, &sb) {
			if in, err := sb.input(); err == nil && (len(in.Customer.Attributes) > maxAttributes || len(in.Customer.ID) > 4*maxIDLen) {
				t.Fatalf("accepted %+v", in)
			}
		}
		var vb voiceBody
		if decode(b, &vb) {
			if in, err := vb.input(); err == nil && (in.CallID == "" || in.Text != "" && in.DTMF != "") {
				t.Fatalf("accepted %+v", in)
			}
		}
		var eb businessEventBody
		if decode(b, &eb) {
			if ev, err := eb.event(now); err == nil && (ev.CustomerID == "" || ev.Kind == "" || ev.OccurredAt.After(now.Add(maxFutureSkew))) {
				t.Fatalf("accepted %+v", ev)
			}
		}
		var fb feedbackBody
		if decode(b, &fb) {
			if a, err := fb.answer(); err == nil {
				if _, _, ev, err := satisfaction.Record(mustTenant(t, "fuzz"), satisfaction.Feedback{ContactID: "cv-1"}, 0, a, lxevents.FeedbackAPI, "fuzz", now); err != nil {
					t.Fatalf("accepted %s, which Record refuses: %v", b, err)
				} else if err := lxevents.Validate(ev); err != nil {
					t.Fatalf("accepted %s into an invalid event: %v", b, err)
				}
			}
		}
	})
}
