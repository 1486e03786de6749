package inspect_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// ownWords is a Sentiment with per-tenant models: the rig's tenant reads "glorped" as very
// negative, the default (Predict) never does.
type ownWords struct{}

func (ownWords) Predict(string) (string, float64) { return "neutral", 0 }

func (ownWords) PredictFor(_ context.Context, t tenant.ID, text string) (string, float64) {
	if t.String() == "qa-rig" && strings.Contains(text, "glorped") {
		return "negative", -0.9
	}
	return "neutral", 0
}

// The inspector scores a turn with the tenant's own model when its Sentiment has one: the
// customer's word alerts the upset-customer rule.
func TestInspectorAsksTenantSentiment(t *testing.T) {
	db := store.New(emulators.NewTable(t, store.CreateTable))
	kin, name := emulators.NewStream(t, 1)
	ob := outbox.New(db, stream.NewPublisher(kin, name), slog.New(slog.DiscardHandler))
	r := &rig{in: inspect.New(inspect.Config{DB: db, Commit: ob, Push: &pushes{}, Sentiment: ownWords{}, Source: "lingxi.feedback"}),
		push: &pushes{}, kin: kin, stream: name}
	r.t, _ = tenant.Parse("qa-rig")
	conv := "cv-own-1"
	r.feed(t, r.event(t, events.TypeChatMessage, conv, time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC), msg(conv, events.RoleCustomer, "", "my parcel got glorped")))
	got := r.emitted(t)
	if len(got) != 1 {
		t.Fatalf("emitted %v, want the upset customer's violation", got)
	}
	v, err := events.DataAs[events.QAViolation](got[0])
	if err != nil || v.RuleID != "customer-negative" {
		t.Fatalf("violation %+v, %v; want customer-negative", v, err)
	}
}
