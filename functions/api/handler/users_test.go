package handler

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi/httpapitest"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/ratelimit"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

// sourceIPHeader, sent to e.call, becomes the request's requestContext.http.sourceIp.
const sourceIPHeader = "x-test-source-ip"

// testClock is a settable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newUsersEnv is newEnv with one clock for the store, the authenticator and the API, and the
// sign-in limiter.
func newUsersEnv(t *testing.T) (*env, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Now().UTC()}
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, streamName := emulators.NewStream(t, 1)
	db := store.New(ddb, table).WithClock(clock.Now)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authn, err := auth.NewAuthenticator(db, auth.Hash(adminKey))
	if err != nil {
		t.Fatal(err)
	}
	authn.WithClock(clock.Now)
	limiter := ratelimit.New(ddb, table, ratelimit.Options{Limits: SignInLimits, Now: clock.Now, Timeout: time.Minute})
	ob := outbox.New(db, stream.NewPublisher(kin, streamName), log)
	api := New(db, ob, authn, log, append(humanOptions(db, ob, clock.Now), WithSignInLimiter(limiter))...)
	api.now = clock.Now
	return &env{api: api, kin: kin, stream: streamName}, clock
}

func userBody(username, role, password string) string {
	return fmt.Sprintf(`{"username":%q,"display_name":"Person %s","role":%q,"password":%q,"skills":[{"name":"cards","proficiency":4}],"capacity":{"voice":1,"chat":5}}`,
		username, username, role, password)
}

// createUser makes a user and returns its id.
func (e *env) createUser(t *testing.T, key, username, role, password string) string {
	t.Helper()
	r := e.call(t, "POST", "/v1/users", key, userBody(username, role, password))
	r.want(t, "create "+username, http.StatusCreated)
	return r.body["id"].(string)
}

// signIn signs in and returns the token.
func (e *env) signIn(t *testing.T, tenant, username, password string) string {
	t.Helper()
	r := e.call(t, "POST", "/v1/sessions", "", fmt.Sprintf(`{"tenant":%q,"username":%q,"password":%q}`, tenant, username, password))
	r.want(t, "sign in "+username, http.StatusCreated)
	tok, _ := r.body["token"].(string)
	if !strings.HasPrefix(tok, auth.SessionPrefix) || r.headers["Cache-Control"] != "no-store" {
		t.Fatalf("sign-in answer %v %v", r.body, r.headers)
	}
	return tok
}

const pw = "correct horse battery"

