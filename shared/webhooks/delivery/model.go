package delivery

import (
	"time"

	"github.com/lingxi/lingxi/shared/store"
)

// Status is where a delivery stands.
type Status string

// Statuses of a delivery.
const (
	StatusPending   Status = "pending"         // not attempted yet (or replayed)
	StatusDelivered Status = "delivered"       // the endpoint answered 2xx
	StatusRetrying  Status = "failed-retrying" // the last attempt failed; NextAttemptAt says when the next is
	StatusParked    Status = "parked"          // given up: MaxAge passed, or the endpoint is disabled or gone
)

func (s Status) terminal() bool { return s == StatusDelivered || s == StatusParked }

// Delivery is one event for one endpoint, and how sending it went.
type Delivery struct {
	// ID is the event's id; unique within the endpoint.
	ID               string     `dynamodbav:"id" json:"id"`
	EndpointID       string     `dynamodbav:"endpoint_id" json:"endpoint_id"`
	EventType        string     `dynamodbav:"event_type" json:"event_type"`
	Subject          string     `dynamodbav:"subject" json:"subject"`
	Status           Status     `dynamodbav:"status" json:"status"`
	Attempts         int        `dynamodbav:"attempts" json:"attempts"`
	LastLatencyMS    int64      `dynamodbav:"last_latency_ms" json:"last_latency_ms"`
	LastResponseCode int        `dynamodbav:"last_response_code" json:"last_response_code,omitempty"`
	LastError        string     `dynamodbav:"last_error" json:"last_error,omitempty"`
	LastAttemptAt    *time.Time `dynamodbav:"last_attempt_at,omitempty" json:"last_attempt_at,omitempty"`
	NextAttemptAt    *time.Time `dynamodbav:"next_attempt_at,omitempty" json:"next_attempt_at,omitempty"`
	// QueuedAt starts the retry window (Config.MaxAge); a replay starts it again.
	QueuedAt    time.Time  `dynamodbav:"queued_at" json:"queued_at"`
	CreatedAt   time.Time  `dynamodbav:"created_at" json:"created_at"`
	DeliveredAt *time.Time `dynamodbav:"delivered_at,omitempty" json:"delivered_at,omitempty"`
	Replays     int        `dynamodbav:"replays" json:"replays"`
	// Body is the envelope as sent, byte for byte on every attempt.
	Body string `dynamodbav:"body" json:"-"`
}

// DeliveryKey is the store key of endpoint's delivery of event.
func DeliveryKey(endpoint, event string) store.Key {
	return store.Key{Kind: KindDelivery, ID: endpoint + "/" + event}
}

// DeliveryPrefix is the id prefix of endpoint's deliveries (oldest event first: event ids are
// UUIDv7).
func DeliveryPrefix(endpoint string) string { return endpoint + "/" }

// lane is the queue of one endpoint's undecided deliveries of one subject, oldest first.
type lane struct {
	Queue []string `dynamodbav:"queue"`
}

func laneKey(endpoint, subject string) store.Key {
	return store.Key{Kind: KindLane, ID: endpoint + "/" + subject}
}
