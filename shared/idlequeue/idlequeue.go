// Package idlequeue carries the idle checks of conversations (shared/conversation's idle.go) as
// delayed SQS messages: the chat function sends one when a conversation starts, the idle function
// (functions/idle) consumes them and sends the next one while the conversation is still in use.
// SQS holds a message back at most 15 minutes (DelaySeconds), so a longer wait is a chain of
// checks, each of which finds the conversation not idle yet and asks again for the rest.
package idlequeue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/sqsmsg"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxDelay is the longest SQS holds a message back (DelaySeconds 900).
const MaxDelay = sqsmsg.MaxDelay

// ErrBadMessage marks a message that is not an idle check; no delivery can use it.
var ErrBadMessage = errors.New("not an idle check message")

// Message is the body of one idle check.
type Message struct {
	Tenant       string `json:"tenant"`
	Conversation string `json:"conversation"`
}

// Sender is the part of the SQS client Queue uses.
type Sender = sqsmsg.Sender

// Queue sends idle checks to one SQS queue. It is a conversation.IdleScheduler.
type Queue struct {
	client Sender
	url    string
}

var _ conversation.IdleScheduler = (*Queue)(nil)

// New returns a Queue sending to the queue at url.
func New(client Sender, url string) *Queue { return &Queue{client: client, url: url} }

// Delay is the DelaySeconds of a check wanted after d: whole seconds rounded up, at least 1, at
// most MaxDelay (the check then asks again for the rest).
func Delay(d time.Duration) int32 { return sqsmsg.DelaySeconds(max(d, time.Second)) }

// ScheduleIdleCheck sends the check of t's conversation id, delayed by after (see Delay).
func (q *Queue) ScheduleIdleCheck(ctx context.Context, t tenant.ID, id string, after time.Duration) error {
	// A floor of a second (Delay): a check is never due at once.
	if err := sqsmsg.Send(ctx, q.client, q.url, Message{Tenant: t.String(), Conversation: id}, max(after, time.Second)); err != nil {
		return fmt.Errorf("send idle check of %s/%s: %w", t, id, err)
	}
	return nil
}

// Parse decodes a message strictly.
func Parse(body string) (tenant.ID, string, error) {
	var m Message
	if err := sqsmsg.Decode(body, &m); err != nil {
		return tenant.ID{}, "", fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	t, err := tenant.Parse(m.Tenant)
	if err != nil {
		return tenant.ID{}, "", fmt.Errorf("%w: tenant %q: %w", ErrBadMessage, m.Tenant, err)
	}
	if m.Conversation == "" || len(m.Conversation) > 128 {
		return tenant.ID{}, "", fmt.Errorf("%w: conversation %q", ErrBadMessage, m.Conversation)
	}
	return t, m.Conversation, nil
}
