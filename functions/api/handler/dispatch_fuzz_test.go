package handler

import (
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// FuzzDispatchOverrideBody feeds POST /v1/dispatch/overrides arbitrary bodies (seeds: the kept
// corpus in testdata/fuzz/FuzzDispatchOverrideBody). Invariants: a body the decoder and
// overrideBody's check accept names a strategy of the catalog for 1–1440 minutes, and the
// dispatch.strategy event of the override it makes passes events.New (its schema), so no accepted
// override fails when the engine reports it.
func FuzzDispatchOverrideBody(f *testing.F) {
	f.Add([]byte(`{"queue":"general","strategy":"callback","on":true,"minutes":60,"params":{"callback_after_seconds":60,"promise_minutes":30},"reason":"mailing"}`))
	f.Add([]byte(`{"queue":"Bad Queue","strategy":"teleport","on":false,"minutes":0,"params":{"agents":2}}`))
	f.Add([]byte(`{"queue":"cards","strategy":"overflow","on":false,"minutes":1440,"reason":"` + "长" + `"}`))
	acme, _ := tenant.Parse("acme")
	at := time.Unix(1_700_000_000, 0).UTC()
	f.Fuzz(func(t *testing.T, body []byte) {
		var b overrideBody
		if httpapi.DecodeStrictJSON(body, &b) != nil || len(b.check()) > 0 {
			return
		}
		if known, _ := knownKind(b.Strategy); !known || b.Minutes < 1 || b.Minutes > MaxOverrideMinutes {
			t.Fatalf("accepted %+v", b)
		}
		until := at.Add(time.Duration(b.Minutes) * time.Minute)
		action := lxevents.StrategyOverridden
		_, err := lxevents.New(acme, lxevents.TypeDispatchStrategy, "ovr-x", Source, lxevents.DispatchStrategy{ActivationID: "act-ovr-x",
			Action: action, Strategy: b.Strategy, Queue: b.Queue, Source: strategy.ByOverride, Since: at, Until: &until, OverrideID: "ovr-x", Reason: b.Reason})
		if err != nil {
			t.Fatalf("an accepted override makes a bad event: %v", err)
		}
	})
}
