package events

import "time"

// AlertKind is what an alert's key counts (docs/voc.md).
type AlertKind string

// Alert kinds.
const (
	// AlertTopic: customer messages the bot did not understand, grouped into an emerging topic.
	AlertTopic AlertKind = "topic"
	// AlertIntent: customer messages of one intent.
	AlertIntent AlertKind = "intent"
	// AlertQueue: contacts queued for one queue.
	AlertQueue AlertKind = "queue"
	// AlertNegative: negative customer messages of one channel.
	AlertNegative AlertKind = "negative"
)

// AlertState is where an alert is in its workflow: open → acknowledged → assigned → resolved.
type AlertState string

// Alert states.
const (
	AlertOpen         AlertState = "open"
	AlertAcknowledged AlertState = "acknowledged"
	AlertAssigned     AlertState = "assigned"
	AlertResolved     AlertState = "resolved"
)

// AlertRaised (alert.raised) records that a key's volume rose above its seasonal baseline: a
// spike of complaints about a topic, an intent, a queue's contacts or negative messages. One alert
// is open per tenant and key at a time. The envelope's subject is the alert id.
type AlertRaised struct {
	// AlertID is the alert's id (the envelope's subject; GET /v1/voc/alerts/{id}).
	AlertID string `json:"alert_id" jsonschema:"minLength=1,maxLength=128"`
	// Key is what was counted: "intent:<name>", "topic:<id>", "queue:<id>" or "negative:<channel>".
	Key string `json:"key" jsonschema:"minLength=3,maxLength=200"`
	// Kind is the key's kind (its prefix).
	Kind AlertKind `json:"kind"`
	// Name is the key's name for people: the intent, the topic's name, the queue, the channel.
	Name string `json:"name" jsonschema:"maxLength=200"`
	// Examples are up to 5 recent customer messages of the key, newest first (none for queue and
	// negative keys). Personal data.
	Examples []string `json:"examples" jsonschema:"maxItems=5" jsonschema_extras:"x-personal-data=true"`
	// Count is the volume of the latest interval (for negative keys, the negative share's count).
	Count float64 `json:"count" jsonschema:"minimum=0"`
	// Expected is the baseline's expectation for that interval.
	Expected float64 `json:"expected" jsonschema:"minimum=0"`
	// Score is how far above its expectation the count is (the detector's measure).
	Score float64 `json:"score"`
	// Onset is the start of the first interval of the rise.
	Onset time.Time `json:"onset"`
	// At is when the alert was raised.
	At time.Time `json:"at"`
	// IntervalSeconds is the counting interval (300).
	IntervalSeconds int `json:"interval_seconds" jsonschema:"minimum=1"`
}

// AlertChanged (alert.changed) records a step of an alert's workflow: acknowledged, assigned to an
// owner, resolved. The envelope's subject is the alert id.
type AlertChanged struct {
	// AlertID is the alert's id (the envelope's subject).
	AlertID string `json:"alert_id" jsonschema:"minLength=1,maxLength=128"`
	// Key is the alert's key (alert.raised's).
	Key string `json:"key" jsonschema:"minLength=3,maxLength=200"`
	// State is the alert's new state.
	State AlertState `json:"state"`
	// OwnerID is the user the alert is assigned to; omitted before it is assigned.
	OwnerID string `json:"owner_id,omitempty" jsonschema:"maxLength=128"`
	// By is who made the change: "user/<id>" for a person signed in, the API key's id otherwise.
	By string `json:"by" jsonschema:"minLength=1,maxLength=200"`
	// ResolutionSeconds is the time from the alert's onset to its resolution; only when resolved.
	ResolutionSeconds *int64 `json:"resolution_seconds,omitempty" jsonschema:"minimum=0"`
	// Note is the resolver's note; omitted when none. Personal data may occur.
	Note string `json:"note,omitempty" jsonschema:"maxLength=1000" jsonschema_extras:"x-personal-data=true"`
}