func TestUsersLifecycle(t *testing.T) {
	e, _ := newUsersEnv(t)
	key := e.createTenant(t, "acme")
	id := e.createUser(t, key, "li.na@acme.example", "agent", pw)
	e.call(t, "POST", "/v1/users", key, userBody("li.na@acme.example", "supervisor", pw)).want(t, "same login name", http.StatusConflict)

	got := e.call(t, "GET", "/v1/users/"+id, key, "")
	got.want(t, "get", http.StatusOK)
	if got.headers["ETag"] != `"1"` || got.body["role"] != "agent" || got.body["display_name"] != "Person li.na@acme.example" {
		t.Fatalf("get: %v %v", got.body, got.headers)
	}
	for k := range got.body {
		if strings.Contains(k, "password") || strings.Contains(k, "hash") {
			t.Fatalf("a user shows %q", k)
		}
	}
	if items := e.call(t, "GET", "/v1/users", key, "").items(); len(items) != 1 || items[0]["id"] != id {
		t.Fatalf("list: %v", items)
	}
	e.call(t, "PATCH", "/v1/users/"+id, key, `{"role":"supervisor"}`, "If-Match: 7").problemIs(t, "stale If-Match", http.StatusPreconditionFailed, "precondition-failed")
	p := e.call(t, "PATCH", "/v1/users/"+id, key, `{"role":"supervisor","skills":[{"name":"loans","proficiency":2}]}`, `If-Match: "1"`)
	p.want(t, "patch", http.StatusOK)
	if p.headers["ETag"] != `"2"` || p.body["role"] != "supervisor" || p.body["skills"].([]any)[0].(map[string]any)["name"] != "loans" {
		t.Fatalf("patch: %v %v", p.body, p.headers)
	}
	e.call(t, "PATCH", "/v1/users/"+id, key, `{"capacity":{"voice":2,"chat":11},"skills":[{"name":"x","proficiency":0}],"sip_account":"nobody"}`).
		want(t, "bad patch", http.StatusBadRequest, "/capacity/voice", "/capacity/chat", "/skills/0/proficiency")
	e.call(t, "PATCH", "/v1/users/"+id, key, `{"sip_account":"nobody"}`).want(t, "unknown softphone account", http.StatusBadRequest, "/sip_account")
	e.call(t, "PUT", "/v1/sip-accounts/lina", key, `{"password":"sip-secret-1"}`).want(t, "softphone account", http.StatusCreated)
	if r := e.call(t, "PATCH", "/v1/users/"+id, key, `{"sip_account":"lina"}`); r.status != 200 || r.body["sip_account"] != "lina" {
		t.Fatalf("link softphone: %d %v", r.status, r.body)
	}
	if q := e.call(t, "GET", "/v1/tenant", key, "").body["quotas"].(map[string]any)["users"].(map[string]any); q["usage"] != float64(1) || q["limit"] != float64(1000) {
		t.Fatalf("users quota %v", q)
	}
	e.call(t, "DELETE", "/v1/users/"+id, key, "", "If-Match: 1").problemIs(t, "stale delete", http.StatusPreconditionFailed, "precondition-failed")
	e.call(t, "DELETE", "/v1/users/"+id, key, "").want(t, "delete", http.StatusNoContent)
	e.call(t, "GET", "/v1/users/"+id, key, "").want(t, "deleted", http.StatusNotFound)
	e.call(t, "DELETE", "/v1/users/"+id, key, "").want(t, "deleted again", http.StatusNotFound)
	e.createUser(t, key, "li.na@acme.example", "agent", pw) // the login name is free again

	var actions []string
	for _, ev := range e.streamEvents(t) {
		if ev.Type != lxevents.TypeUserChanged {
			continue
		}
		if strings.Contains(string(ev.Data), pw) || strings.Contains(string(ev.Data), "argon2") {
			t.Fatalf("an event holds the password or its hash: %s", ev.Data)
		}
		d, err := lxevents.DataAs[lxevents.UserChanged](ev)
		if err != nil {
			t.Fatal(err)
		}
		actions = append(actions, string(d.Action))
	}
	if want := "created updated updated deleted created"; strings.Join(actions, " ") != want {
		t.Fatalf("user.changed actions %q, want %q", actions, want)
	}
}

func TestUsersQuota(t *testing.T) {
	e, _ := newUsersEnv(t)
	key := e.createTenant(t, "small")
	e.call(t, "PUT", "/v1/tenants/small/plan", adminKey, `{"quotas":{"users":1}}`).want(t, "plan", http.StatusOK)
	e.createUser(t, key, "one", "agent", pw)
	e.call(t, "POST", "/v1/users", key, userBody("two", "agent", pw)).wantQuota(t, "second user", "users", 1, 1)
}

