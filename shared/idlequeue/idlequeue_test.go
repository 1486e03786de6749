package idlequeue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/shared/tenant"
)

func TestDelay(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want int32
	}{
		{0, 1}, {-time.Minute, 1}, {200 * time.Millisecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2},
		{10 * time.Minute, 600}, {15 * time.Minute, 900}, {30 * time.Minute, 900},
	} {
		if got := Delay(tc.in); got != tc.want {
			t.Errorf("Delay(%s) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// sent records SendMessage calls (the SQS side itself is devstack's TestSQSMessageTimers).
type sent struct{ in []*sqs.SendMessageInput }

func (s *sent) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	s.in = append(s.in, in)
	return &sqs.SendMessageOutput{}, nil
}

// A scheduled check is a message Parse reads back, delayed as Delay says.
func TestScheduleAndParse(t *testing.T) {
	acme, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	s := &sent{}
	if err := New(s, "https://sqs/idle").ScheduleIdleCheck(context.Background(), acme, "cv-1", 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if len(s.in) != 1 || aws.ToString(s.in[0].QueueUrl) != "https://sqs/idle" || s.in[0].DelaySeconds != 900 {
		t.Fatalf("sent %+v", s.in)
	}
	got, id, err := Parse(aws.ToString(s.in[0].MessageBody))
	if err != nil || got != acme || id != "cv-1" {
		t.Fatalf("Parse: %v %q %v", got, id, err)
	}
	for _, bad := range []string{"", "{}", `{"tenant":"acme"}`, `{"tenant":"acme","conversation":"cv-1","x":1}`, `[1]`} {
		if _, _, err := Parse(bad); !errors.Is(err, ErrBadMessage) {
			t.Errorf("Parse(%q): %v", bad, err)
		}
	}
}
