package events

import "time"

// BusinessEvent (business.event) records something that happened to a customer in the tenant's
// own systems (a failed payment, a shipped order) that Lingxi may act on, e.g. by calling or
// messaging the customer. The envelope's subject is the customer id.
type BusinessEvent struct {
	// CustomerID is the tenant's id for the customer (the envelope's subject).
	CustomerID string `json:"customer_id" jsonschema:"minLength=1,maxLength=128"`
	// Kind is what happened, in snake_case, e.g. "payment_failed" or "order_shipped".
	Kind string `json:"kind" jsonschema:"maxLength=64,pattern=^[a-z][a-z0-9_]*$"`
	// Attributes are the event's details (amount, order number, ...). Personal data.
	Attributes map[string]string `json:"attributes,omitempty" jsonschema_extras:"x-personal-data=true"`
	// OccurredAt is when it happened in the tenant's system (the envelope's time is when Lingxi
	// received it).
	OccurredAt time.Time `json:"occurred_at"`
}
