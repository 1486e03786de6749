package devstack

// SQS event source mappings, as Lambda runs them: pollers long-poll the queue (devstack's own SQS
// endpoint, in process), invoke the function with an events.SQSEvent batch (BatchSize,
// MaximumBatchingWindowInSeconds), delete the messages of a successful invocation, leave every
// message of a failed one to come back when its visibility timeout ends, and with
// ReportBatchItemFailures delete all but the reported ones (an invalid report fails the whole
// batch). ScalingConfig.MaximumConcurrency bounds the invocations in flight (default 5, Lambda's
// initial pollers). A queue's RedrivePolicy is applied as SQS applies it on receive: a message
// received more than maxReceiveCount times moves to the dead-letter queue instead of being
// delivered.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sqsESMSpec is one SQS event of a function.
type sqsESMSpec struct {
	Function       string
	Event          string
	QueueARN       string
	QueueName      string
	BatchSize      int
	Window         time.Duration
	ReportFailures bool
	MaxConcurrency int
	DeadLetterName string // the queue's RedrivePolicy target; "" for none
	MaxReceive     int    // the RedrivePolicy's maxReceiveCount
}

// sqsEvent reads an SQS event of function fnID.
func (m *model) sqsEvent(fnID, ev string, p map[string]any) error {
	rp, err := m.res.resolve(p)
	if err != nil {
		return err
	}
	props := asMap(rp)
	if on, err := toBool(props["Enabled"], true); err != nil || !on {
		return err
	}
	arn := scalarString(props["Queue"])
	var queue *queueSpec
	for _, q := range m.queues {
		if queueARN(q.Name) == arn {
			queue = q
		}
	}
	if queue == nil {
		return fmt.Errorf("Queue %q is not an SQS queue declared in this template", arn)
	}
	spec := &sqsESMSpec{Function: fnID, Event: ev, QueueARN: arn, QueueName: queue.Name}
	if spec.BatchSize, err = toInt(props["BatchSize"], 10); err != nil || spec.BatchSize < 1 || spec.BatchSize > 10000 {
		return fmt.Errorf("BatchSize must be 1–10000 (%v)", err)
	}
	window, err := toInt(props["MaximumBatchingWindowInSeconds"], 0)
	if err != nil || window < 0 || window > 300 {
		return fmt.Errorf("MaximumBatchingWindowInSeconds must be 0–300 (%v)", err)
	}
	if spec.BatchSize > 10 && window == 0 {
		return fmt.Errorf("BatchSize over 10 needs MaximumBatchingWindowInSeconds of at least 1")
	}
	spec.Window = time.Duration(window) * time.Second
	for _, t := range asList(props["FunctionResponseTypes"]) {
		if scalarString(t) == "ReportBatchItemFailures" {
			spec.ReportFailures = true
		}
	}
	if spec.MaxConcurrency, err = toInt(asMap(props["ScalingConfig"])["MaximumConcurrency"], 5); err != nil || spec.MaxConcurrency < 2 || spec.MaxConcurrency > 1000 {
		return fmt.Errorf("ScalingConfig.MaximumConcurrency must be 2–1000 (%v)", err)
	}
	for _, k := range []string{"FilterCriteria", "KmsKeyArn", "MetricsConfig"} {
		if _, ok := props[k]; ok {
			m.warn("sqs/"+fnID+ev+k, "SQS event property is not emulated", "function", fnID, "event", ev, "property", k)
		}
	}
	qp, err := m.res.resolve(m.tmpl.Resources[queue.LogicalID].Properties)
	if err != nil {
		return fmt.Errorf("queue %s: %w", queue.LogicalID, err)
	}
	if redrive := asMap(asMap(qp)["RedrivePolicy"]); redrive != nil {
		dlq := scalarString(redrive["deadLetterTargetArn"])
		spec.DeadLetterName = dlq[strings.LastIndex(dlq, ":")+1:]
		if spec.MaxReceive, err = toInt(redrive["maxReceiveCount"], 0); err != nil || spec.MaxReceive < 1 || spec.MaxReceive > 1000 {
			return fmt.Errorf("queue %s: RedrivePolicy.maxReceiveCount must be 1–1000 (%v)", queue.LogicalID, err)
		}
		found := false
		for _, q := range m.queues {
			found = found || q.Name == spec.DeadLetterName
		}
		if !found {
			return fmt.Errorf("queue %s: dead-letter queue %q is not declared in this template", queue.LogicalID, dlq)
		}
	}
	m.sqsESMs = append(m.sqsESMs, spec)
	return nil
}

