package hotline

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/media-edge/edge"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// overrideKind is where shared/steering keeps a supervisor's overrides (one strategy.Override per
// item): the engine's minute, when it runs on the stack, keeps an activation forced on by one.
const overrideKind = "dispatch-override"

// inForce puts strategies in force for queue for the test, as the dispatch engine's active set
// (and as supervisor overrides, so that an engine deciding meanwhile keeps them); the set and the
// overrides are removed after the test.
func inForce(t *testing.T, ten tenant.ID, db *store.Store, queue string, ps map[strategy.Kind]strategy.Params) []strategy.Activation {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	until := now.Add(15 * time.Minute)
	st, ver, err := overlay.Read(ctx, db, ten)
	if err != nil {
		t.Fatal(err)
	}
	old := st
	var added []strategy.Activation
	for k, p := range ps {
		id := fmt.Sprintf("ovr-hotline-%s-%d", k, now.UnixNano()%1e9)
		o := strategy.Override{ID: id, Queue: queue, Strategy: k, On: true, Params: &p, By: "hotline-test", Created: now, Until: until}
		if err := db.Create(ctx, ten, store.Key{Kind: overrideKind, ID: id}, o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.Delete(ctx, ten, store.Key{Kind: overrideKind, ID: id}, 0); err != nil {
				t.Errorf("remove override %s: %v", id, err)
			}
		})
		a := strategy.Activation{ID: "act-hotline-" + queue + "-" + string(k), Queue: queue, Strategy: k, Params: p,
			Source: strategy.ByOverride, OverrideID: id, Since: now, Until: until, Reason: "forced on by the hotline test"}
		st.Active = append(st.Active, a)
		added = append(added, a)
	}
	if _, err := db.Put(ctx, ten, overlay.Key, st, ver); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cur, v, err := overlay.Read(ctx, db, ten)
		if err != nil {
			t.Errorf("read the active set: %v", err)
			return
		}
		cur.Active = old.Active
		if _, err := db.Put(ctx, ten, overlay.Key, cur, v); err != nil {
			t.Errorf("restore the active set: %v", err)
		}
	})
	return added
}

// With divert, callback and the expected wait in force for the queue, a caller who keys 0 for a
// person and waits (no agent available) hears them in the hold prompt; call.diverted goes out for
// the tenant's webhook; the caller presses 1, hears the confirmation and the edge ends the call;
// the contact stays queued as a callback to the caller's number.
func TestAQueuedCallerTakesTheEnginesCallback(t *testing.T) {
	l := product(t)
	ctx := context.Background()
	withoutTransferTarget(t, l, "general")
	ten, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	const caller = "+8613800138001"
	inForce(t, ten, tableOf(l), "general", map[strategy.Kind]strategy.Params{
		strategy.AnnounceWait: {ExpectedWaitSeconds: 240},
		strategy.Divert:       {DivertShare: 1, DivertLink: "https://app.example.com/help"},
		strategy.Callback:     {PromiseMinutes: 45},
	})
	// 0 for a person; the hold prompt with the three announcements takes about 15 s; 1 in its
	// middle (the offer stands from its start), then the edge's goodbye and BYE.
	start := time.Now()
	sipID := call{from: caller, steps: []step{pause(2 * time.Second), keys(t, "0"), pause(11 * time.Second), keys(t, "1"), hungUp}}.run(t, l)

	callID, evs := callEvents(t, l, sipID)
	log := edgeLog(callID)
	if !strings.Contains(log, "the caller waits in the queue") || !strings.Contains(log, `callback_offered=true`) && !strings.Contains(log, `"callback_offered":true`) {
		t.Fatalf("the caller was not offered the callback:\n%s", log)
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.Disposition != events.DispositionCallbackRequested || end.HangupSide != events.HangupEdge || end.Reason != events.CallEndBotHangup {
		t.Fatalf("call.ended %+v\n%s", end, log)
	}
	dv := find(evs, events.TypeCallDiverted)
	if len(dv) != 1 {
		t.Fatalf("call.diverted: %v\n%s", types(evs), log)
	}
	d := payload[events.CallDiverted](t, dv[0])
	contactID := edge.ContactID(callID)
	if d.Queue != "general" || d.From != caller || d.Link != "https://app.example.com/help" || d.ConversationID != contactID || !strings.HasPrefix(d.ActivationID, "act-") {
		t.Fatalf("call.diverted %+v", d)
	}

	fl := floorOf(t, l)
	c, _, err := fl.Contact(ctx, ten, contactID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // a callback left queued would be offered to the next test's agent
		if _, err := fl.EndByCustomer(ctx, ten, contactID); err != nil {
			t.Errorf("end the callback: %v", err)
		}
	})
	by, err := time.Parse(time.RFC3339, c.Attributes[floor.AttrCallbackPromisedBy])
	if c.State != floor.StateQueued || !c.CallbackRequested() || c.Attributes[floor.AttrCallbackNumber] != caller || err != nil ||
		by.Before(start.Add(44*time.Minute).Truncate(time.Second)) || by.After(time.Now().Add(45*time.Minute)) {
		t.Fatalf("the contact after the call: %s, attributes %v (%v)", c.State, c.Attributes, err)
	}
}