func TestSignIn(t *testing.T) {
	e, clock := newUsersEnv(t)
	key := e.createTenant(t, "acme")
	e.createTenant(t, "other")
	agentID := e.createUser(t, key, "agent1", "agent", pw)
	e.createUser(t, key, "boss", "admin", pw)

	// Wrong password, unknown user, unknown tenant, another tenant: one answer.
	for name, body := range map[string]string{
		"wrong password": `{"tenant":"acme","username":"agent1","password":"wrong horse battery"}`,
		"unknown user":   `{"tenant":"acme","username":"nobody","password":"correct horse battery"}`,
		"unknown tenant": `{"tenant":"nowhere","username":"agent1","password":"correct horse battery"}`,
		"other tenant":   `{"tenant":"other","username":"agent1","password":"correct horse battery"}`,
	} {
		r := e.call(t, "POST", "/v1/sessions", "", body)
		r.problemIs(t, name, http.StatusUnauthorized, "sign-in-failed")
		if r.body["detail"] != "sign-in failed: check the tenant, login name and password" {
			t.Fatalf("%s: detail %v", name, r.body["detail"])
		}
	}
	e.call(t, "POST", "/v1/sessions", "", `{"tenant":"acme","username":"agent1","password":"x"}`, "Idempotency-Key: k1").
		want(t, "sign-in with Idempotency-Key", http.StatusBadRequest, "Idempotency-Key")

	tok := e.signIn(t, "acme", "AGENT1", pw) // login names are matched in lower case
	me := e.call(t, "GET", "/v1/me", tok, "")
	me.want(t, "me", http.StatusOK)
	if me.body["id"] != agentID || me.body["username"] != "agent1" {
		t.Fatalf("me: %v", me.body)
	}
	// An agent's session is refused on admin routes; an API key has no /v1/me.
	e.call(t, "GET", "/v1/users", tok, "").want(t, "agent lists users", http.StatusForbidden)
	e.call(t, "POST", "/v1/api-keys", tok, `{"role":"admin"}`).want(t, "agent makes a key", http.StatusForbidden)
	e.call(t, "GET", "/v1/tenant", tok, "").want(t, "agent reads the tenant (partner route)", http.StatusForbidden)
	e.call(t, "GET", "/v1/me", key, "").want(t, "API key on /v1/me", http.StatusForbidden)
	// An admin's session passes the admin routes; tenant keys keep working.
	boss := e.signIn(t, "acme", "boss", pw)
	e.call(t, "GET", "/v1/users", boss, "").want(t, "admin session lists users", http.StatusOK)
	e.call(t, "GET", "/v1/users", key, "").want(t, "admin key lists users", http.StatusOK)
	// An admin's session writes the configuration, and the events name the person.
	e.call(t, "PUT", "/v1/intents/card_lost", boss, cardLost).want(t, "admin session writes an intent", http.StatusCreated)
	e.call(t, "POST", "/v1/api-keys", boss, `{"role":"partner"}`).want(t, "admin session makes a key", http.StatusCreated)
	var actors []string
	for _, ev := range e.streamEvents(t) {
		switch ev.Type {
		case lxevents.TypeBotConfigChanged:
			d, _ := lxevents.DataAs[lxevents.BotConfigChanged](ev)
			actors = append(actors, d.ChangedBy)
		case lxevents.TypeAPIKeyCreated:
			if d, _ := lxevents.DataAs[lxevents.APIKeyCreated](ev); d.CreatedBy != "platform-admin" {
				actors = append(actors, d.CreatedBy)
			}
		}
	}
	if bossID := e.call(t, "GET", "/v1/me", boss, "").body["id"]; len(actors) != 2 || actors[0] != "user/"+bossID.(string) || actors[1] != actors[0] {
		t.Fatalf("actors %v", actors)
	}

	// Sign out ends that session only.
	other := e.signIn(t, "acme", "agent1", pw)
	e.call(t, "DELETE", "/v1/sessions/current", tok, "").want(t, "sign out", http.StatusNoContent)
	e.call(t, "GET", "/v1/me", tok, "").want(t, "signed out", http.StatusUnauthorized)
	e.call(t, "GET", "/v1/me", other, "").want(t, "the other session", http.StatusOK)

	// An admin revokes the user's sessions; a new password ends them too.
	e.call(t, "DELETE", "/v1/users/"+agentID+"/sessions", boss, "").want(t, "revoke", http.StatusNoContent)
	e.call(t, "GET", "/v1/me", other, "").want(t, "revoked", http.StatusUnauthorized)
	again := e.signIn(t, "acme", "agent1", pw)
	e.call(t, "PATCH", "/v1/users/"+agentID, key, `{"password":"a brand new password"}`).want(t, "new password", http.StatusOK)
	e.call(t, "GET", "/v1/me", again, "").want(t, "after a new password", http.StatusUnauthorized)
	e.call(t, "POST", "/v1/sessions", "", `{"tenant":"acme","username":"agent1","password":"correct horse battery"}`).
		problemIs(t, "the old password", http.StatusUnauthorized, "sign-in-failed")

	// Disabled: the sessions end and sign-in fails the same way.
	s := e.signIn(t, "acme", "agent1", "a brand new password")
	e.call(t, "PATCH", "/v1/users/"+agentID, key, `{"disabled":true}`).want(t, "disable", http.StatusOK)
	e.call(t, "GET", "/v1/me", s, "").want(t, "disabled", http.StatusUnauthorized)
	e.call(t, "POST", "/v1/sessions", "", `{"tenant":"acme","username":"agent1","password":"a brand new password"}`).
		problemIs(t, "disabled sign-in", http.StatusUnauthorized, "sign-in-failed")
	e.call(t, "PATCH", "/v1/users/"+agentID, key, `{"disabled":false}`).want(t, "enable", http.StatusOK)

	// A session ends 12 hours after sign-in, however much it is used.
	s = e.signIn(t, "acme", "agent1", "a brand new password")
	clock.Advance(auth.SessionTTL - time.Second)
	e.call(t, "GET", "/v1/me", s, "").want(t, "just before expiry", http.StatusOK)
	clock.Advance(time.Second)
	e.call(t, "GET", "/v1/me", s, "").want(t, "expired", http.StatusUnauthorized)

	// Deleting the user ends their sessions.
	s = e.signIn(t, "acme", "agent1", "a brand new password")
	e.call(t, "GET", "/v1/users", boss, "").want(t, "the admin's session expired too", http.StatusUnauthorized)
	e.call(t, "DELETE", "/v1/users/"+agentID, key, "").want(t, "delete", http.StatusNoContent)
	e.call(t, "GET", "/v1/me", s, "").want(t, "deleted user", http.StatusUnauthorized)
}