// sqsESM polls one queue for one function.
type sqsESM struct {
	st   *Stack
	spec *sqsESMSpec
	fn   *function
	pool *pool
}

// startSQSESM starts the mapping's pollers; they stop when the stack closes.
func (st *Stack) startSQSESM(spec *sqsESMSpec) {
	e := &sqsESM{st: st, spec: spec, fn: st.model.functions[spec.Function], pool: st.pools[spec.Function]}
	pollers := min(spec.MaxConcurrency, st.cfg.Concurrency)
	if e.fn.Reserved >= 0 {
		pollers = min(pollers, max(e.fn.Reserved, 1))
	}
	for range pollers {
		st.bg.Add(1)
		go func() {
			defer st.bg.Done()
			e.poll(st.ctx)
		}()
	}
}

func (e *sqsESM) prefix() string { return "[" + e.fn.LogicalID + "] " }

// sqsReceived is a message as devstack's ReceiveMessage returns it.
type sqsReceived struct {
	MessageId, ReceiptHandle, MD5OfBody, Body string
	MD5OfMessageAttributes                    string
	Attributes                                map[string]string
	MessageAttributes                         map[string]sqsMessageValue
}

// poll receives batches and delivers them until ctx ends.
func (e *sqsESM) poll(ctx context.Context) {
	for ctx.Err() == nil {
		batch := e.receive(ctx)
		if len(batch) == 0 {
			continue
		}
		e.deliver(ctx, batch)
	}
}

// receive long-polls for up to BatchSize messages, waiting up to the batching window to fill the
// batch once it has one, and moves messages past maxReceiveCount to the dead-letter queue.
func (e *sqsESM) receive(ctx context.Context) []sqsReceived {
	var batch []sqsReceived
	var first time.Time
	for ctx.Err() == nil && len(batch) < e.spec.BatchSize {
		wait := 20 * time.Second
		if len(batch) > 0 {
			if wait = e.spec.Window - time.Since(first); wait <= 0 {
				break
			}
		}
		in, _ := json.Marshal(map[string]any{
			"QueueUrl": e.st.sqs.queueURL(e.spec.QueueName), "MaxNumberOfMessages": min(10, e.spec.BatchSize-len(batch)),
			"WaitTimeSeconds": int(min(wait, 20*time.Second) / time.Second), "AttributeNames": []string{"All"},
			"MessageAttributeNames": []string{"All"},
		})
		out, err := e.st.sqs.receiveMessage(ctx, in)
		if err != nil {
			if ctx.Err() == nil {
				e.st.log.Warn("receive from queue", "function", e.fn.LogicalID, "queue", e.spec.QueueName, "err", err)
				wait := time.NewTimer(time.Second)
				select {
				case <-wait.C:
				case <-ctx.Done():
					wait.Stop()
				}
			}
			return batch
		}
		raw, _ := json.Marshal(out)
		var got struct{ Messages []sqsReceived }
		if err := json.Unmarshal(raw, &got); err != nil || len(got.Messages) == 0 {
			if len(batch) > 0 && e.spec.Window == 0 {
				break
			}
			continue
		}
		for _, msg := range got.Messages {
			if e.redrive(msg) {
				continue
			}
			if len(batch) == 0 {
				first = time.Now()
			}
			batch = append(batch, msg)
		}
		if e.spec.Window == 0 {
			break
		}
	}
	return batch
}

// redrive moves a message received more than maxReceiveCount times to the dead-letter queue and
// reports whether it did.
func (e *sqsESM) redrive(msg sqsReceived) bool {
	if e.spec.MaxReceive == 0 {
		return false
	}
	if n, _ := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"]); n <= e.spec.MaxReceive {
		return false
	}
	if err := e.st.sqs.send(e.spec.DeadLetterName, msg.Body); err != nil {
		e.st.log.Error("move to dead-letter queue", "queue", e.spec.QueueName, "dead_letter_queue", e.spec.DeadLetterName, "err", err)
		return false
	}
	e.delete(msg)
	e.st.sink.line(e.prefix(), fmt.Sprintf("message %s received more than %d times: moved to %s", msg.MessageId, e.spec.MaxReceive, e.spec.DeadLetterName))
	return true
}

