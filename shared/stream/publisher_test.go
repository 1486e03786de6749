package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// fakeKinesis records every PutRecords call and fails the records that fail says to fail.
type fakeKinesis struct {
	mu    sync.Mutex
	calls [][]string // event ids per call
	bytes []int      // bytes per call
	// fail returns the error code for the entry in the given call (0-based), "" for success.
	fail func(call int, id string) string
	// err, when set, fails whole calls.
	err error
}

func (f *fakeKinesis) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	call := len(f.calls)
	var ids []string
	size := 0
	out := &kinesis.PutRecordsOutput{}
	for i, e := range in.Records {
		var env events.Envelope
		if err := json.Unmarshal(e.Data, &env); err != nil {
			return nil, fmt.Errorf("record %d is not an envelope: %v", i, err)
		}
		if aws.ToString(e.PartitionKey) != env.PartitionKey() {
			return nil, fmt.Errorf("record %d has partition key %q, want %q", i, aws.ToString(e.PartitionKey), env.PartitionKey())
		}
		ids = append(ids, env.ID)
		size += len(e.Data) + len(aws.ToString(e.PartitionKey))
		res := types.PutRecordsResultEntry{SequenceNumber: aws.String(fmt.Sprint(call*1000 + i)), ShardId: aws.String("shardId-000000000000")}
		if f.fail != nil {
			if code := f.fail(call, env.ID); code != "" {
				res = types.PutRecordsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String("injected")}
				out.FailedRecordCount = aws.Int32(aws.ToInt32(out.FailedRecordCount) + 1)
			}
		}
		out.Records = append(out.Records, res)
	}
	f.calls = append(f.calls, ids)
	f.bytes = append(f.bytes, size)
	if f.err != nil {
		return nil, f.err
	}
	return out, nil
}

// env builds a valid chat.message envelope with a readable id and a text of pad bytes.
func env(id, subject string, pad int) events.Envelope {
	e, err := events.New(mustTenant("acme"), events.TypeChatMessage, subject, "test", events.ChatMessage{
		ConversationID: subject, Channel: events.ChannelChat, Role: events.RoleCustomer, Text: strings.Repeat("x", pad),
	})
	if err != nil {
		panic(err)
	}
	e.ID = id
	e.Time = time.Date(2025, 6, 3, 9, 14, 7, 512e6, time.UTC) // fixed, so sizes are exact
	return e
}