// Sign-in attempts are limited per login name (whatever the address) and per source address
// (whatever the login name); the refusal is 429 and other names and addresses still pass.
func TestSignInRateLimit(t *testing.T) {
	e, _ := newUsersEnv(t)
	key := e.createTenant(t, "acme")
	e.createUser(t, key, "agent1", "agent", pw)
	e.createUser(t, key, "agent2", "agent", pw)
	wrong := `{"tenant":"acme","username":"agent1","password":"wrong horse battery"}`
	for i := range signInPerUser.Burst {
		e.call(t, "POST", "/v1/sessions", "", wrong, sourceIPHeader+": 192.0.2."+fmt.Sprint(i+1)).
			problemIs(t, "wrong password", http.StatusUnauthorized, "sign-in-failed")
	}
	e.call(t, "POST", "/v1/sessions", "", `{"tenant":"acme","username":"agent1","password":"correct horse battery"}`, sourceIPHeader+": 192.0.2.200").
		problemIs(t, "over the login name's limit, even with the password", http.StatusTooManyRequests, "rate-limited")
	e.signIn(t, "acme", "agent2", pw)

	for i := range signInPerAddress.Burst {
		e.call(t, "POST", "/v1/sessions", "", fmt.Sprintf(`{"tenant":"acme","username":"guess%d","password":"x"}`, i), sourceIPHeader+": 198.51.100.7").
			problemIs(t, "guess", http.StatusUnauthorized, "sign-in-failed")
	}
	e.call(t, "POST", "/v1/sessions", "", `{"tenant":"acme","username":"agent2","password":"correct horse battery"}`, sourceIPHeader+": 198.51.100.7").
		problemIs(t, "over the address's limit", http.StatusTooManyRequests, "rate-limited")
	e.call(t, "POST", "/v1/sessions", "", `{"tenant":"acme","username":"agent2","password":"correct horse battery"}`, sourceIPHeader+": 198.51.100.8").
		want(t, "another address", http.StatusCreated)
}

// notReplayed are the POST routes that refuse Idempotency-Key instead of replaying: sign-in
// (a replay would have to show the session token again, or answer without it; TestSignIn checks
// the refusal).
var notReplayed = map[string]bool{"POST /v1/sessions": true}

// userBadInputRoutes are users.go's write routes for TestBadInputEveryWriteRoute, over a user and
// a session made here.
func userBadInputRoutes(t *testing.T, e *env, key string) map[string]httpapitest.Route {
	t.Helper()
	id := e.createUser(t, key, "bad.input", "agent", pw)
	token := e.signIn(t, "badinput", "bad.input", pw)
	get := []string{"/v1/users", "/v1/users/" + id}
	return map[string]httpapitest.Route{
		"POST /v1/users":                 {Path: "/v1/users", Body: `{"username":"someone.new","role":"agent","password":"long enough pass","display_name":@}`, Field: "/display_name", Get: get},
		"PATCH /v1/users/{id}":           {Path: "/v1/users/" + id, Body: `{"display_name":@}`, Field: "/display_name", Get: get},
		"DELETE /v1/users/{id}":          {Path: "/v1/users/" + id, EmptyOK: true, Get: get},
		"DELETE /v1/users/{id}/sessions": {Path: "/v1/users/" + id + "/sessions", EmptyOK: true, Get: get},
		"POST /v1/sessions":              {Path: "/v1/sessions", Body: `{"tenant":"badinput","username":@,"password":"long enough pass"}`, Field: "/username", Get: get},
		"DELETE /v1/sessions/current":    {Path: "/v1/sessions/current", EmptyOK: true, Key: token, Get: get},
	}
}

