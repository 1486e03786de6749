package devstack

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func startSQS(t *testing.T, dir string) (*sqsServer, *sqs.Client) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSQSServer(dir, ln)
	if err != nil {
		t.Fatal(err)
	}
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s, sqs.NewFromConfig(testAWSConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(s.base) })
}

// The SQS endpoint works with the real sqs client (AWS JSON 1.0, body checksums validated).
func TestSQSEndpoint(t *testing.T) {
	dir := t.TempDir()
	_, q := startSQS(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("dlq"), Attributes: map[string]string{"VisibilityTimeout": "30"}})
	if err != nil {
		t.Fatal(err)
	}
	url := created.QueueUrl
	sent, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(`{"n":1}`),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("failure")}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(sent.MD5OfMessageAttributes) == "" {
		t.Errorf("no MD5OfMessageAttributes")
	}

	recv := func(wait int32) []sqstypes.Message {
		t.Helper()
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: wait,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	msgs := recv(0)
	if len(msgs) != 1 || aws.ToString(msgs[0].Body) != `{"n":1}` || aws.ToString(msgs[0].MessageId) != aws.ToString(sent.MessageId) ||
		aws.ToString(msgs[0].MessageAttributes["kind"].StringValue) != "failure" || msgs[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("received %+v", msgs)
	}
	if again := recv(0); len(again) != 0 {
		t.Errorf("an in-flight message was received again: %+v", again)
	}
	if _, err := q.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	msgs = recv(0)
	if len(msgs) != 1 || msgs[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the visibility reset: %+v", msgs)
	}
	if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: msgs[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}

	// Long polling returns as soon as a message arrives.
	got := make(chan []sqstypes.Message, 1)
	go func() { got <- recv(10) }()
	time.Sleep(100 * time.Millisecond) // let the receive start waiting; the assertion does not depend on it
	start := time.Now()
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("late")}); err != nil {
		t.Fatal(err)
	}
	if m := <-got; len(m) != 1 || aws.ToString(m[0].Body) != "late" || time.Since(start) > 5*time.Second {
		t.Errorf("long poll got %+v after %s", m, time.Since(start))
	}
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}

	_, err = q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("GetQueueUrl of a missing queue: %v", err)
	}

	// State survives a restart.
	_, q2 := startSQS(t, dir)
	attrs, err := q2.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String("http://x/000000000000/dlq"),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["ApproximateNumberOfMessages"] != "1" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("after restart: %v", attrs.Attributes)
	}
}

func TestMD5OfMessageAttributes(t *testing.T) {
	// The value the AWS SDKs compute for {"a": String "b"}: the names, types and values
	// length-prefixed with a transport byte, as documented for SQS.
	got := md5OfAttributes(map[string]sqsMessageValue{"a": {DataType: "String", StringValue: "b"}})
	want := md5Hex([]byte{0, 0, 0, 1, 'a', 0, 0, 0, 6, 'S', 't', 'r', 'i', 'n', 'g', 1, 0, 0, 0, 1, 'b'})
	if got != want {
		t.Errorf("md5 %s, want %s", got, want)
	}
}

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// A message timer (SendMessage's DelaySeconds) holds the message back until it has passed, as SQS
// does: the idle checks of conversations depend on it. Without one the queue's DelaySeconds
// applies; more than 900 s is refused.
func TestSQSMessageTimers(t *testing.T) {
	s, q := startSQS(t, t.TempDir())
	clock := &testClock{now: time.Now()}
	s.now = clock.Now
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("timers"), Attributes: map[string]string{"DelaySeconds": "60"}})
	if err != nil {
		t.Fatal(err)
	}
	url := created.QueueUrl
	send := func(body string, delay *int32) error {
		in := &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(body)}
		if delay != nil {
			in.DelaySeconds = *delay
		}
		_, err := q.SendMessage(ctx, in)
		return err
	}
	bodies := func() []string {
		t.Helper()
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range out.Messages {
			got = append(got, aws.ToString(m.Body))
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		return got
	}
	delayed := func() string {
		t.Helper()
		out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes["ApproximateNumberOfMessagesDelayed"]
	}
	d900 := int32(900)
	if err := send("in 900 s", &d900); err != nil {
		t.Fatal(err)
	}
	if err := send("queue default 60 s", nil); err != nil {
		t.Fatal(err)
	}
	if got := bodies(); len(got) != 0 || delayed() != "2" {
		t.Fatalf("at once: received %v, %s delayed", got, delayed())
	}
	clock.Add(60 * time.Second)
	if got := bodies(); !slices.Equal(got, []string{"queue default 60 s"}) {
		t.Fatalf("after 60 s: %v", got)
	}
	clock.Add(839 * time.Second)
	if got := bodies(); len(got) != 0 {
		t.Fatalf("after 899 s: %v", got)
	}
	clock.Add(time.Second)
	if got := bodies(); !slices.Equal(got, []string{"in 900 s"}) {
		t.Fatalf("after 900 s: %v", got)
	}
	d901 := int32(901)
	err = send("too late", &d901)
	var bad interface{ ErrorCode() string }
	if !errors.As(err, &bad) || bad.ErrorCode() != "InvalidParameterValue" {
		t.Fatalf("DelaySeconds 901: %v", err)
	}
}
