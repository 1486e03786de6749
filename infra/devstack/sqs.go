package devstack

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sqsServer is a small SQS endpoint speaking the AWS JSON 1.0 protocol of the current SDKs, enough
// for on-failure destinations and for reading them with the real sqs client: CreateQueue,
// GetQueueUrl, ListQueues, SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch),
// ChangeMessageVisibility, GetQueueAttributes, PurgeQueue, DeleteQueue. Each queue is one JSON file
// under the state directory, rewritten on every change.
type sqsServer struct {
	dir  string
	base string
	ln   net.Listener
	srv  *http.Server

	mu     sync.Mutex
	queues map[string]*sqsQueue
	notify chan struct{}
	// now is the clock of delays, visibility and retention (time.Now; tests move it).
	now func() time.Time
}

type sqsQueue struct {
	Name     string            `json:"name"`
	Attrs    map[string]string `json:"attributes"`
	Created  int64             `json:"created"`
	Modified int64             `json:"modified"`
	Messages []*sqsMessage     `json:"messages"`
}

type sqsMessage struct {
	ID           string                     `json:"id"`
	Body         string                     `json:"body"`
	MD5Body      string                     `json:"md5Body"`
	MD5Attrs     string                     `json:"md5Attrs,omitempty"`
	Attrs        map[string]sqsMessageValue `json:"messageAttributes,omitempty"`
	SentAt       int64                      `json:"sentAt"`
	VisibleAt    int64                      `json:"visibleAt"`
	ReceiveCount int                        `json:"receiveCount"`
	FirstReceive int64                      `json:"firstReceive,omitempty"`
	Receipt      string                     `json:"receipt,omitempty"`
}

type sqsMessageValue struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

var defaultQueueAttrs = map[string]string{
	"VisibilityTimeout":             "30",
	"MessageRetentionPeriod":        "345600",
	"DelaySeconds":                  "0",
	"ReceiveMessageWaitTimeSeconds": "0",
	"MaximumMessageSize":            "262144",
}

func newSQSServer(dir string, ln net.Listener) (*sqsServer, error) {
	s := &sqsServer{dir: dir, ln: ln, base: "http://" + ln.Addr().String(), queues: map[string]*sqsQueue{}, notify: make(chan struct{}), now: time.Now}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var q sqsQueue
		if err := json.Unmarshal(data, &q); err != nil {
			return nil, fmt.Errorf("read queue state %s: %w", f, err)
		}
		s.queues[q.Name] = &q
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// ensure creates a queue the template declares, keeping its messages if it exists.
func (s *sqsServer) ensure(name string, attrs map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queues[name]
	if !ok {
		now := s.now().Unix()
		q = &sqsQueue{Name: name, Attrs: map[string]string{}, Created: now, Modified: now}
		s.queues[name] = q
	}
	for k, v := range defaultQueueAttrs {
		if _, ok := q.Attrs[k]; !ok {
			q.Attrs[k] = v
		}
	}
	for k, v := range attrs {
		q.Attrs[k] = v
	}
	return s.save(q)
}

func (s *sqsServer) save(q *sqsQueue) error {
	data, err := json.Marshal(q)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.dir, q.Name+".json"), data)
}

type sqsError struct {
	status int
	code   string // the JSON protocol's error shape name
	query  string // the query-compatible code
	msg    string
}

func (e *sqsError) Error() string { return e.code + ": " + e.msg }

