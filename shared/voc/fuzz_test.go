package voc

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/tenant"
)

// FuzzKeys feeds CheckKey and KindOf arbitrary keys (seeds: the kept corpus in
// testdata/fuzz/FuzzKeys). Invariants: an accepted key is at most MaxKeyLen bytes, holds no '|'
// (the store ids' separator), and, unless a total, has a kind and a name that rebuild it; an
// alert on it makes a valid alert.raised.
func FuzzKeys(f *testing.F) {
	for _, k := range []string{"intent:complaint", "topic:t-1", "queue:cards", "negative:chat", "total:voice", "business:all", "intent:", "topic:a|b", "queue:\x00", "意图:投诉", "intent:投诉"} {
		f.Add(k)
	}
	acme, _ := tenant.Parse("acme")
	f.Fuzz(func(t *testing.T, key string) {
		if CheckKey(key) != nil {
			return
		}
		if len(key) > MaxKeyLen {
			t.Fatalf("accepted a key of %d bytes", len(key))
		}
		if isTally(key) {
			return
		}
		kind, name, ok := KindOf(key)
		if !ok || name == "" {
			t.Fatalf("accepted %q without a kind", key)
		}
		at := time.Unix(1_700_000_000, 0).UTC()
		if _, err := events.New(acme, events.TypeAlertRaised, "al-x", "test", events.AlertRaised{AlertID: "al-x", Key: key, Kind: kind, Name: name,
			Examples: []string{}, Count: 10, Expected: 1, Onset: at, At: at, IntervalSeconds: 300}); err != nil && len(key) >= 3 {
			t.Fatalf("an alert on accepted key %q makes a bad event: %v", key, err)
		}
	})
}

// FuzzCountingPayloads feeds the counting part's table chat.message and contact.queued payloads
// of arbitrary JSON (seeds: the kept corpus in testdata/fuzz/FuzzCountingPayloads). Invariants:
// what it accepts has only keys CheckKey accepts, an example only under one of them, and never
// both an example and a candidate.
func FuzzCountingPayloads(f *testing.F) {
	f.Add(true, []byte(`{"conversation_id":"c1","channel":"chat","role":"customer","text":"hi","intent":"greeting"}`))
	f.Add(true, []byte(`{"conversation_id":"c1","channel":"chat","role":"customer","text":"hi","intent":"a|b"}`))
	f.Add(true, []byte(`{"conversation_id":"c1","channel":"voice","role":"customer","text":"terrible reminder"}`))
	f.Add(false, []byte(`{"channel":"chat","queue":"cards","priority":0,"reason":"handoff"}`))
	f.Add(false, []byte(`{"queue":7}`))
	acme, _ := tenant.Parse("acme")
	part := NewCounting(nil, sentimentDouble{}, topicsDouble{}, quiet)
	f.Fuzz(func(t *testing.T, chat bool, data []byte) {
		typ := events.TypeContactQueued
		if chat {
			typ = events.TypeChatMessage
		}
		env := events.Envelope{ID: "0197352c-1a00-7c22-8d33-4e5f60718291", Type: typ, Version: 1, Tenant: "acme", Source: "fuzz",
			Time: time.Unix(1_700_000_000, 0).UTC(), Subject: "s", Data: json.RawMessage(data)}
		c, err := part.countOf(context.Background(), acme, env)
		if err != nil {
			return
		}
		for _, k := range c.keys {
			if CheckKey(k) != nil {
				t.Fatalf("counted key %q", k)
			}
		}
		if c.example != nil && (c.candidate != nil || !slices.Contains(c.keys, c.example.Key)) {
			t.Fatalf("example %+v with keys %v, candidate %v", c.example, c.keys, c.candidate)
		}
	})
}