// userIsolationCases are users.go's routes for TestTenantIsolationEveryRoute: A's key and
// sessions never reach B's people or sessions.
func userIsolationCases(t *testing.T, e *env, keyA, keyB string) map[string]func(t *testing.T) {
	t.Helper()
	idB := e.createUser(t, keyB, "bob", "agent", pw)
	tokenB := e.signIn(t, "tenant-b", "bob", pw)
	bobBefore := e.call(t, "GET", "/v1/users/"+idB, keyB, "").String()
	bobSame := func(t *testing.T) {
		t.Helper()
		if now := e.call(t, "GET", "/v1/users/"+idB, keyB, "").String(); now != bobBefore {
			t.Fatalf("B's user changed: %s\nwas %s", now, bobBefore)
		}
		e.call(t, "GET", "/v1/me", tokenB, "").want(t, "B's session", http.StatusOK)
	}
	return map[string]func(t *testing.T){
		"POST /v1/users": func(t *testing.T) {
			// Login names are per tenant: A may have a bob too, and it is not B's.
			r := e.call(t, "POST", "/v1/users", keyA, userBody("bob", "admin", "another long password"))
			r.want(t, "A's bob", http.StatusCreated)
			if r.body["id"] == idB {
				t.Fatal("A's bob is B's")
			}
			bobSame(t)
		},
		"GET /v1/users": func(t *testing.T) {
			for _, it := range e.call(t, "GET", "/v1/users", keyA, "").items() {
				if it["id"] == idB {
					t.Fatal("A lists B's user")
				}
			}
		},
		"GET /v1/users/{id}": func(t *testing.T) {
			e.call(t, "GET", "/v1/users/"+idB, keyA, "").want(t, "A reads B's user", http.StatusNotFound)
		},
		"PATCH /v1/users/{id}": func(t *testing.T) {
			e.call(t, "PATCH", "/v1/users/"+idB, keyA, `{"password":"taken over by a"}`).want(t, "A changes B's user", http.StatusNotFound)
			e.call(t, "PATCH", "/v1/users/"+idB, keyA, `{"role":"admin"}`, "If-Match: 1").want(t, "A changes B's user at its version", http.StatusPreconditionFailed)
			bobSame(t)
		},
		"DELETE /v1/users/{id}": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/users/"+idB, keyA, "").want(t, "A deletes B's user", http.StatusNotFound)
			bobSame(t)
		},
		"DELETE /v1/users/{id}/sessions": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/users/"+idB+"/sessions", keyA, "").want(t, "A ends B's sessions", http.StatusNotFound)
			bobSame(t)
		},
		"POST /v1/sessions": func(t *testing.T) {
			// B's person cannot sign in to A, whatever A has.
			e.call(t, "POST", "/v1/sessions", "", `{"tenant":"tenant-a","username":"bob","password":"correct horse battery"}`).
				problemIs(t, "B's bob signs in to A", http.StatusUnauthorized, "sign-in-failed")
		},
		"DELETE /v1/sessions/current": func(t *testing.T) {
			e.call(t, "DELETE", "/v1/sessions/current", keyA, "").want(t, "A's key signs out", http.StatusForbidden)
			bobSame(t)
		},
		"GET /v1/me": func(t *testing.T) {
			me := e.call(t, "GET", "/v1/me", tokenB, "")
			if me.status != http.StatusOK || me.body["id"] != idB {
				t.Fatalf("B's session: %v", me)
			}
			e.call(t, "GET", "/v1/me", keyA, "").want(t, "A's key", http.StatusForbidden)
			e.call(t, "GET", "/v1/users", tokenB, "").want(t, "B's agent lists users", http.StatusForbidden)
		},
	}
}