func mustTenant(s string) tenant.ID {
	t, err := tenant.Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// failIDs fails the given ids in the given calls.
func failIDs(code string, byCall map[int][]string) func(int, string) string {
	return func(call int, id string) string {
		if slices.Contains(byCall[call], id) {
			return code
		}
		return ""
	}
}

func TestPublish(t *testing.T) {
	const throttled = "ProvisionedThroughputExceededException"
	many := func(n, subjects int) []events.Envelope {
		var envs []events.Envelope
		for i := range n {
			envs = append(envs, env(fmt.Sprintf("e%04d", i), fmt.Sprintf("s%d", i%subjects), 10))
		}
		return envs
	}
	tests := map[string]struct {
		envs      []events.Envelope
		opts      []stream.PublisherOption
		fail      func(int, string) string
		wantCalls [][]string // nil: not checked
		wantSizes []int      // records per call; nil: not checked
		wantFail  []string   // ids that Publish reports failed
	}{
		"one call when nothing fails": {
			envs:      []events.Envelope{env("a", "s1", 10), env("b", "s2", 10), env("c", "s3", 10)},
			wantCalls: [][]string{{"a", "b", "c"}},
		},
		"only the failed records are retried": {
			envs: many(10, 10),
			fail: failIDs(throttled, map[int][]string{0: {"e0002", "e0005"}}),
			wantCalls: [][]string{
				{"e0000", "e0001", "e0002", "e0003", "e0004", "e0005", "e0006", "e0007", "e0008", "e0009"},
				{"e0002", "e0005"},
			},
		},
		"gives up after the attempt limit": {
			envs:      many(4, 4),
			opts:      []stream.PublisherOption{stream.WithMaxAttempts(3)},
			fail:      func(_ int, id string) string { return map[bool]string{true: "InternalFailure"}[id == "e0003"] },
			wantCalls: [][]string{{"e0000", "e0001", "e0002", "e0003"}, {"e0003"}, {"e0003"}},
			wantFail:  []string{"e0003"},
		},
		"one record per subject per call keeps subject order": {
			envs: []events.Envelope{env("a1", "A", 10), env("a2", "A", 10), env("b1", "B", 10), env("a3", "A", 10)},
			fail: failIDs(throttled, map[int][]string{0: {"a1"}}),
			wantCalls: [][]string{
				{"a1", "b1"},
				{"a1"},
				{"a2"},
				{"a3"},
			},
		},
		"a subject's record failed for good holds back its later records": {
			envs:      []events.Envelope{env("a1", "A", 10), env("a2", "A", 10), env("b1", "B", 10), env("b2", "B", 10)},
			opts:      []stream.PublisherOption{stream.WithMaxAttempts(2)},
			fail:      func(_ int, id string) string { return map[bool]string{true: throttled}[id == "a1"] },
			wantCalls: [][]string{{"a1", "b1"}, {"a1", "b2"}},
			wantFail:  []string{"a1", "a2"},
		},
		"reorder allowed packs a subject's records into one call": {
			envs:      []events.Envelope{env("a1", "A", 10), env("a2", "A", 10), env("b1", "B", 10), env("a3", "A", 10)},
			opts:      []stream.PublisherOption{stream.AllowReorderOnRetry()},
			fail:      failIDs(throttled, map[int][]string{0: {"a1"}}),
			wantCalls: [][]string{{"a1", "a2", "b1", "a3"}, {"a1"}},
		},
		"at most 500 records per call": {
			envs:      many(1200, 1200),
			wantSizes: []int{500, 500, 200},
		},
		"at most 500 records per call, one subject, reorder allowed": {
			envs:      many(1200, 1),
			opts:      []stream.PublisherOption{stream.AllowReorderOnRetry()},
			wantSizes: []int{500, 500, 200},
		},
		"at most 5 MiB per call": {
			// 900 KiB records: five fit in 5 MiB, six do not.
			envs:      func() []events.Envelope { e := many(12, 12); return e }(),
			opts:      []stream.PublisherOption{stream.AllowReorderOnRetry()},
			wantSizes: []int{5, 5, 2},
		},
	}
	// Make the 5 MiB case's records big.
	big := tests["at most 5 MiB per call"]
	for i := range big.envs {
		big.envs[i] = env(big.envs[i].ID, big.envs[i].Subject, 900<<10)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			fk := &fakeKinesis{fail: tc.fail}
			opts := append([]stream.PublisherOption{stream.WithBackoff(time.Millisecond, 5*time.Millisecond)}, tc.opts...)
			err := stream.NewPublisher(fk, "events", opts...).Publish(ctx, tc.envs...)
			if tc.wantCalls != nil && !equalCalls(fk.calls, tc.wantCalls) {
				t.Errorf("calls = %v, want %v", fk.calls, tc.wantCalls)
			}
			if tc.wantSizes != nil {
				var sizes []int
				for _, c := range fk.calls {
					sizes = append(sizes, len(c))
				}
				if !slices.Equal(sizes, tc.wantSizes) {
					t.Errorf("records per call = %v, want %v", sizes, tc.wantSizes)
				}
			}
			for i, b := range fk.bytes {
				if b > stream.MaxBytesPerCall {
					t.Errorf("call %d carried %d bytes, limit %d", i, b, stream.MaxBytesPerCall)
				}
			}
			if len(tc.wantFail) == 0 {
				if err != nil {
					t.Fatalf("Publish: %v", err)
				}
				return
			}
			var perr *stream.PublishError
			if !errors.As(err, &perr) {
				t.Fatalf("Publish error = %v, want a *PublishError", err)
			}
			var got []string
			for _, f := range perr.Failed {
				got = append(got, f.EventID)
				if f.ErrorCode == "" {
					t.Errorf("failed record %s has no error code", f.EventID)
				}
			}
			if !slices.Equal(got, tc.wantFail) || perr.Total != len(tc.envs) {
				t.Errorf("failed = %v of %d, want %v of %d", got, perr.Total, tc.wantFail, len(tc.envs))
			}
			if want := fmt.Sprintf("%d of %d records failed", len(tc.wantFail), len(tc.envs)); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}

func equalCalls(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func TestPublishRejectsBeforeIO(t *testing.T) {
	tests := map[string]struct {
		env  events.Envelope
		want error
	}{
		"record over 1 MiB":     {env("big", "s", stream.MaxRecordBytes), stream.ErrRecordTooLarge},
		"no id":                 {env("", "s", 1), stream.ErrInvalidRecord},
		"subject over 128":      {func() events.Envelope { e := env("long", "s", 1); e.Subject = strings.Repeat("s", 300); return e }(), stream.ErrInvalidRecord},
		"unknown type":          {func() events.Envelope { e := env("bad", "s", 1); e.Type = "no.such"; return e }(), events.ErrUnknownType},
		"data that is not JSON": {func() events.Envelope { e := env("bad", "s", 1); e.Data = []byte("{"); return e }(), stream.ErrInvalidRecord},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fk := &fakeKinesis{}
			err := stream.NewPublisher(fk, "events").Publish(t.Context(), env("ok", "s", 1), tc.env)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Publish error = %v, want %v", err, tc.want)
			}
			if len(fk.calls) != 0 {
				t.Fatalf("%d calls made, want none", len(fk.calls))
			}
			if err := stream.Check(tc.env); !errors.Is(err, tc.want) {
				t.Fatalf("Check error = %v, want %v as Publish", err, tc.want)
			}
		})
	}
	if err := stream.Check(env("ok", "s", 1)); err != nil {
		t.Fatalf("Check of a valid envelope: %v", err)
	}
	// Just under the limit is accepted.
	e := env("edge", "s", 0)
	b, _ := json.Marshal(e)
	e = env("edge", "s", stream.MaxRecordBytes-len(b)-len(e.PartitionKey()))
	fk := &fakeKinesis{}
	if err := stream.NewPublisher(fk, "events").Publish(t.Context(), e); err != nil {
		t.Fatalf("record of exactly MaxRecordBytes: %v", err)
	}
}

