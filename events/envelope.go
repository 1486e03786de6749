// Package events holds Lingxi's event contracts: the envelope every event on the stream shares, a
// Go type and a type-name constant per event, a JSON Schema per type (schemas/) and an example per
// type (examples/). Producers build events with New and consumers read them with Decode; both go
// through Validate, so nothing malformed reaches the stream or a handler.
package events

import (
	"encoding/json"
	"time"
)

// Envelope is the wrapper of every event (DESIGN.md §4). ID is unique and is the idempotency key;
// Subject is the contact, conversation or call the event is about; the partition key on the stream
// is Tenant + Subject so one subject's events stay in order.
type Envelope struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Version int             `json:"version"`
	Tenant  string          `json:"tenant"`
	Source  string          `json:"source"`
	Time    time.Time       `json:"time"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
}

// PartitionKey is the Kinesis partition key for e: tenant and subject, so one subject's events are
// kept in order on one shard.
func (e Envelope) PartitionKey() string { return e.Tenant + "#" + e.Subject }
