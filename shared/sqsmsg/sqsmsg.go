// Package sqsmsg is how Lingxi's functions talk through their SQS work queues (training jobs, idle
// checks, webhook delivery attempts): a message is one JSON object, sent with an optional delay
// and read back strictly. SQS holds a message back at most MaxDelay; a longer wait is a chain of
// messages, each of which finds its work not due yet and sends itself again for the rest.
package sqsmsg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// MaxDelay is the longest SQS holds a message back (DelaySeconds 900).
const MaxDelay = 15 * time.Minute

// Sender is the part of the SQS client Send uses.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var _ Sender = (*sqs.Client)(nil)

// DelaySeconds is d as SQS's DelaySeconds: whole seconds rounded up, from 0 to MaxDelay.
func DelaySeconds(d time.Duration) int32 {
	d = min(max(d, 0), MaxDelay)
	return int32((d + time.Second - 1) / time.Second)
}

// Send sends m as JSON to the queue at url, held back by delay (DelaySeconds).
func Send(ctx context.Context, c Sender, url string, m any, delay time.Duration) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	body := string(b)
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, DelaySeconds: DelaySeconds(delay)}); err != nil {
		return err
	}
	return nil
}

// Decode reads body, one JSON object, into v strictly: unknown fields and trailing data are errors.
func Decode(body string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value")
	}
	return nil
}
