package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

const (
	voiceTrunk   = `{"cidrs":["203.0.113.0/24","2001:db8::/48"],"transport":"tls","srtp":true,"username":"carrier","password":"trunk-pass-1"}`
	voiceAccount = `{"password":"agent-pass-1"}`
)

// seedVoice gives the tenant of key a trunk "carrier", a number +862160001234 it delivers, an
// account "alice" and queue "cards" transferring to it.
func seedVoice(t *testing.T, e *env, key string) {
	t.Helper()
	e.call(t, "PUT", "/v1/trunks/carrier", key, voiceTrunk).want(t, "trunk", http.StatusCreated)
	e.call(t, "PUT", "/v1/numbers/+862160001234", key, `{"language":"zh","trunks":["carrier"]}`).want(t, "number", http.StatusCreated)
	e.call(t, "PUT", "/v1/sip-accounts/alice", key, voiceAccount).want(t, "account", http.StatusCreated)
	e.call(t, "PUT", "/v1/voice-transfer-targets/cards", key, `{"target":"account:alice"}`).want(t, "target", http.StatusCreated)
}

// voiceEvents returns the voice.config.changed events of tenant, and fails if any carries a
// secret.
func (e *env) voiceEvents(t *testing.T, tenantID string, secrets ...string) []lxevents.VoiceConfigChanged {
	t.Helper()
	var out []lxevents.VoiceConfigChanged
	for _, ev := range e.streamEvents(t) {
		if ev.Tenant != tenantID || ev.Type != lxevents.TypeVoiceConfigChanged {
			continue
		}
		raw, _ := json.Marshal(ev)
		for _, s := range secrets {
			if strings.Contains(string(raw), s) {
				t.Fatalf("event %s holds a secret", raw)
			}
		}
		if ev.Subject != voiceSubject {
			t.Fatalf("subject %q", ev.Subject)
		}
		data, err := lxevents.DataAs[lxevents.VoiceConfigChanged](ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func TestVoiceConfigLifecycle(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "voice")
	seedVoice(t, e, key)
	db := e.api.store.(*store.Store)
	ctx := context.Background()

	// The trunk: the password is stored only as its digest and never shown.
	r := e.call(t, "GET", "/v1/trunks/carrier", key, "")
	r.want(t, "get trunk", http.StatusOK)
	if r.body["has_password"] != true || r.body["username"] != "carrier" || r.body["transport"] != "tls" || r.body["srtp"] != true ||
		r.headers["ETag"] != `"1"` || fmt.Sprint(r.body["cidrs"]) != "[203.0.113.0/24 2001:db8::/48]" {
		t.Fatalf("trunk %v %v", r.headers, r.body)
	}
	for _, s := range []string{"password", "ha1"} {
		if _, ok := r.body[s]; ok {
			t.Fatalf("trunk shows %s", s)
		}
	}

	// The edge's view (voicecfg.Store) over what the routes wrote.
	vs := voicecfg.NewStore(db)
	n, trunks, err := vs.Number(ctx, "+862160001234")
	if err != nil || n.Tenant.String() != "voice" || n.Language != "zh" || len(trunks) != 1 || trunks[0].HA1 != voicecfg.HA1("carrier", "trunk-pass-1") || !trunks[0].SRTP {
		t.Fatalf("directory number %+v %+v %v", n, trunks, err)
	}
	a, err := vs.Account(ctx, "alice")
	if err != nil || a.HA1 != voicecfg.HA1("alice", "agent-pass-1") || a.Tenant.String() != "voice" {
		t.Fatalf("directory account %+v %v", a, err)
	}
	if tt, err := vs.TransferTarget(ctx, a.Tenant, "cards"); err != nil || tt.Target != "account:alice" {
		t.Fatalf("directory target %+v %v", tt, err)
	}

	// Registrations show on the account (expired ones do not).
	for _, reg := range []voicecfg.Registration{
		{Tenant: a.Tenant, Username: "alice", Contact: "sip:alice@127.0.0.1:5070", Expires: time.Now().Add(time.Hour)},
	} {
		if err := vs.Put(ctx, reg); err != nil {
			t.Fatal(err)
		}
	}
	r = e.call(t, "GET", "/v1/sip-accounts/alice", key, "")
	regs, _ := r.body["registrations"].([]any)
	if r.status != http.StatusOK || r.body["has_password"] != true || len(regs) != 1 || regs[0].(map[string]any)["contact"] != "sip:alice@127.0.0.1:5070" {
		t.Fatalf("account %v", r.body)
	}
	if list := e.call(t, "GET", "/v1/sip-accounts", key, "").items(); len(list) != 1 || len(list[0]["registrations"].([]any)) != 1 {
		t.Fatalf("account listing %v", list)
	}

	// Replacing an account without a password keeps it; a trunk likewise while the username stays.
	e.call(t, "PUT", "/v1/sip-accounts/alice", key, `{}`, "If-Match: 1").want(t, "keep password", http.StatusOK)
	if a, _ := vs.Account(ctx, "alice"); a.HA1 != voicecfg.HA1("alice", "agent-pass-1") {
		t.Fatal("the password changed")
	}
	e.call(t, "PUT", "/v1/trunks/carrier", key, `{"cidrs":["198.51.100.7"],"username":"carrier"}`).want(t, "keep trunk password", http.StatusOK)
	e.call(t, "PUT", "/v1/trunks/carrier", key, `{"cidrs":["198.51.100.7"],"username":"other"}`).want(t, "new username, no password", http.StatusBadRequest, "/password")
	r = e.call(t, "GET", "/v1/trunks/carrier", key, "")
	if r.body["transport"] != "udp" || r.body["has_password"] != true || fmt.Sprint(r.body["cidrs"]) != "[198.51.100.7/32]" || r.body["version"] != 2.0 {
		t.Fatalf("replaced trunk %v", r.body)
	}

	// A trunk a number names, an account a target names, cannot be deleted.
	r = e.call(t, "DELETE", "/v1/trunks/carrier", key, "")
	r.want(t, "delete named trunk", http.StatusConflict)
	if !strings.Contains(r.body["detail"].(string), "+862160001234") {
		t.Fatalf("409 does not name the number: %v", r.body)
	}
	r = e.call(t, "DELETE", "/v1/sip-accounts/alice", key, "")
	r.want(t, "delete named account", http.StatusConflict)
	if !strings.Contains(r.body["detail"].(string), "cards") {
		t.Fatalf("409 does not name the queue: %v", r.body)
	}
	// Once nothing names them, they go.
	e.call(t, "PUT", "/v1/numbers/%2B862160001234", key, `{"language":"en"}`, "If-Match: 1").want(t, "unname trunk (%2B)", http.StatusOK)
	e.call(t, "PUT", "/v1/voice-transfer-targets/cards", key, `{"target":"sips:cards@pbx.example.com;transport=tls"}`).want(t, "retarget", http.StatusOK)
	e.call(t, "DELETE", "/v1/trunks/carrier", key, "", "If-Match: 1").want(t, "stale delete", http.StatusPreconditionFailed)
	e.call(t, "DELETE", "/v1/trunks/carrier", key, "", "If-Match: 2").want(t, "delete trunk", http.StatusNoContent)
	e.call(t, "DELETE", "/v1/sip-accounts/alice", key, "").want(t, "delete account", http.StatusNoContent)
	if _, err := vs.Account(ctx, "alice"); err != voicecfg.ErrNotFound {
		t.Fatalf("deleted account still in the directory: %v", err)
	}
	// Its registrations went with it: made again at once, the account has none.
	e.call(t, "PUT", "/v1/sip-accounts/alice", key, voiceAccount).want(t, "account again", http.StatusCreated)
	if regs, err := vs.Lookup(ctx, a.Tenant, "alice"); err != nil || len(regs) != 0 {
		t.Fatalf("registrations outlived the account: %+v %v", regs, err)
	}
	e.call(t, "DELETE", "/v1/sip-accounts/alice", key, "").want(t, "delete account again", http.StatusNoContent)
	// The number now takes calls from any trunk of the tenant (none left).
	if _, trunks, err := vs.Number(ctx, "+862160001234"); err != nil || len(trunks) != 0 {
		t.Fatalf("number after: %v %v", trunks, err)
	}
	e.call(t, "DELETE", "/v1/numbers/+862160001234", key, "").want(t, "delete number", http.StatusNoContent)
	if _, _, err := vs.Number(ctx, "+862160001234"); err != voicecfg.ErrNotFound {
		t.Fatalf("deleted number still in the directory: %v", err)
	}
	e.call(t, "GET", "/v1/numbers/+862160001234", key, "").want(t, "get deleted", http.StatusNotFound)

	// One event per accepted write, none with a password or digest.
	evs := e.voiceEvents(t, "voice", "trunk-pass-1", "agent-pass-1", voicecfg.HA1("alice", "agent-pass-1"), voicecfg.HA1("carrier", "trunk-pass-1"))
	var got []string
	for _, ev := range evs {
		got = append(got, fmt.Sprintf("%s %s %s %d", ev.Kind, ev.ID, ev.Action, ev.Version))
	}
	want := []string{
		"trunk carrier put 1", "number +862160001234 put 1", "sip_account alice put 1", "transfer_target cards put 1",
		"sip_account alice put 2", "trunk carrier put 2", "number +862160001234 put 2", "transfer_target cards put 2",
		"trunk carrier delete 0", "sip_account alice delete 0", "sip_account alice put 1", "sip_account alice delete 0",
		"number +862160001234 delete 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestVoiceConfigPreconditions(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "voice-pc")
	r := e.call(t, "PUT", "/v1/sip-accounts/bob", key, voiceAccount, "If-None-Match: *")
	r.want(t, "create only", http.StatusCreated)
	if r.headers["ETag"] != `"1"` || r.body["version"] != 1.0 {
		t.Fatalf("created %v %v", r.headers, r.body)
	}
	e.call(t, "PUT", "/v1/sip-accounts/bob", key, voiceAccount, "If-None-Match: *").want(t, "create again", http.StatusPreconditionFailed)
	e.call(t, "PUT", "/v1/sip-accounts/bob", key, voiceAccount, "If-Match: 7").want(t, "stale", http.StatusPreconditionFailed)
	e.call(t, "PUT", "/v1/numbers/+14155550100", key, `{}`, "If-Match: *").want(t, "replace absent", http.StatusPreconditionFailed)
	e.call(t, "DELETE", "/v1/sip-accounts/bob", key, "", "If-None-Match: *").want(t, "delete if-none-match", http.StatusBadRequest, "If-None-Match")
	e.call(t, "DELETE", "/v1/numbers/+14155550100", key, "").want(t, "delete absent", http.StatusNotFound)
	e.call(t, "GET", "/v1/numbers/not-a-number", key, "").want(t, "bad path read", http.StatusNotFound)
	e.call(t, "PUT", "/v1/numbers/0086123", key, `{}`).want(t, "bad path write", http.StatusBadRequest, "number")
	e.call(t, "PUT", "/v1/sip-accounts/Bob", key, voiceAccount).want(t, "bad username", http.StatusBadRequest, "username")
	e.call(t, "PUT", "/v1/sip-accounts/carol", key, `{}`).want(t, "no password", http.StatusBadRequest, "/password")
	if n := len(e.voiceEvents(t, "voice-pc")); n != 1 {
		t.Fatalf("%d events, want the one accepted write's", n)
	}
}

// Every bad field of a body is reported, each at its JSON pointer.
func TestVoiceConfigReportsEveryBadField(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "voice-bad")
	e.call(t, "PUT", "/v1/trunks/carrier", key,
		`{"cidrs":["0.0.0.0/0","203.0.113.7/24","::ffff:1.2.3.4","203.0.113.0/24","203.0.113.0/24"],"transport":"sctp","username":"Carrier","password":"short"}`).
		want(t, "trunk", http.StatusBadRequest, "/cidrs/0", "/cidrs/1", "/cidrs/2", "/cidrs/4", "/transport", "/username")
	e.call(t, "PUT", "/v1/trunks/carrier", key, `{"cidrs":[],"password":"long enough"}`).want(t, "trunk 2", http.StatusBadRequest, "/cidrs", "/username")
	e.call(t, "PUT", "/v1/trunks/carrier", key, `{"cidrs":["203.0.113.0/24"],"username":"carrier","password":"short"}`).want(t, "trunk 3", http.StatusBadRequest, "/password")
	e.call(t, "PUT", "/v1/numbers/+862160001234", key, `{"language":"fr","trunks":["nope","Bad Name","nope"]}`).
		want(t, "number", http.StatusBadRequest, "/language", "/trunks/0", "/trunks/1", "/trunks/2")
	for target, why := range map[string]string{
		"account:ghost":                       "no softphone account",
		"sip:a@10.0.0.1":                      "non-public",
		"sip:a@127.0.0.1:5070":                "non-public",
		"sip:a@pbx.example.com;maddr=1.2.3.4": "maddr",
		"tel:+8610086":                        "account:",
		"sip:a:pw@pbx.example.com":            "password",
	} {
		r := e.call(t, "PUT", "/v1/voice-transfer-targets/cards", key, fmt.Sprintf(`{"target":%q}`, target))
		r.want(t, target, http.StatusBadRequest, "/target")
		if !strings.Contains(r.body["detail"].(string), why) {
			t.Errorf("%s: %v, want a reason about %s", target, r.body["detail"], why)
		}
	}
	if n := len(e.voiceEvents(t, "voice-bad")); n != 0 {
		t.Fatalf("%d events for refused writes", n)
	}
}

// A transfer target on loopback is accepted when the local stack names its port (LOOPBACK_SIP_PORTS).
func TestVoiceTransferTargetLoopbackPolicy(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "voice-local")
	WithSIPEgress(egress.Policy{LoopbackPorts: []uint16{5070}})(e.api)
	e.call(t, "PUT", "/v1/voice-transfer-targets/cards", key, `{"target":"sip:agent@127.0.0.1:5070"}`).want(t, "allowed port", http.StatusCreated)
	e.call(t, "PUT", "/v1/voice-transfer-targets/cards", key, `{"target":"sip:agent@127.0.0.1:5071"}`).want(t, "other port", http.StatusBadRequest, "/target")
	e.call(t, "PUT", "/v1/voice-transfer-targets/cards", key, `{"target":"sip:agent@127.0.0.1"}`).want(t, "the edge's own port", http.StatusBadRequest, "/target")
}

// A number and a username belong to one tenant platform-wide: another tenant's claim is 409 and
// does not name the owner; the owner keeps it; once released, another tenant may take it.
func TestVoiceNumbersAndUsernamesArePlatformWide(t *testing.T) {
	e := newEnv(t)
	keyA := e.createTenant(t, "owner-a")
	keyB := e.createTenant(t, "claimer-b")
	e.call(t, "PUT", "/v1/numbers/+862160001234", keyA, `{}`).want(t, "A's number", http.StatusCreated)
	e.call(t, "PUT", "/v1/sip-accounts/alice", keyA, voiceAccount).want(t, "A's account", http.StatusCreated)
	for path, body := range map[string]string{"/v1/numbers/+862160001234": `{}`, "/v1/sip-accounts/alice": voiceAccount} {
		r := e.call(t, "PUT", path, keyB, body)
		r.want(t, "B claims "+path, http.StatusConflict)
		if strings.Contains(fmt.Sprint(r.body), "owner-a") {
			t.Fatalf("409 names the owner: %v", r.body)
		}
	}
	e.call(t, "GET", "/v1/numbers/+862160001234", keyB, "").want(t, "B reads it", http.StatusNotFound)
	e.call(t, "PUT", "/v1/numbers/+862160001234", keyA, `{"language":"en"}`).want(t, "A replaces", http.StatusOK)
	if u, _ := e.usage(t, keyB, "numbers"); u != 0 {
		t.Fatalf("B's refused claim counted: %d", u)
	}
	e.call(t, "DELETE", "/v1/numbers/+862160001234", keyA, "").want(t, "A releases", http.StatusNoContent)
	e.call(t, "PUT", "/v1/numbers/+862160001234", keyB, `{}`).want(t, "B takes it", http.StatusCreated)
}

// Two tenants claiming one number at once: exactly one gets it.
func TestVoiceNumberClaimRace(t *testing.T) {
	e := newEnv(t)
	keys := []string{e.createTenant(t, "race-a"), e.createTenant(t, "race-b"), e.createTenant(t, "race-c")}
	codes := make([]int, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.call(t, "PUT", "/v1/numbers/+14155550100", k, `{}`).status
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			won++
		case http.StatusConflict:
		default:
			t.Fatalf("answers %v", codes)
		}
	}
	if won != 1 {
		t.Fatalf("answers %v: %d tenants hold the number", codes, won)
	}
}

