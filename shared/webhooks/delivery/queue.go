package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/sqsmsg"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxDelay is the longest SQS holds a message back (DelaySeconds 900); longer waits are chained.
const MaxDelay = sqsmsg.MaxDelay

// ErrBadMessage marks a queue message that is not a delivery attempt.
var ErrBadMessage = errors.New("not a webhook delivery message")

// Message asks for attempt number Attempt+1 of one delivery.
type Message struct {
	Tenant   string `json:"tenant"`
	Endpoint string `json:"endpoint"`
	Delivery string `json:"delivery"`
	// Subject is the delivery's subject: its lane.
	Subject string `json:"subject"`
	// Attempt is how many attempts the delivery had when the message was sent; a message whose
	// count is behind the delivery's is a stale duplicate.
	Attempt int `json:"attempt"`
	// Busy is how many times the attempt was put back because its tenant's slots were all held:
	// each time it waits longer (Config.BusyDelay doubled, up to MaxBusyDelay).
	Busy int `json:"busy,omitempty"`
}

// Queue sends delivery messages.
type Queue interface {
	Send(ctx context.Context, m Message, delay time.Duration) error
}

// Sender is the part of the SQS client SQSQueue uses.
type Sender = sqsmsg.Sender

// SQSQueue is a Queue over one SQS queue.
type SQSQueue struct {
	client Sender
	url    string
}

var _ Queue = (*SQSQueue)(nil)

// NewSQSQueue returns a Queue sending to the queue at url.
func NewSQSQueue(c Sender, url string) *SQSQueue { return &SQSQueue{client: c, url: url} }

// Send sends m, held back by delay rounded up to the second (at most MaxDelay: a later attempt
// finds itself early and is sent again for the rest).
func (q *SQSQueue) Send(ctx context.Context, m Message, delay time.Duration) error {
	if err := sqsmsg.Send(ctx, q.client, q.url, m, delay); err != nil {
		return fmt.Errorf("send delivery %s/%s: %w", m.Endpoint, m.Delivery, err)
	}
	return nil
}

// Parse decodes a message strictly.
func Parse(body string) (tenant.ID, Message, error) {
	var m Message
	if err := sqsmsg.Decode(body, &m); err != nil {
		return tenant.ID{}, m, fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	t, err := tenant.Parse(m.Tenant)
	if err != nil {
		return tenant.ID{}, m, fmt.Errorf("%w: tenant: %w", ErrBadMessage, err)
	}
	if m.Endpoint == "" || m.Delivery == "" || m.Subject == "" || len(m.Endpoint) > 64 || len(m.Delivery) > 128 || m.Attempt < 0 || m.Busy < 0 {
		return tenant.ID{}, m, fmt.Errorf("%w: endpoint %q delivery %q attempt %d", ErrBadMessage, m.Endpoint, m.Delivery, m.Attempt)
	}
	return t, m, nil
}
