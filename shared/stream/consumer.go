package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
	"unicode/utf8"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Handler handles one event for one tenant. The tenant comes from the validated envelope, never
// from e.Data. An error makes the Consumer try the event again later (after the earlier events of
// its subject), unless it is marked with Permanent, which sends the event towards the failure
// destination instead. A Handler must tolerate being called again for an event whose earlier call
// failed or was cut short; it is not called again for an event it handled successfully.
type Handler func(ctx context.Context, t tenant.ID, e events.Envelope) error

// Idempotency records which events have been handled, keyed by tenant and id. *store.Store
// satisfies it. The Consumer passes ids of the form "<consumer name>:<event id>", so consumers of
// the same stream keep separate records.
//
// Claim takes the event for the caller until lease ends and reports true; it reports false with
// no error when the event is done (the Consumer skips it), and an error when it cannot tell or
// another live lease holds the event (the Consumer fails the record, to be retried). Complete
// marks the event done and remembers it for keep. Release gives a claim back after a failure, so a
// retry can claim it at once.
type Idempotency interface {
	Claim(ctx context.Context, t tenant.ID, eventID string, lease time.Duration) (bool, error)
	Complete(ctx context.Context, t tenant.ID, eventID string, keep time.Duration) error
	Release(ctx context.Context, t tenant.ID, eventID string) error
}

// Defaults of a Consumer; see WithKeep and WithLease.
const (
	// DefaultKeep is how long a handled event's id is remembered.
	DefaultKeep = 7 * 24 * time.Hour
	// DefaultLease is how long a claim keeps other callers off an event being handled.
	DefaultLease = time.Second
)

// cleanupTimeout bounds Release and Complete, which run even when the invocation's context is
// already done.
const cleanupTimeout = 5 * time.Second

// Consumer turns a per-event Handler into the handler of a Kinesis-triggered Lambda function that
// reports partial batch failures (FunctionResponseTypes: [ReportBatchItemFailures]).
type Consumer struct {
	name   string
	handle Handler
	idem   Idempotency
	keep   time.Duration
	lease  time.Duration
	log    *slog.Logger
}

// ConsumerOption changes a Consumer's defaults.
type ConsumerOption func(*Consumer)

// WithKeep sets how long a handled event's id is remembered (DefaultKeep). It should exceed the
// stream's retention, so no redelivery outlives the mark.
func WithKeep(d time.Duration) ConsumerOption {
	return func(c *Consumer) { c.keep = d }
}

// WithLease sets how long a claim keeps other callers off an event being handled (DefaultLease).
//
// The default is short on purpose. Under a Kinesis event source mapping no two invocations ever
// hold the same record at once (one batch per shard, or per partition key with a parallelization
// factor), so a lease guards against nothing there; and after an invocation dies in the middle of
// a record (out of memory, runtime crash, timeout) its retries fail that record (store.ErrClaimed)
// for as long as the dead invocation's lease lasts, spending the mapping's retry attempts. Set a
// lease longer than the handler can run only where several consumers with the same name may
// handle one event concurrently.
func WithLease(d time.Duration) ConsumerOption {
	return func(c *Consumer) { c.lease = d }
}

// WithLogger sets the logger (slog.Default() otherwise). In Lambda, pass
// lambdacontext.NewLogger() so each line carries the request id.
func WithLogger(l *slog.Logger) ConsumerOption {
	return func(c *Consumer) { c.log = l }
}

// MaxNameLen is the longest consumer name.
const MaxNameLen = 64

// NewConsumer returns the Consumer called name (e.g. "dispatch"), which runs h once for each
// event, recording handled events in idem under its name. Each function that consumes the stream
// needs its own name, or one would skip the events the other has handled. Names are 1–64
// characters of [a-z0-9._-]; NewConsumer panics on another, a programming error caught at start-up.
// Start the function with lambda.Start(c.Handle).
func NewConsumer(name string, h Handler, idem Idempotency, opts ...ConsumerOption) *Consumer {
	if err := validName(name); err != nil {
		panic(err)
	}
	c := &Consumer{name: name, handle: h, idem: idem, keep: DefaultKeep, lease: DefaultLease, log: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	return c
}

func validName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("stream: consumer name %q: length %d, want 1 to %d", name, len(name), MaxNameLen)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("stream: consumer name %q: character %q, want [a-z0-9._-]", name, r)
		}
	}
	return nil
}

// outcome is what became of one record.
type outcome int

const (
	handled   outcome = iota // handled now
	skipped                  // handled before (or claimed)
	permanent                // can never succeed: reported, later records of its subject go on
	transient                // may succeed later: reported, later records of its subject wait
)

