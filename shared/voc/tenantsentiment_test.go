package voc

import (
	"context"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/tenant"
)

// tenantSentiment reads "glorped" as negative for acme only (its own model); Predict, the
// default, never does.
type tenantSentiment struct{}

func (tenantSentiment) Predict(string) (string, float64) { return "neutral", 0 }

func (tenantSentiment) PredictFor(_ context.Context, t tenant.ID, text string) (string, float64) {
	if t.String() == "acme" && strings.Contains(text, "glorped") {
		return "negative", -0.8
	}
	return "neutral", 0
}

// A Sentiment that knows tenants' own models is asked per tenant: acme's word counts as negative
// for acme, and the same message of another tenant does not.
func TestCountingAsksTenantSentiment(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:04:00Z"))
	ctx := context.Background()
	globex, _ := tenant.Parse("globex")
	part := NewCounting(f.counts, tenantSentiment{}, nil, quiet)
	for _, tn := range []tenant.ID{f.t, globex} {
		if err := part.Event(WithBatch(ctx, NewBatch()), chatEvent(t, tn, at("2026-12-07T10:02:00Z"), "delivery", "my parcel got glorped")); err != nil {
			t.Fatal(err)
		}
	}
	negatives := func(tn tenant.ID) float64 {
		keys, err := f.counts.Keys(ctx, tn, at("2026-12-07T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if k.Key == NegativeKey(events.ChannelChat) {
				return k.Total
			}
		}
		return 0
	}
	if n := negatives(f.t); n != 1 {
		t.Fatalf("acme negatives %v, want 1", n)
	}
	if n := negatives(globex); n != 0 {
		t.Fatalf("globex negatives %v, want 0", n)
	}
}
