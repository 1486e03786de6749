package devstack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// sendJobs sends {"id", "mode"} messages to the queue with the logical id.
func sendJobs(t *testing.T, q *sqs.Client, st *Stack, queue string, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		id, mode, _ := strings.Cut(m, ":")
		b, _ := json.Marshal(map[string]string{"id": id, "mode": mode})
		if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(st.QueueURL(queue)), MessageBody: aws.String(string(b))}); err != nil {
			t.Fatal(err)
		}
	}
}

// deadLetters receives want messages from the queue with the logical id and returns their ids.
func deadLetters(t *testing.T, q *sqs.Client, st *Stack, queue string, want int) []string {
	t.Helper()
	var ids []string
	deadline := time.Now().Add(30 * time.Second)
	for len(ids) < want && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(st.QueueURL(queue)), MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var b struct{ ID string }
			json.Unmarshal([]byte(aws.ToString(m.Body)), &b)
			ids = append(ids, b.ID)
		}
	}
	if len(ids) != want {
		t.Fatalf("dead letters %v, want %d", ids, want)
	}
	return ids
}

func TestSQSEventSourceMapping(t *testing.T) {
	st, logs := startStack(t, "sqs.yaml", nil)
	q := sqs.NewFromConfig(testAWSConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(st.SQSURL()) })
	arn := queueARN(st.Ref("JobsQueue")[strings.LastIndex(st.Ref("JobsQueue"), "/")+1:])

	t.Run("successes are deleted, reported failures come back, and redrive ends them", func(t *testing.T) {
		sendJobs(t, q, st, "JobsQueue", "a:ok", "b:once", "c:always")
		logs.waitLines(t, 30*time.Second, 1, "[QueueConsumer] PROCESSED a")
		logs.waitLines(t, 30*time.Second, 1, "[QueueConsumer] PROCESSED b")
		if got := deadLetters(t, q, st, "DeadQueue", 1); got[0] != "c" {
			t.Fatalf("dead letters %v, want [c]", got)
		}
		for id, want := range map[string]int{"a": 1, "b": 1, "c": 0} {
			if n := logs.count("[QueueConsumer] PROCESSED " + id); n != want {
				t.Errorf("%s processed %d times, want %d", id, n, want)
			}
		}
		// c was delivered maxReceiveCount (2) times, the second time with receive count 2.
		if n := logs.count("[QueueConsumer] RECEIVED c "); n != 2 {
			t.Errorf("c delivered %d times, want 2", n)
		}
		if n := logs.count("[QueueConsumer] RECEIVED c 2 aws:sqs " + arn); n != 1 {
			t.Errorf("no second delivery of c with receive count 2 from %s", arn)
		}
		if n := logs.count("[QueueConsumer] RECEIVED a 1 aws:sqs " + arn); n != 1 {
			t.Errorf("a's event does not name its source: %d", n)
		}
	})

	t.Run("a message timer holds the message back from the function", func(t *testing.T) {
		b, _ := json.Marshal(map[string]string{"id": "late", "mode": "ok"})
		sent := time.Now()
		if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(st.QueueURL("JobsQueue")),
			MessageBody: aws.String(string(b)), DelaySeconds: 2}); err != nil {
			t.Fatal(err)
		}
		logs.waitLines(t, 30*time.Second, 1, "[QueueConsumer] PROCESSED late")
		// A lower bound only: the message cannot reach the function before its delay.
		if waited := time.Since(sent); waited < 2*time.Second {
			t.Fatalf("delivered after %s, before its 2 s delay", waited)
		}
	})

	t.Run("a function error returns the whole batch", func(t *testing.T) {
		sendJobs(t, q, st, "JobsQueue", "p:poison")
		if got := deadLetters(t, q, st, "DeadQueue", 1); got[0] != "p" {
			t.Fatalf("dead letters %v, want [p]", got)
		}
		if n := logs.count("[QueueConsumer] RECEIVED p "); n != 2 {
			t.Errorf("p delivered %d times, want 2", n)
		}
	})

	out, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(st.QueueURL("JobsQueue")),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Attributes["ApproximateNumberOfMessages"] != "0" || out.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("the queue still holds messages: %v", out.Attributes)
	}
}