// The telephony quotas count creates and deletes, and refuse beyond the plan.
func TestVoiceQuotas(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "voice-q")
	e.call(t, "PUT", "/v1/tenants/voice-q/plan", adminKey, `{"quotas":{"numbers":1,"trunks":1,"sip_accounts":1}}`).want(t, "plan", http.StatusOK)
	seedVoice(t, e, key)
	e.call(t, "PUT", "/v1/numbers/+862160001235", key, `{}`).wantQuota(t, "second number", "numbers", 1, 1)
	e.call(t, "PUT", "/v1/trunks/backup", key, `{"cidrs":["198.51.100.0/24"]}`).wantQuota(t, "second trunk", "trunks", 1, 1)
	e.call(t, "PUT", "/v1/sip-accounts/bob", key, voiceAccount).wantQuota(t, "second account", "sip_accounts", 1, 1)
	// Replacing is no new item.
	e.call(t, "PUT", "/v1/numbers/+862160001234", key, `{}`).want(t, "replace at quota", http.StatusOK)
	for _, q := range []string{"numbers", "trunks", "sip_accounts"} {
		if u, l := e.usage(t, key, q); u != 1 || l != 1 {
			t.Fatalf("%s: usage %d limit %d", q, u, l)
		}
	}
	e.call(t, "DELETE", "/v1/numbers/+862160001234", key, "").want(t, "delete", http.StatusNoContent)
	e.call(t, "PUT", "/v1/numbers/+862160001235", key, `{}`).want(t, "room again", http.StatusCreated)
}

