package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The Consumer's Handle is a Lambda handler for Kinesis with partial batch responses.
var _ func(context.Context, lambdaevents.KinesisEvent) (lambdaevents.KinesisEventResponse, error) = (*stream.Consumer)(nil).Handle

// mutated returns e's JSON with change applied to its decoded object.
func mutated(t *testing.T, e events.Envelope, change func(map[string]any)) item {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	return item{raw: b, key: e.PartitionKey()}
}

func TestConsumerRecordOutcomes(t *testing.T) {
	errBusy := errors.New("downstream busy")
	// The batch: A0 A1 B0 A2 B1, where A1 (index 1) is the record under test.
	const target = 1
	type setup struct {
		item    func(t *testing.T, e events.Envelope) item // replaces the target record
		handler func(e events.Envelope) error              // for the target record
		idem    func(m *memIdem, targetID string)
	}
	tests := map[string]struct {
		setup
		wantFailed  []int // indices reported
		wantHandled []int // indices whose handler call succeeded
		wantRelease bool  // the target's claim was released
	}{
		"all good": {
			wantHandled: []int{0, 1, 2, 3, 4},
		},
		"bad JSON is permanent": {
			setup: setup{item: func(t *testing.T, e events.Envelope) item {
				return item{raw: []byte(`{"id":"x1","type":`), key: e.PartitionKey()}
			}},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 3, 4},
		},
		"unknown type is permanent": {
			setup: setup{item: func(t *testing.T, e events.Envelope) item {
				return mutated(t, e, func(m map[string]any) { m["type"] = "no.such" })
			}},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 3, 4},
		},
		"unknown version is permanent": {
			setup: setup{item: func(t *testing.T, e events.Envelope) item {
				return mutated(t, e, func(m map[string]any) { m["version"] = 99 })
			}},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 3, 4},
		},
		"missing tenant is permanent": {
			setup: setup{item: func(t *testing.T, e events.Envelope) item {
				return mutated(t, e, func(m map[string]any) { delete(m, "tenant") })
			}},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 3, 4},
		},
		"malformed tenant is permanent": {
			setup: setup{item: func(t *testing.T, e events.Envelope) item {
				return mutated(t, e, func(m map[string]any) { m["tenant"] = "Acme#B" })
			}},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 3, 4},
		},
		"invalid data is permanent": {
			setup: setup{item: func(t *testing.T, e events.Envelope) item {
				return mutated(t, e, func(m map[string]any) { m["data"].(map[string]any)["digit"] = "X" })
			}},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 3, 4},
		},
		"unknown envelope field is permanent": {
			setup: setup{item: func(t *testing.T, e events.Envelope) item {
				return mutated(t, e, func(m map[string]any) { m["Tenant"] = "other" })
			}},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 3, 4},
		},
		"handler error marked permanent": {
			setup:       setup{handler: func(events.Envelope) error { return stream.Permanent(errors.New("refund for unknown order")) }},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 3, 4},
			wantRelease: true,
		},
		"handler error holds back its subject": {
			setup:       setup{handler: func(events.Envelope) error { return errBusy }},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 4},
			wantRelease: true,
		},
		"handler panic is a transient failure": {
			setup:       setup{handler: func(events.Envelope) error { panic("nil map") }},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 4},
			wantRelease: true,
		},
		"claim error is a transient failure": {
			setup:       setup{idem: func(m *memIdem, id string) { m.failClaim = id }},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 4},
		},
		"release error still reports the record": {
			setup: setup{
				handler: func(events.Envelope) error { return errBusy },
				idem:    func(m *memIdem, id string) { m.failRelease = id },
			},
			wantFailed:  []int{1},
			wantHandled: []int{0, 2, 4},
			wantRelease: true,
		},
		"complete error after success does not fail the record": {
			setup:       setup{idem: func(m *memIdem, id string) { m.failComplete = id }},
			wantHandled: []int{0, 1, 2, 3, 4},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			envs := []events.Envelope{
				dtmf(t, "acme", "call-a", 0), dtmf(t, "acme", "call-a", 1), dtmf(t, "globex", "call-b", 0),
				dtmf(t, "acme", "call-a", 2), dtmf(t, "globex", "call-b", 1),
			}
			items := make([]item, len(envs))
			for i, e := range envs {
				items[i] = item{env: e}
			}
			if tc.item != nil {
				items[target] = tc.item(t, envs[target])
			}
			idem := &memIdem{}
			if tc.idem != nil {
				tc.idem(idem, envs[target].ID)
			}
			var handled []int
			h := func(ctx context.Context, ten tenant.ID, e events.Envelope) error {
				if ten.String() != e.Tenant {
					t.Errorf("handler got tenant %s for an event of %s", ten, e.Tenant)
				}
				i := slices.IndexFunc(envs, func(x events.Envelope) bool { return x.ID == e.ID })
				if i == target && tc.handler != nil {
					return tc.handler(e)
				}
				handled = append(handled, i)
				return nil
			}
			var logs logBuffer
			c := stream.NewConsumer("test", h, idem, stream.WithLogger(jsonLogger(&logs)))
			resp, err := c.Handle(t.Context(), kinesisEvent(t, 0, items))
			if err != nil {
				t.Fatalf("Handle returned error %v; it must never fail the whole batch", err)
			}
			var want []string
			for _, i := range tc.wantFailed {
				want = append(want, seqOf(i))
			}
			if got := failedSeqs(resp); !slices.Equal(got, want) {
				t.Errorf("failed = %v, want %v", got, want)
			}
			if !slices.Equal(handled, tc.wantHandled) {
				t.Errorf("handled = %v, want %v", handled, tc.wantHandled)
			}
			released := slices.Contains(idem.released, "test:"+envs[target].ID)
			if released != tc.wantRelease {
				t.Errorf("target claim released = %v, want %v (released %v)", released, tc.wantRelease, idem.released)
			}
			// Every reported record is logged at warn with its sequence number.
			for _, seq := range want {
				if !slices.ContainsFunc(logs.warnLines(), func(m map[string]any) bool { return m["seq"] == seq }) {
					t.Errorf("no warn log line for reported record %s:\n%s", seq, logs.String())
				}
			}
		})
	}
}

