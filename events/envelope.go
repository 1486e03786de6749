// Package events holds Lingxi's event contracts: the envelope every event on the stream shares, a
// Go type and a type-name constant per event, a JSON Schema per type (schemas/, generated from the
// Go types) and an example per type (examples/). Producers build events with New and consumers read
// them with Decode and DataAs; all of them validate against the embedded schemas, so nothing
// malformed reaches the stream or a handler.
//
// Every error from Decode, Validate, New and DataAs wraps one of the sentinels in errors.go, and
// every one of them is permanent: the same bytes fail the same way on a retry, so a consumer sends
// the record to its failure destination instead of retrying it.
package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Envelope is the wrapper of every event (DESIGN.md §4). ID is unique and is the idempotency key;
// Subject is the contact, conversation or call the event is about; the partition key on the stream
// is Tenant + Subject so one subject's events stay in order.
type Envelope struct {
	// ID is unique per event and is the consumers' idempotency key. New makes a UUIDv7.
	ID string `json:"id" jsonschema:"minLength=1,maxLength=128"`
	// Type is the dotted event type name, e.g. "chat.message"; it selects the schema of data.
	Type string `json:"type" jsonschema:"pattern=^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*)+$"`
	// Version is the version of the type's payload; a consumer rejects a version it does not know.
	Version int `json:"version" jsonschema:"minimum=1"`
	// Tenant is the tenant id the event belongs to (shared/tenant rules: 1-64 of [a-z0-9-], not
	// starting with a dash).
	Tenant string `json:"tenant" jsonschema:"minLength=1,maxLength=64,pattern=^[a-z0-9][a-z0-9-]*$"`
	// Source names the producer, e.g. "chat-api" or "media-edge".
	Source string `json:"source" jsonschema:"minLength=1,maxLength=64"`
	// Time is when the event happened (RFC 3339; New uses UTC now).
	Time time.Time `json:"time"`
	// Subject is the id of the contact, conversation or call the event is about. At most 128
	// characters, so the partition key (tenant#subject) stays within Kinesis's 256.
	Subject string `json:"subject" jsonschema:"minLength=1,maxLength=128"`
	// Data is the type's payload: a JSON object valid against the type's schema in schemas/.
	Data json.RawMessage `json:"data"`
}

// PartitionKey is the Kinesis partition key for e: tenant and subject, so one subject's events are
// kept in order on one shard.
func (e Envelope) PartitionKey() string { return e.Tenant + "#" + e.Subject }

// TenantID returns e's tenant as a typed tenant.ID. On an envelope from Decode it cannot fail; on
// one built by hand it fails with ErrMissingTenant when the tenant is empty or malformed.
func (e Envelope) TenantID() (tenant.ID, error) {
	if e.Tenant == "" {
		return tenant.ID{}, fmt.Errorf("%w: tenant is empty", ErrMissingTenant)
	}
	id, err := tenant.Parse(e.Tenant)
	if err != nil {
		return tenant.ID{}, fmt.Errorf("%w: %w", ErrMissingTenant, err)
	}
	return id, nil
}