// A number naming a trunk and that trunk's delete race: either the number names a trunk that
// exists, or the trunk is gone and the number was refused; never a number naming a deleted trunk.
func TestVoiceTrunkDeleteRacesANumber(t *testing.T) {
	e := newEnv(t)
	key := e.createTenant(t, "voice-race")
	for i := range 6 {
		name := fmt.Sprintf("t%d", i)
		e.call(t, "PUT", "/v1/trunks/"+name, key, `{"cidrs":["198.51.100.0/24"]}`).want(t, "trunk", http.StatusCreated)
		var wg sync.WaitGroup
		var put, del int
		wg.Add(2)
		go func() {
			defer wg.Done()
			put = e.call(t, "PUT", fmt.Sprintf("/v1/numbers/+8621600010%02d", i), key, `{"trunks":["`+name+`"]}`).status
		}()
		go func() { defer wg.Done(); del = e.call(t, "DELETE", "/v1/trunks/"+name, key, "").status }()
		wg.Wait()
		trunk := e.call(t, "GET", "/v1/trunks/"+name, key, "").status
		number := e.call(t, "GET", fmt.Sprintf("/v1/numbers/+8621600010%02d", i), key, "").status
		ok := put == http.StatusCreated && del == http.StatusConflict && trunk == 200 && number == 200 ||
			put != http.StatusCreated && del == http.StatusNoContent && trunk == 404 && number == 404
		if !ok {
			t.Fatalf("round %d: put %d delete %d; then trunk %d number %d", i, put, del, trunk, number)
		}
	}
}

