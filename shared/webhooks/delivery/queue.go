package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxDelay is the longest SQS holds a message back (DelaySeconds 900); longer waits are chained.
const MaxDelay = 15 * time.Minute

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
}

// Queue sends delivery messages.
type Queue interface {
	Send(ctx context.Context, m Message, delay time.Duration) error
}

// Sender is the part of the SQS client SQSQueue uses.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var _ Sender = (*sqs.Client)(nil)

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
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode delivery message: %w", err)
	}
	body := string(b)
	d := min(max(delay, 0), MaxDelay)
	secs := int32((d + time.Second - 1) / time.Second)
	if _, err := q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.url, MessageBody: &body, DelaySeconds: secs}); err != nil {
		return fmt.Errorf("send delivery %s/%s: %w", m.Endpoint, m.Delivery, err)
	}
	return nil
}

// Parse decodes a message strictly.
func Parse(body string) (tenant.ID, Message, error) {
	var m Message
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return tenant.ID{}, m, fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	t, err := tenant.Parse(m.Tenant)
	if err != nil {
		return tenant.ID{}, m, fmt.Errorf("%w: tenant: %w", ErrBadMessage, err)
	}
	if m.Endpoint == "" || m.Delivery == "" || m.Subject == "" || len(m.Endpoint) > 64 || len(m.Delivery) > 128 || m.Attempt < 0 {
		return tenant.ID{}, m, fmt.Errorf("%w: endpoint %q delivery %q attempt %d", ErrBadMessage, m.Endpoint, m.Delivery, m.Attempt)
	}
	return t, m, nil
}
