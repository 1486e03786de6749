package handler

import (
	"net/http"
	"testing"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/quota"
)

// Live conversations count against the tenant's quota: one more on start, one fewer on end; a
// start at the quota is refused with the quota named, and ending one makes room.
func TestLiveConversationQuota(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "q-live")
	tid := mustTenant(t, "q-live")
	if err := e.db.Create(e.ctx, tid, plan.Key, plan.Plan{Quotas: plan.Quotas{LiveConversations: 2}}); err != nil {
		t.Fatal(err)
	}
	body := `{"customer":{"id":"c1"},"channel":"chat","language":"en"}`
	first := str(e.start(t, key, body)["id"])
	e.start(t, key, body)
	r := e.do(t, "POST", "/v1/conversations", key, body)
	q, _ := r.body["quota"].(map[string]any)
	if r.code != http.StatusConflict || r.body["type"] != httpapi.KindQuotaExceeded.TypeURI() ||
		q["name"] != "live_conversations" || q["limit"] != 2.0 || q["usage"] != 2.0 {
		t.Fatalf("start at the quota: %d %s", r.code, r.raw)
	}
	e.must(t, 200, "POST", "/v1/conversations/"+first+"/end", key, "")
	u, _, err := quota.New(e.db).Get(e.ctx, tid, quota.LiveConversations)
	if err != nil || u.Count != 1 {
		t.Fatalf("live after an end: %+v %v", u, err)
	}
	e.start(t, key, body)
	// Ending an ended conversation changes nothing.
	if r := e.do(t, "POST", "/v1/conversations/"+first+"/end", key, ""); r.code != http.StatusConflict {
		t.Fatalf("second end: %d", r.code)
	}
	if u, _, _ := quota.New(e.db).Get(e.ctx, tid, quota.LiveConversations); u.Count != 2 {
		t.Fatalf("live %d, want 2", u.Count)
	}
}