func TestPublishCallError(t *testing.T) {
	boom := errors.New("access denied")
	fk := &fakeKinesis{err: boom}
	envs := []events.Envelope{env("a", "A", 1), env("b", "B", 1)}
	err := stream.NewPublisher(fk, "events").Publish(t.Context(), envs...)
	var perr *stream.PublishError
	if !errors.As(err, &perr) || !errors.Is(err, boom) {
		t.Fatalf("Publish error = %v, want a *PublishError wrapping %v", err, boom)
	}
	if len(perr.Failed) != 2 || len(fk.calls) != 1 {
		t.Fatalf("failed %d records in %d calls, want 2 in 1", len(perr.Failed), len(fk.calls))
	}
}

func TestPublishStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	stop := errors.New("shutting down")
	fk := &fakeKinesis{fail: func(call int, _ string) string {
		if call == 0 {
			cancel(stop) // the backoff before the retry must notice
		}
		return "InternalFailure"
	}}
	start := time.Now()
	err := stream.NewPublisher(fk, "events", stream.WithBackoff(time.Hour, time.Hour)).Publish(ctx, env("a", "A", 1))
	if !errors.Is(err, stop) {
		t.Fatalf("Publish error = %v, want %v", err, stop)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Publish took %v after the context ended", d)
	}
}