func (e *sqsESM) delete(msg sqsReceived) {
	in, _ := json.Marshal(map[string]string{"QueueUrl": e.st.sqs.queueURL(e.spec.QueueName), "ReceiptHandle": msg.ReceiptHandle})
	if _, err := e.st.sqs.deleteMessage(in); err != nil {
		e.st.log.Error("delete message", "queue", e.spec.QueueName, "message", msg.MessageId, "err", err)
	}
}

// sqsEventRecord is one record of the event Lambda sends (events.SQSMessage's JSON).
type sqsEventRecord struct {
	MessageId              string                       `json:"messageId"`
	ReceiptHandle          string                       `json:"receiptHandle"`
	Body                   string                       `json:"body"`
	Attributes             map[string]string            `json:"attributes"`
	MessageAttributes      map[string]sqsEventAttribute `json:"messageAttributes"`
	MD5OfBody              string                       `json:"md5OfBody"`
	MD5OfMessageAttributes string                       `json:"md5OfMessageAttributes,omitempty"`
	EventSource            string                       `json:"eventSource"`
	EventSourceARN         string                       `json:"eventSourceARN"`
	AWSRegion              string                       `json:"awsRegion"`
}

type sqsEventAttribute struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues [][]byte `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

func (e *sqsESM) payload(batch []sqsReceived) []byte {
	recs := make([]sqsEventRecord, len(batch))
	for i, msg := range batch {
		attrs := map[string]sqsEventAttribute{}
		for k, v := range msg.MessageAttributes {
			a := sqsEventAttribute{DataType: v.DataType, BinaryValue: v.BinaryValue, StringListValues: []string{}, BinaryListValues: [][]byte{}}
			if !strings.HasPrefix(v.DataType, "Binary") {
				s := v.StringValue
				a.StringValue = &s
			}
			attrs[k] = a
		}
		recs[i] = sqsEventRecord{MessageId: msg.MessageId, ReceiptHandle: msg.ReceiptHandle, Body: msg.Body,
			Attributes: msg.Attributes, MessageAttributes: attrs, MD5OfBody: msg.MD5OfBody,
			MD5OfMessageAttributes: msg.MD5OfMessageAttributes, EventSource: "aws:sqs",
			EventSourceARN: e.spec.QueueARN, AWSRegion: Region}
	}
	b, _ := json.Marshal(map[string]any{"Records": recs})
	return b
}

// deliver invokes the function with batch and deletes what it handled.
func (e *sqsESM) deliver(ctx context.Context, batch []sqsReceived) {
	res, err := e.pool.invoke(e.st.hard, e.payload(batch))
	if err != nil {
		if ctx.Err() == nil {
			e.st.log.Warn("invoke from queue failed before the function ran; the messages come back after their visibility timeout",
				"function", e.fn.LogicalID, "queue", e.spec.QueueName, "err", err)
		}
		return
	}
	if res.FunctionError != "" {
		e.st.sink.line(e.prefix(), fmt.Sprintf("invocation failed (%s): %d message(s) come back after their visibility timeout", res.ErrorType, len(batch)))
		return
	}
	keep := map[string]bool{}
	if e.spec.ReportFailures {
		var ok bool
		if keep, ok = reportedFailures(res.Payload, batch); !ok {
			e.st.sink.line(e.prefix(), "batchItemFailures response is invalid; the whole batch failed")
			return
		}
	}
	var wg sync.WaitGroup
	for _, msg := range batch {
		if !keep[msg.MessageId] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.delete(msg)
			}()
		}
	}
	wg.Wait()
}

// reportedFailures reads a ReportBatchItemFailures response: the ids of messages to keep. Like
// Lambda, a response that is not one, or names an id that is empty or not in the batch, is invalid
// (ok false); an empty or null response is a success.
func reportedFailures(payload []byte, batch []sqsReceived) (map[string]bool, bool) {
	keep := map[string]bool{}
	if len(payload) == 0 || string(payload) == "null" {
		return keep, true
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, false
	}
	ids := map[string]bool{}
	for _, m := range batch {
		ids[m.MessageId] = true
	}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == nil || !ids[*f.ItemIdentifier] {
			return nil, false
		}
		keep[*f.ItemIdentifier] = true
	}
	return keep, true
}