func TestConsumerLogsEventIDOfBadRecord(t *testing.T) {
	var logs logBuffer
	c := stream.NewConsumer("test", func(context.Context, tenant.ID, events.Envelope) error { return nil }, &memIdem{},
		stream.WithLogger(jsonLogger(&logs)))
	bad := item{raw: []byte(`{"id":"evt-123","type":"call.dtmf","version":1}`), key: "acme#call-a"}
	resp, _ := c.Handle(t.Context(), kinesisEvent(t, 0, []item{bad}))
	if got := failedSeqs(resp); !slices.Equal(got, []string{seqOf(0)}) {
		t.Fatalf("failed = %v", got)
	}
	w := logs.warnLines()
	if len(w) != 1 || w[0]["event_id"] != "evt-123" || w[0]["seq"] != seqOf(0) || w[0]["err"] == "" {
		t.Fatalf("warn lines = %v, want one with event_id, seq and err", w)
	}
}

func TestConsumerStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	envs := []events.Envelope{dtmf(t, "acme", "a", 0), dtmf(t, "acme", "b", 0), dtmf(t, "acme", "c", 0)}
	var handled []string
	idem := &memIdem{}
	c := stream.NewConsumer("test", func(_ context.Context, _ tenant.ID, e events.Envelope) error {
		handled = append(handled, e.Subject)
		if e.Subject == "b" {
			cancel() // the invocation runs out of time while b is handled; b itself succeeds
		}
		return nil
	}, idem, stream.WithLogger(slog.New(slog.DiscardHandler)))
	resp, err := c.Handle(ctx, kinesisEvent(t, 0, []item{{env: envs[0]}, {env: envs[1]}, {env: envs[2]}}))
	if err != nil {
		t.Fatal(err)
	}
	if got := failedSeqs(resp); !slices.Equal(got, []string{seqOf(2)}) {
		t.Errorf("failed = %v, want the first unprocessed record %s", got, seqOf(2))
	}
	if !slices.Equal(handled, []string{"a", "b"}) {
		t.Errorf("handled = %v", handled)
	}
	if !idem.done[key(mustTenant("acme"), "test:"+envs[1].ID)] {
		t.Error("b was handled but not marked complete after the context ended")
	}
}

func TestConsumersWithOtherNamesKeepSeparateRecords(t *testing.T) {
	idem := &memIdem{}
	e := dtmf(t, "acme", "call-a", 0)
	var n calls
	h := func(_ context.Context, _ tenant.ID, e events.Envelope) error { n.add(e.ID); return nil }
	quiet := stream.WithLogger(slog.New(slog.DiscardHandler))
	for _, name := range []string{"dispatch", "feedback", "dispatch"} {
		if _, err := stream.NewConsumer(name, h, idem, quiet).Handle(t.Context(), kinesisEvent(t, 0, []item{{env: e}})); err != nil {
			t.Fatal(err)
		}
	}
	if got := n.get(e.ID); got != 2 {
		t.Fatalf("handled %d times, want 2 (once per consumer name)", got)
	}
}

func TestNewConsumerRejectsBadNames(t *testing.T) {
	for name, in := range map[string]string{"empty": "", "upper case": "Dispatch", "colon": "a:b", "too long": string(make([]byte, 65))} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("NewConsumer(%q) did not panic", in)
				}
			}()
			stream.NewConsumer(in, nil, &memIdem{})
		})
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("bad order")
	tests := map[string]struct {
		err  error
		want bool
	}{
		"nil":                   {nil, false},
		"plain":                 {base, false},
		"marked":                {stream.Permanent(base), true},
		"marked then wrapped":   {errors.Join(errors.New("ctx"), stream.Permanent(base)), true},
		"events error unmarked": {events.ErrInvalidData, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := stream.IsPermanent(tc.err); got != tc.want {
				t.Fatalf("IsPermanent = %v, want %v", got, tc.want)
			}
		})
	}
	if stream.Permanent(nil) != nil {
		t.Fatal("Permanent(nil) != nil")
	}
	if !errors.Is(stream.Permanent(base), base) {
		t.Fatal("Permanent hides the error it marks")
	}
}
