package sqsmsg

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func TestDelaySeconds(t *testing.T) {
	for d, want := range map[time.Duration]int32{
		-time.Second: 0, 0: 0, time.Millisecond: 1, time.Second: 1, 1500 * time.Millisecond: 2,
		MaxDelay: 900, time.Hour: 900,
	} {
		if got := DelaySeconds(d); got != want {
			t.Errorf("DelaySeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

type senderFunc func(*sqs.SendMessageInput) error

func (f senderFunc) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return &sqs.SendMessageOutput{}, f(in)
}

func TestSendAndDecode(t *testing.T) {
	type msg struct {
		Tenant string `json:"tenant"`
		N      int    `json:"n"`
	}
	var sent *sqs.SendMessageInput
	err := Send(context.Background(), senderFunc(func(in *sqs.SendMessageInput) error { sent = in; return nil }),
		"http://queue", msg{Tenant: "acme", N: 3}, 20*time.Minute)
	if err != nil || *sent.QueueUrl != "http://queue" || sent.DelaySeconds != 900 {
		t.Fatalf("sent %+v: %v", sent, err)
	}
	var got msg
	if err := Decode(*sent.MessageBody, &got); err != nil || got != (msg{"acme", 3}) {
		t.Fatalf("decode %q: %+v %v", *sent.MessageBody, got, err)
	}
	for _, bad := range []string{``, `{`, `{"tenant":"a","x":1}`, `{"n":"3"}`, `{} {}`, `[]`} {
		if err := Decode(bad, &got); err == nil {
			t.Errorf("Decode(%q) accepted it", bad)
		}
	}
}