// voiceIsolationCases: tenant A's admin key reaches nothing of tenant B's telephony configuration.
func voiceIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	seedVoice(t, e, keyB)
	e.call(t, "PUT", "/v1/numbers/+862160001235", keyB, `{}`).want(t, "B's second number", http.StatusCreated)
	cursorB, _ := e.call(t, "GET", "/v1/numbers?limit=1", keyB, "").body["next_cursor"].(string)
	if cursorB == "" {
		t.Fatal("B's numbers should have a second page")
	}
	paths := []string{"/v1/numbers/+862160001234", "/v1/trunks/carrier", "/v1/sip-accounts/alice", "/v1/voice-transfer-targets/cards"}
	before := map[string]string{}
	for _, p := range paths {
		before[p] = e.call(t, "GET", p, keyB, "").String()
	}
	bUnchanged := func(t *testing.T) {
		t.Helper()
		for _, p := range paths {
			if now := e.call(t, "GET", p, keyB, "").String(); now != before[p] {
				t.Fatalf("B's %s changed:\n%s\n%s", p, before[p], now)
			}
		}
	}
	list := func(route string) func(t *testing.T) {
		return func(t *testing.T) {
			r := e.call(t, "GET", route, keyA, "")
			r.want(t, "A lists", http.StatusOK)
			if len(r.items()) != 0 {
				t.Fatalf("A sees %v", r.items())
			}
			e.call(t, "GET", route+"?cursor="+cursorB, keyA, "").want(t, "B's cursor", http.StatusBadRequest, "cursor")
		}
	}
	get := func(path string) func(t *testing.T) {
		return func(t *testing.T) { e.call(t, "GET", path, keyA, "").want(t, "A reads B's", http.StatusNotFound) }
	}
	del := func(path string) func(t *testing.T) {
		return func(t *testing.T) {
			e.call(t, "DELETE", path, keyA, "").want(t, "A deletes B's", http.StatusNotFound)
			e.call(t, "DELETE", path, keyA, "", "If-Match: 1").want(t, "A deletes B's at its version", http.StatusPreconditionFailed)
			bUnchanged(t)
		}
	}
	return map[string]func(t *testing.T){
		"GET /v1/numbers":                           list("/v1/numbers"),
		"GET /v1/trunks":                            list("/v1/trunks"),
		"GET /v1/sip-accounts":                      list("/v1/sip-accounts"),
		"GET /v1/voice-transfer-targets":            list("/v1/voice-transfer-targets"),
		"GET /v1/numbers/{number}":                  get(paths[0]),
		"GET /v1/trunks/{name}":                     get(paths[1]),
		"GET /v1/sip-accounts/{username}":           get(paths[2]),
		"GET /v1/voice-transfer-targets/{queue}":    get(paths[3]),
		"DELETE /v1/numbers/{number}":               del(paths[0]),
		"DELETE /v1/trunks/{name}":                  del(paths[1]),
		"DELETE /v1/sip-accounts/{username}":        del(paths[2]),
		"DELETE /v1/voice-transfer-targets/{queue}": del(paths[3]),
		"PUT /v1/numbers/{number}": func(t *testing.T) {
			// B's number is platform-wide B's: 409, not a number of A's.
			e.call(t, "PUT", paths[0], keyA, `{}`).want(t, "A claims B's number", http.StatusConflict)
			// A naming a trunk of B's name finds none of its own.
			e.call(t, "PUT", "/v1/numbers/+14155550199", keyA, `{"trunks":["carrier"]}`).want(t, "A names B's trunk", http.StatusBadRequest, "/trunks/0")
			bUnchanged(t)
		},
		"PUT /v1/trunks/{name}": func(t *testing.T) {
			// The same name in A is A's own trunk (gone again after, for the other cases); B's is
			// untouched.
			e.call(t, "PUT", paths[1], keyA, `{"cidrs":["198.51.100.0/24"]}`).want(t, "A's own trunk", http.StatusCreated)
			bUnchanged(t)
			e.call(t, "DELETE", paths[1], keyA, "").want(t, "A's own trunk deleted", http.StatusNoContent)
		},
		"PUT /v1/sip-accounts/{username}": func(t *testing.T) {
			e.call(t, "PUT", paths[2], keyA, voiceAccount).want(t, "A claims B's username", http.StatusConflict)
			bUnchanged(t)
		},
		"PUT /v1/voice-transfer-targets/{queue}": func(t *testing.T) {
			// B's account is not A's to transfer to; A's own queue "cards" is A's.
			e.call(t, "PUT", paths[3], keyA, `{"target":"account:alice"}`).want(t, "A targets B's account", http.StatusBadRequest, "/target")
			e.call(t, "PUT", paths[3], keyA, `{"target":"sip:cards@pbx.example.com"}`).want(t, "A's own queue", http.StatusCreated)
			bUnchanged(t)
			e.call(t, "DELETE", paths[3], keyA, "").want(t, "A's own queue deleted", http.StatusNoContent)
		},
	}
}