// Handle processes one batch of Kinesis records, in order, and reports the records to retry in
// BatchItemFailures by sequence number; it never returns an error.
//
//   - A record that can never succeed (undecodable, unknown type or version, no valid tenant,
//     invalid data, or a Handler error marked Permanent) is reported and logged at warn; the
//     records after it, of its subject too, are processed. The event source mapping retries it and
//     finally sends it to the on-failure destination.
//   - A record that failed for now (Handler error or panic, idempotency store error) is reported
//     and its claim released; the later records of the same partition key are left for the
//     redelivery, so a subject's events are handled in order. Other subjects go on.
//   - When the context is done, the first record not yet processed is reported and the batch
//     stops there.
//
// Lambda redelivers from the lowest reported sequence number; the records after it that were
// handled are then skipped through the Idempotency claims, so each event takes effect once.
func (c *Consumer) Handle(ctx context.Context, ev lambdaevents.KinesisEvent) (lambdaevents.KinesisEventResponse, error) {
	var (
		resp    lambdaevents.KinesisEventResponse
		waiting map[string]bool // partition keys with a transient failure in this batch
		stats   struct{ handled, skipped, permanent, transient, deferred int }
	)
	for _, rec := range ev.Records {
		k := rec.Kinesis
		if err := ctx.Err(); err != nil {
			c.log.WarnContext(ctx, "stream: invocation context ended, leaving the rest of the batch for redelivery",
				"seq", k.SequenceNumber, "err", context.Cause(ctx))
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.KinesisBatchItemFailure{ItemIdentifier: k.SequenceNumber})
			break
		}
		if waiting[k.PartitionKey] {
			stats.deferred++
			c.log.DebugContext(ctx, "stream: record waits for an earlier failed record of its subject", "seq", k.SequenceNumber)
			continue
		}
		switch c.process(ctx, k) {
		case handled:
			stats.handled++
		case skipped:
			stats.skipped++
		case permanent:
			stats.permanent++
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.KinesisBatchItemFailure{ItemIdentifier: k.SequenceNumber})
		case transient:
			stats.transient++
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.KinesisBatchItemFailure{ItemIdentifier: k.SequenceNumber})
			if waiting == nil {
				waiting = make(map[string]bool)
			}
			waiting[k.PartitionKey] = true
		}
	}
	c.log.InfoContext(ctx, "stream: batch done", "records", len(ev.Records), "handled", stats.handled, "skipped", stats.skipped,
		"permanent", stats.permanent, "transient", stats.transient, "deferred", stats.deferred)
	return resp, nil
}

// process takes one record through decode, claim, handler and completion.
func (c *Consumer) process(ctx context.Context, k lambdaevents.KinesisRecord) outcome {
	env, err := events.Decode(k.Data)
	if err != nil {
		c.log.WarnContext(ctx, "stream: record can never be handled, reporting it for the failure destination",
			"seq", k.SequenceNumber, "event_id", peekID(k.Data), "err", err)
		return permanent
	}
	log := c.log.With("seq", k.SequenceNumber, "event_id", env.ID, "event_type", env.Type)
	t, err := env.TenantID() // tenant.Parse of the envelope's tenant; Decode has checked it
	if err != nil {
		log.WarnContext(ctx, "stream: event has no valid tenant, reporting it for the failure destination", "err", err)
		return permanent
	}
	log = log.With("tenant", t.String())
	id := c.name + ":" + env.ID
	claimed, err := c.idem.Claim(ctx, t, id, c.lease)
	if err != nil {
		log.WarnContext(ctx, "stream: claim failed, record will be retried", "err", err)
		return transient
	}
	if !claimed {
		log.DebugContext(ctx, "stream: event already handled (or claimed), skipping")
		return skipped
	}
	if err := c.call(ctx, t, env); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		if rerr := c.idem.Release(cctx, t, id); rerr != nil {
			log.ErrorContext(ctx, "stream: release claim failed; the event waits for its lease to end", "err", rerr)
		}
		cancel()
		if IsPermanent(err) {
			log.WarnContext(ctx, "stream: handler failed for good, reporting the record for the failure destination", "err", err)
			return permanent
		}
		log.WarnContext(ctx, "stream: handler failed, record will be retried", "err", err)
		return transient
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := c.idem.Complete(cctx, t, id, c.keep); err != nil {
		// The event took effect: failing the record would surely run it again; as it is, it runs
		// again only if an earlier record of the shard fails and the batch is redelivered.
		log.ErrorContext(ctx, "stream: event handled but not marked complete", "err", err)
	}
	return handled
}

// call runs the handler, turning a panic into an error.
func (c *Consumer) call(ctx context.Context, t tenant.ID, env events.Envelope) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.ErrorContext(ctx, "stream: handler panicked", "event_id", env.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return c.handle(ctx, t, env)
}

// peekID returns the top-level "id" of an undecodable record, for the log, if it can be read
// before whatever is wrong with the record; it tolerates truncated JSON.
func peekID(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		if k == "id" {
			v, err := dec.Token()
			if id, ok := v.(string); err == nil && ok {
				if utf8.RuneCountInString(id) > 128 {
					return string([]rune(id)[:128]) + "…"
				}
				return id
			}
			return ""
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}
