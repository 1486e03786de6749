package stream_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// FuzzConsumerHandle feeds arbitrary record bytes to a Consumer: it never panics or fails the
// batch, reports the record exactly when events.Decode rejects it, and hands the handler only what
// Decode accepts.
func FuzzConsumerHandle(f *testing.F) {
	examples, _ := filepath.Glob("../../events/examples/*.json")
	for _, p := range examples {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"evt-1","type":"call.dtmf"`))
	f.Add([]byte(`{"id":7}`))
	f.Add([]byte(`null`))
	f.Add([]byte{0xff, 0x00})
	quiet := stream.WithLogger(slog.New(slog.DiscardHandler))
	f.Fuzz(func(t *testing.T, data []byte) {
		handled := 0
		c := stream.NewConsumer("fuzz", func(_ context.Context, ten tenant.ID, e events.Envelope) error {
			if ten.IsZero() || ten.String() != e.Tenant {
				t.Errorf("handler got tenant %q for envelope tenant %q", ten, e.Tenant)
			}
			handled++
			return nil
		}, &memIdem{}, quiet)
		resp, err := c.Handle(t.Context(), kinesisEvent(t, 0, []item{{raw: data, key: "k"}}))
		if err != nil {
			t.Fatalf("Handle error: %v", err)
		}
		_, decErr := events.Decode(data)
		if bad := decErr != nil; bad != (len(resp.BatchItemFailures) == 1) || bad == (handled == 1) {
			t.Fatalf("decode error %v, but %d failures reported and %d handler calls", decErr, len(resp.BatchItemFailures), handled)
		}
	})
}
