package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/lingxi/lingxi/events"
)

// Kinesis service limits that Publish respects.
const (
	// MaxRecordsPerCall is the most records one PutRecords call may carry.
	MaxRecordsPerCall = 500
	// MaxBytesPerCall is the most bytes (data plus partition keys) one PutRecords call may carry.
	MaxBytesPerCall = 5 << 20
	// MaxRecordBytes is the largest record (data plus partition key) Kinesis accepts.
	MaxRecordBytes = 1 << 20
	// MaxPartitionKeyLen is the longest partition key, in Unicode characters.
	MaxPartitionKeyLen = 256
)

// Defaults of a Publisher; see WithMaxAttempts and WithBackoff.
const (
	DefaultMaxAttempts = 5
	DefaultBackoffBase = 100 * time.Millisecond
	DefaultBackoffMax  = 5 * time.Second
)

// PutRecordsAPI is the part of the Kinesis client a Publisher uses; *kinesis.Client satisfies it,
// and tests put a fake in its place.
type PutRecordsAPI interface {
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

var _ PutRecordsAPI = (*kinesis.Client)(nil)

// Publisher writes envelopes to one Kinesis stream. It is safe for concurrent use.
type Publisher struct {
	client      PutRecordsAPI
	stream      string
	maxAttempts int
	base, max   time.Duration
	reorder     bool
}

// PublisherOption changes a Publisher's defaults.
type PublisherOption func(*Publisher)

// WithMaxAttempts sets how many times Publish sends one record before it gives up on it
// (DefaultMaxAttempts; values below 1 mean 1).
func WithMaxAttempts(n int) PublisherOption {
	return func(p *Publisher) { p.maxAttempts = max(n, 1) }
}

// WithBackoff sets the exponential backoff between calls that retry failed records: before the
// n-th consecutive retrying call Publish waits a random time in [0, min(max, base·2ⁿ⁻¹)] ("full
// jitter"). Defaults: DefaultBackoffBase, DefaultBackoffMax.
func WithBackoff(base, max time.Duration) PublisherOption {
	return func(p *Publisher) { p.base, p.max = base, max }
}

// AllowReorderOnRetry lets one PutRecords call carry several records with the same partition key,
// which needs fewer calls when one subject has many events to publish at once. The price: Kinesis
// may reject one record of a call and accept a later one of the same subject, and the retried
// record then lands after it. Without this option a call carries at most one record per partition
// key, a record is sent only once every earlier record of its key is written, and the later
// records of a key whose record failed for good are not sent at all, so every subject's events
// stay in Publish order on the stream.
func AllowReorderOnRetry() PublisherOption {
	return func(p *Publisher) { p.reorder = true }
}

// NewPublisher returns a Publisher that writes to the stream named streamName through client
// (normally a *kinesis.Client).
func NewPublisher(client PutRecordsAPI, streamName string, opts ...PublisherOption) *Publisher {
	p := &Publisher{
		client:      client,
		stream:      streamName,
		maxAttempts: DefaultMaxAttempts,
		base:        DefaultBackoffBase,
		max:         DefaultBackoffMax,
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// record is one envelope on its way to the stream.
type record struct {
	index    int
	id       string
	key      string
	data     []byte
	size     int
	attempts int
	code     string
	msg      string
}

// Publish writes envs to the stream as JSON records, partition key env.PartitionKey(), in as few
// PutRecords calls as the service limits allow. Records a response reports as failed are sent
// again (only those) after a backoff, up to the attempt limit. An envelope that is not valid
// (events.Validate) or is larger than MaxRecordBytes fails the whole call before anything is sent,
// with ErrInvalidRecord or ErrRecordTooLarge. When records are still unwritten at the end
// — attempts used up, a call error, ctx done — Publish returns a *PublishError that lists them;
// the others were written.
func (p *Publisher) Publish(ctx context.Context, envs ...events.Envelope) error {
	recs := make([]*record, len(envs))
	for i, env := range envs {
		r, err := newRecord(i, env)
		if err != nil {
			return err
		}
		recs[i] = r
	}
	var (
		pending = recs
		failed  []*record
		callErr error
		streak  int // consecutive calls that had failed records
	)
	for len(pending) > 0 {
		if streak > 0 {
			if err := p.wait(ctx, streak); err != nil {
				callErr = err
				break
			}
		}
		batch := p.take(pending)
		out, err := p.put(ctx, batch)
		if err != nil {
			callErr = err
			break
		}
		done := make(map[*record]bool, len(batch))
		retry := false
		for i, res := range out.Records {
			r := batch[i]
			if code := aws.ToString(res.ErrorCode); code != "" {
				r.attempts++
				r.code, r.msg = code, aws.ToString(res.ErrorMessage)
				retry = true
				if r.attempts >= p.maxAttempts {
					done[r] = true
					failed = append(failed, r)
				}
				continue
			}
			r.code, r.msg = "", ""
			done[r] = true
		}
		if retry {
			streak++
		} else {
			streak = 0
		}
		pending, failed = p.next(pending, done, failed)
	}
	for _, r := range pending {
		if r.code == "" {
			r.code, r.msg = "NotSent", "publishing stopped"
			if callErr != nil {
				r.msg += ": " + callErr.Error()
			}
		}
		failed = append(failed, r)
	}
	if len(failed) == 0 {
		return nil
	}
	perr := &PublishError{Total: len(envs), Err: callErr}
	for _, r := range failed {
		perr.Failed = append(perr.Failed, FailedRecord{Index: r.index, EventID: r.id, ErrorCode: r.code, ErrorMessage: r.msg})
	}
	sortFailed(perr.Failed)
	return perr
}

// Check returns the error Publish would refuse env with before sending anything (ErrInvalidRecord
// or ErrRecordTooLarge), or nil if Publish takes it. A producer that stores an event to publish
// later (shared/outbox) checks it first, so that whatever it stores can be published.
func Check(env events.Envelope) error {
	_, err := newRecord(0, env)
	return err
}

func newRecord(i int, env events.Envelope) (*record, error) {
	if err := events.Validate(env); err != nil {
		return nil, fmt.Errorf("%w: envelope %d (id %q): %w", ErrInvalidRecord, i, env.ID, err)
	}
	key := env.PartitionKey()
	if n := utf8.RuneCountInString(key); n > MaxPartitionKeyLen {
		return nil, fmt.Errorf("%w: event %s: partition key has %d characters, limit %d", ErrInvalidRecord, env.ID, n, MaxPartitionKeyLen)
	}
	data, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("%w: event %s: encode: %v", ErrInvalidRecord, env.ID, err)
	}
	size := len(data) + len(key)
	if size > MaxRecordBytes {
		return nil, fmt.Errorf("%w: event %s is %d bytes, limit %d", ErrRecordTooLarge, env.ID, size, MaxRecordBytes)
	}
	return &record{index: i, id: env.ID, key: key, data: data, size: size}, nil
}

// take picks the records of the next call from pending (in Publish order): up to
// MaxRecordsPerCall records and MaxBytesPerCall bytes, and unless reordering is allowed at most
// one record per partition key, the first pending one of that key.
func (p *Publisher) take(pending []*record) []*record {
	var (
		batch []*record
		bytes int
		keys  map[string]bool
	)
	if !p.reorder {
		keys = make(map[string]bool)
	}
	for _, r := range pending {
		if len(batch) == MaxRecordsPerCall {
			break
		}
		if keys != nil && keys[r.key] {
			continue
		}
		if bytes+r.size > MaxBytesPerCall {
			if keys == nil {
				break // a later record must not overtake this one
			}
			keys[r.key] = true // nor one of its key
			continue
		}
		if keys != nil {
			keys[r.key] = true
		}
		batch = append(batch, r)
		bytes += r.size
	}
	return batch
}

func (p *Publisher) put(ctx context.Context, batch []*record) (*kinesis.PutRecordsOutput, error) {
	in := &kinesis.PutRecordsInput{
		StreamName: aws.String(p.stream),
		Records:    make([]types.PutRecordsRequestEntry, len(batch)),
	}
	for i, r := range batch {
		in.Records[i] = types.PutRecordsRequestEntry{Data: r.data, PartitionKey: aws.String(r.key)}
	}
	out, err := p.client.PutRecords(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("put %d records to %s: %w", len(batch), p.stream, err)
	}
	if len(out.Records) != len(batch) {
		return nil, fmt.Errorf("put %d records to %s: response has %d results", len(batch), p.stream, len(out.Records))
	}
	return out, nil
}

// next returns the records still to send and the records failed for good. In order-keeping mode a
// record failed for good takes the later pending records of its key with it.
func (p *Publisher) next(pending []*record, done map[*record]bool, failed []*record) ([]*record, []*record) {
	var dead map[string]bool
	if !p.reorder {
		for r := range done {
			if r.code != "" && r.attempts >= p.maxAttempts {
				if dead == nil {
					dead = make(map[string]bool)
				}
				dead[r.key] = true
			}
		}
	}
	rest := pending[:0:0]
	for _, r := range pending {
		switch {
		case done[r]:
		case dead[r.key]:
			r.code, r.msg = "NotSent", "an earlier record of the same partition key failed"
			failed = append(failed, r)
		default:
			rest = append(rest, r)
		}
	}
	return rest, failed
}

// wait sleeps before the n-th consecutive retrying call: a random time up to backoffCap(n)
// ("full jitter").
func (p *Publisher) wait(ctx context.Context, n int) error {
	limit := p.backoffCap(n)
	if limit <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(rand.N(limit + 1))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// backoffCap is min(max, base·2ⁿ⁻¹), safe from overflow.
func (p *Publisher) backoffCap(n int) time.Duration {
	if n < 1 || p.base <= 0 {
		return 0
	}
	d := p.base
	for i := 1; i < n && d < p.max; i++ {
		d *= 2
	}
	return min(d, p.max)
}

func sortFailed(f []FailedRecord) {
	slices.SortFunc(f, func(a, b FailedRecord) int { return a.Index - b.Index })
}