var errNoQueue = &sqsError{http.StatusBadRequest, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."}

func badParam(format string, args ...any) error {
	return &sqsError{http.StatusBadRequest, "InvalidParameterValueException", "InvalidParameterValue", fmt.Sprintf(format, args...)}
}

func (s *sqsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonSQS.")
	if r.Method != http.MethodPost || !ok {
		s.fail(w, &sqsError{http.StatusBadRequest, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation",
			"devstack's SQS endpoint speaks the AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.<Operation>) only"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		s.fail(w, badParam("read request: %v", err))
		return
	}
	var out any
	switch op {
	case "CreateQueue":
		out, err = s.createQueue(body)
	case "GetQueueUrl":
		out, err = s.getQueueURL(body)
	case "ListQueues":
		out, err = s.listQueues(body)
	case "SendMessage":
		out, err = s.sendMessage(body)
	case "SendMessageBatch":
		out, err = s.sendMessageBatch(body)
	case "ReceiveMessage":
		out, err = s.receiveMessage(r.Context(), body)
	case "DeleteMessage":
		out, err = s.deleteMessage(body)
	case "DeleteMessageBatch":
		out, err = s.deleteMessageBatch(body)
	case "ChangeMessageVisibility":
		out, err = s.changeVisibility(body)
	case "GetQueueAttributes":
		out, err = s.getQueueAttributes(body)
	case "PurgeQueue":
		out, err = s.purgeQueue(body)
	case "DeleteQueue":
		out, err = s.deleteQueue(body)
	default:
		err = &sqsError{http.StatusBadRequest, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", op + " is not supported by devstack"}
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	json.NewEncoder(w).Encode(out)
}

func (s *sqsServer) fail(w http.ResponseWriter, err error) {
	var se *sqsError
	if !errors.As(err, &se) {
		se = &sqsError{http.StatusInternalServerError, "InternalError", "InternalError", err.Error()}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", se.query+";Sender")
	w.WriteHeader(se.status)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + se.code, "message": se.msg})
}

func (s *sqsServer) queueURL(name string) string { return s.base + "/" + AccountID + "/" + name }

// queue finds the queue a QueueUrl names (its last path segment). Called with s.mu held.
func (s *sqsServer) queue(u string) (*sqsQueue, error) {
	if u == "" {
		return nil, badParam("QueueUrl is required")
	}
	name := u[strings.LastIndex(u, "/")+1:]
	q, ok := s.queues[name]
	if !ok {
		return nil, errNoQueue
	}
	return q, nil
}

func decode(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badParam("request body: %v", err)
	}
	return nil
}

func (s *sqsServer) createQueue(body []byte) (any, error) {
	var in struct {
		QueueName  string
		Attributes map[string]string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" || len(in.QueueName) > 80 {
		return nil, badParam("QueueName must be 1-80 characters")
	}
	if err := s.ensure(in.QueueName, in.Attributes); err != nil {
		return nil, err
	}
	return map[string]string{"QueueUrl": s.queueURL(in.QueueName)}, nil
}

func (s *sqsServer) getQueueURL(body []byte) (any, error) {
	var in struct{ QueueName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.queues[in.QueueName]; !ok {
		return nil, errNoQueue
	}
	return map[string]string{"QueueUrl": s.queueURL(in.QueueName)}, nil
}

func (s *sqsServer) listQueues(body []byte) (any, error) {
	var in struct{ QueueNamePrefix string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	urls := []string{}
	for name := range s.queues {
		if strings.HasPrefix(name, in.QueueNamePrefix) {
			urls = append(urls, s.queueURL(name))
		}
	}
	sort.Strings(urls)
	return map[string]any{"QueueUrls": urls}, nil
}

type sendEntry struct {
	Id                string
	MessageBody       string
	DelaySeconds      *int // absent: the queue's DelaySeconds
	MessageAttributes map[string]sqsMessageValue
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes is SQS's checksum of message attributes: names sorted, each name, type and value
// length-prefixed, with a transport byte (1 string, 2 binary).
func md5OfAttributes(attrs map[string]sqsMessageValue) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	h := md5.New()
	put := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, k := range names {
		v := attrs[k]
		put([]byte(k))
		put([]byte(v.DataType))
		if strings.HasPrefix(v.DataType, "Binary") {
			h.Write([]byte{2})
			put(v.BinaryValue)
		} else {
			h.Write([]byte{1})
			put([]byte(v.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// maxDelaySeconds is the longest SQS holds a message back (a message timer or a queue's delay).
const maxDelaySeconds = 900

// enqueue adds a message, invisible until its delay (the message's DelaySeconds, else the
// queue's) has passed. Called with s.mu held.
func (s *sqsServer) enqueue(q *sqsQueue, e sendEntry) (*sqsMessage, error) {
	if e.MessageBody == "" {
		return nil, &sqsError{http.StatusBadRequest, "MissingRequiredParameterException", "MissingParameter", "The request must contain the parameter MessageBody."}
	}
	max, _ := strconv.Atoi(q.Attrs["MaximumMessageSize"])
	if max > 0 && len(e.MessageBody) > max {
		return nil, badParam("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", max)
	}
	delay, _ := strconv.Atoi(q.Attrs["DelaySeconds"])
	if e.DelaySeconds != nil {
		delay = *e.DelaySeconds
	}
	if delay < 0 || delay > maxDelaySeconds {
		return nil, badParam("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and %d, if provided.", delay, maxDelaySeconds)
	}
	now := s.now()
	m := &sqsMessage{ID: newUUID(), Body: e.MessageBody, MD5Body: md5Hex([]byte(e.MessageBody)), Attrs: e.MessageAttributes,
		MD5Attrs: md5OfAttributes(e.MessageAttributes), SentAt: now.UnixMilli(), VisibleAt: now.Add(time.Duration(delay) * time.Second).UnixMilli()}
	q.Messages = append(q.Messages, m)
	close(s.notify)
	s.notify = make(chan struct{})
	return m, nil
}

// send is the in-process path the event source mappings use for on-failure records.
func (s *sqsServer) send(queue, body string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queues[queue]
	if !ok {
		return fmt.Errorf("queue %s: %w", queue, errNoQueue)
	}
	if _, err := s.enqueue(q, sendEntry{MessageBody: body}); err != nil {
		return err
	}
	return s.save(q)
}

func sendResult(m *sqsMessage) map[string]any {
	out := map[string]any{"MessageId": m.ID, "MD5OfMessageBody": m.MD5Body}
	if m.MD5Attrs != "" {
		out["MD5OfMessageAttributes"] = m.MD5Attrs
	}
	return out
}

func (s *sqsServer) sendMessage(body []byte) (any, error) {
	var in struct {
		QueueUrl string
		sendEntry
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	m, err := s.enqueue(q, in.sendEntry)
	if err != nil {
		return nil, err
	}
	return sendResult(m), s.save(q)
}

func (s *sqsServer) sendMessageBatch(body []byte) (any, error) {
	var in struct {
		QueueUrl string
		Entries  []sendEntry
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, badParam("a batch holds 1-10 entries")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ok, failed := []any{}, []any{}
	for _, e := range in.Entries {
		m, err := s.enqueue(q, e)
		if err != nil {
			failed = append(failed, map[string]any{"Id": e.Id, "Code": "InvalidParameterValue", "Message": err.Error(), "SenderFault": true})
			continue
		}
		r := sendResult(m)
		r["Id"] = e.Id
		ok = append(ok, r)
	}
	return map[string]any{"Successful": ok, "Failed": failed}, s.save(q)
}

// expire drops messages past the retention period. Called with s.mu held.
func expire(q *sqsQueue, now time.Time) {
	ret, _ := strconv.Atoi(q.Attrs["MessageRetentionPeriod"])
	if ret <= 0 {
		return
	}
	cut := now.Add(-time.Duration(ret) * time.Second).UnixMilli()
	kept := q.Messages[:0]
	for _, m := range q.Messages {
		if m.SentAt >= cut {
			kept = append(kept, m)
		}
	}
	q.Messages = kept
}

func wants(names []string, name string) bool {
	for _, n := range names {
		if n == "All" || n == ".*" || n == name || strings.HasSuffix(n, ".*") && strings.HasPrefix(name, strings.TrimSuffix(n, "*")) {
			return true
		}
	}
	return false
}

func (s *sqsServer) receiveMessage(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueueUrl                    string
		AttributeNames              []string
		MessageSystemAttributeNames []string
		MessageAttributeNames       []string
		MaxNumberOfMessages         *int
		VisibilityTimeout           *int
		WaitTimeSeconds             *int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	max := 1
	if in.MaxNumberOfMessages != nil {
		max = *in.MaxNumberOfMessages
	}
	if max < 1 || max > 10 {
		return nil, badParam("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", max)
	}
	s.mu.Lock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	wait, _ := strconv.Atoi(q.Attrs["ReceiveMessageWaitTimeSeconds"])
	s.mu.Unlock()
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
	}
	if wait < 0 || wait > 20 {
		return nil, badParam("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", wait)
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second) // the wait is real time
	sysAttrs := append(in.AttributeNames, in.MessageSystemAttributeNames...)
	for {
		s.mu.Lock()
		q, err := s.queue(in.QueueUrl)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		now := s.now()
		expire(q, now)
		vis, _ := strconv.Atoi(q.Attrs["VisibilityTimeout"])
		if in.VisibilityTimeout != nil {
			vis = *in.VisibilityTimeout
		}
		var out []any
		for _, m := range q.Messages {
			if len(out) == max {
				break
			}
			if m.VisibleAt > now.UnixMilli() {
				continue
			}
			m.ReceiveCount++
			if m.FirstReceive == 0 {
				m.FirstReceive = now.UnixMilli()
			}
			m.VisibleAt = now.Add(time.Duration(vis) * time.Second).UnixMilli()
			m.Receipt = base64.StdEncoding.EncodeToString([]byte(m.ID + ":" + newUUID()))
			msg := map[string]any{"MessageId": m.ID, "ReceiptHandle": m.Receipt, "MD5OfBody": m.MD5Body, "Body": m.Body}
			attrs := map[string]string{}
			for k, v := range map[string]string{
				"SenderId": AccountID, "SentTimestamp": strconv.FormatInt(m.SentAt, 10),
				"ApproximateReceiveCount": strconv.Itoa(m.ReceiveCount), "ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstReceive, 10),
			} {
				if wants(sysAttrs, k) {
					attrs[k] = v
				}
			}
			if len(attrs) > 0 {
				msg["Attributes"] = attrs
			}
			sel := map[string]sqsMessageValue{}
			for k, v := range m.Attrs {
				if wants(in.MessageAttributeNames, k) {
					sel[k] = v
				}
			}
			if len(sel) > 0 {
				msg["MessageAttributes"] = sel
				msg["MD5OfMessageAttributes"] = md5OfAttributes(sel)
			}
			out = append(out, msg)
		}
		notify := s.notify
		if len(out) > 0 {
			err := s.save(q)
			s.mu.Unlock()
			return map[string]any{"Messages": out}, err
		}
		s.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			return map[string]any{}, nil
		}
		t := time.NewTimer(min(left, 250*time.Millisecond)) // also wakes for messages whose visibility ran out
		select {
		case <-notify:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return map[string]any{}, nil
		}
		t.Stop()
	}
}

// deleteLocked removes the message a receipt handle names. Called with s.mu held.
func deleteLocked(q *sqsQueue, receipt string) error {
	for i, m := range q.Messages {
		if m.Receipt != "" && m.Receipt == receipt {
			q.Messages = append(q.Messages[:i], q.Messages[i+1:]...)
			return nil
		}
	}
	raw, err := base64.StdEncoding.DecodeString(receipt)
	if err != nil || !strings.Contains(string(raw), ":") {
		return &sqsError{http.StatusBadRequest, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "The input receipt handle is invalid."}
	}
	return nil // a stale handle of a message already deleted: SQS accepts it
}

func (s *sqsServer) deleteMessage(body []byte) (any, error) {
	var in struct{ QueueUrl, ReceiptHandle string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if err := deleteLocked(q, in.ReceiptHandle); err != nil {
		return nil, err
	}
	return map[string]any{}, s.save(q)
}

func (s *sqsServer) deleteMessageBatch(body []byte) (any, error) {
	var in struct {
		QueueUrl string
		Entries  []struct{ Id, ReceiptHandle string }
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ok, failed := []any{}, []any{}
	for _, e := range in.Entries {
		if err := deleteLocked(q, e.ReceiptHandle); err != nil {
			failed = append(failed, map[string]any{"Id": e.Id, "Code": "ReceiptHandleIsInvalid", "Message": err.Error(), "SenderFault": true})
			continue
		}
		ok = append(ok, map[string]string{"Id": e.Id})
	}
	return map[string]any{"Successful": ok, "Failed": failed}, s.save(q)
}

func (s *sqsServer) changeVisibility(body []byte) (any, error) {
	var in struct {
		QueueUrl, ReceiptHandle string
		VisibilityTimeout       int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	for _, m := range q.Messages {
		if m.Receipt == in.ReceiptHandle {
			m.VisibleAt = s.now().Add(time.Duration(in.VisibilityTimeout) * time.Second).UnixMilli()
			close(s.notify)
			s.notify = make(chan struct{})
			return map[string]any{}, s.save(q)
		}
	}
	return nil, &sqsError{http.StatusBadRequest, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "The input receipt handle is invalid."}
}

func (s *sqsServer) getQueueAttributes(body []byte) (any, error) {
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := s.now()
	expire(q, now)
	visible, inflight, delayed := 0, 0, 0
	for _, m := range q.Messages {
		switch {
		case m.VisibleAt <= now.UnixMilli():
			visible++
		case m.ReceiveCount > 0:
			inflight++
		default:
			delayed++
		}
	}
	all := map[string]string{
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inflight),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(delayed),
		"CreatedTimestamp":                      strconv.FormatInt(q.Created, 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.Modified, 10),
		"QueueArn":                              queueARN(q.Name),
	}
	for k, v := range q.Attrs {
		all[k] = v
	}
	out := map[string]string{}
	for k, v := range all {
		if wants(in.AttributeNames, k) {
			out[k] = v
		}
	}
	return map[string]any{"Attributes": out}, nil
}

func (s *sqsServer) purgeQueue(body []byte) (any, error) {
	var in struct{ QueueUrl string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.Messages = nil
	return map[string]any{}, s.save(q)
}

func (s *sqsServer) deleteQueue(body []byte) (any, error) {
	var in struct{ QueueUrl string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	delete(s.queues, q.Name)
	return map[string]any{}, os.Remove(filepath.Join(s.dir, q.Name+".json"))
}
