package handler

import (
	"strings"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
)

// FuzzVOCAlertBodies feeds the bodies of POST /v1/voc/alerts/{id}/assign and /resolve arbitrary
// bytes (seeds: the kept corpus in testdata/fuzz/FuzzVOCAlertBodies). Invariants: an accepted
// assign names a well-formed user id, and the alert.changed event an accepted assign or resolve
// makes passes events.New (its schema), so no accepted step fails when it is committed.
func FuzzVOCAlertBodies(f *testing.F) {
	owner, _ := users.NewID()
	f.Add([]byte(`{"owner_id":"` + owner + `"}`))
	f.Add([]byte(`{"note":"reminder text corrected"}`))
	f.Add([]byte(`{"note":"` + strings.Repeat("长", 1001) + `"}`))
	f.Add([]byte(`{"owner_id":"nobody","note":"x"}`))
	acme, _ := tenant.Parse("acme")
	f.Fuzz(func(t *testing.T, body []byte) {
		var secs int64 = 60
		var a assignBody
		if httpapi.DecodeStrictJSON(body, &a) == nil && len(a.check()) == 0 {
			if !users.ValidID(a.OwnerID) {
				t.Fatalf("accepted owner %q", a.OwnerID)
			}
			if _, err := lxevents.New(acme, lxevents.TypeAlertChanged, "al-x", Source, lxevents.AlertChanged{AlertID: "al-x", Key: "intent:x",
				State: lxevents.AlertAssigned, OwnerID: a.OwnerID, By: "user/" + a.OwnerID}); err != nil {
				t.Fatalf("an accepted assign makes a bad event: %v", err)
			}
		}
		var r resolveBody
		if httpapi.DecodeStrictJSON(body, &r) == nil && len(r.check()) == 0 {
			if _, err := lxevents.New(acme, lxevents.TypeAlertChanged, "al-x", Source, lxevents.AlertChanged{AlertID: "al-x", Key: "intent:x",
				State: lxevents.AlertResolved, By: "key", ResolutionSeconds: &secs, Note: strings.TrimSpace(r.Note)}); err != nil {
				t.Fatalf("an accepted resolve makes a bad event: %v", err)
			}
		}
	})
}
