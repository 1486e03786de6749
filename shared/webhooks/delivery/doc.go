// Package delivery sends a tenant's events to its partners' webhook endpoints (docs/webhooks.md).
//
//   - endpoint.go: an endpoint (URL, subscribed event types, secrets) and how it is stored.
//   - fanout.go: the stream consumer's handler. For every event and every enabled endpoint of the
//     tenant subscribed to its type it writes a delivery item and appends it to the endpoint's lane
//     of the event's subject; it never sends HTTP, so no endpoint holds up a shard.
//   - lane.go: a lane is the queue of one endpoint's deliveries of one subject. Only the lane's
//     head is ever attempted; when it is delivered or parked it leaves the lane and the next one
//     is sent for. That is the order guarantee.
//   - deliver.go: the SQS-driven sender: one message names one delivery attempt; a failed attempt
//     sends the next message with a delay (exponential backoff with full jitter, SQS's
//     DelaySeconds at most 900 s, longer waits chained) until MaxAge, then the delivery is parked.
//   - queue.go: the SQS messages.
//   - share.go: a tenant's share of the sender: an attempt holds one of its tenant's slots
//     (plan.WebhookConcurrency leases in the table); with none free its message is put back.
//
// Guarantees: at least once (a receiver may see an event twice and should drop repeats by the
// envelope's id); for one endpoint and one subject, delivery n+1 is not attempted before delivery
// n was acknowledged with a 2xx or parked. A delivery is retried until MaxAge after its event was
// queued (24 h), and always attempted at least once, so one that waited behind a failing earlier
// one gets what is left of its window. A replayed delivery joins the back of its lane with a new
// window.
// Deliveries to different endpoints, and of different subjects, are independent; a tenant never
// has more than its share of attempts in flight, so it cannot hold up other tenants.
package delivery
