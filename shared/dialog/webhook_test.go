package dialog_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/egress"
)

// loopbackTo is the egress policy that lets webhooks reach the test server at rawURL, and no
// other loopback port.
func loopbackTo(rawURL string) egress.Policy {
	u, _ := url.Parse(rawURL)
	port, _ := strconv.Atoi(u.Port())
	return egress.Policy{LoopbackPorts: []uint16{uint16(port)}}
}

// The signature matches one computed independently (Python's hmac module).
func TestSignKnownVector(t *testing.T) {
	got := dialog.Sign([]byte("whsec_test"), "1700000000", []byte(`{"a":1}`))
	want := "v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
	if got != want {
		t.Errorf("Sign = %s\nwant   %s", got, want)
	}
}

func TestVerifySignature(t *testing.T) {
	secret := []byte("whsec_test")
	body := []byte(`{"flow_id":"lost_card"}`)
	now := time.Unix(1700000000, 0)
	ts := "1700000000"
	good := dialog.Sign(secret, ts, body)
	tests := map[string]struct {
		secret []byte
		ts     string
		body   []byte
		header string
		want   error
	}{
		"valid":             {secret, ts, body, good, nil},
		"rotation":          {secret, ts, body, dialog.Sign([]byte("old"), ts, body) + ", " + good, nil},
		"wrong secret":      {[]byte("other"), ts, body, good, dialog.ErrSignature},
		"tampered body":     {secret, ts, []byte(`{"flow_id":"lost_card "}`), good, dialog.ErrSignature},
		"other timestamp":   {secret, "1700000001", body, good, dialog.ErrSignature},
		"stale":             {secret, "1699999000", body, dialog.Sign(secret, "1699999000", body), dialog.ErrTimestamp},
		"from the future":   {secret, "1700001000", body, dialog.Sign(secret, "1700001000", body), dialog.ErrTimestamp},
		"not a time":        {secret, "yesterday", body, good, dialog.ErrTimestamp},
		"empty header":      {secret, ts, body, "", dialog.ErrSignature},
		"other scheme":      {secret, ts, body, "v0=" + good[3:], dialog.ErrSignature},
		"not hex":           {secret, ts, body, "v1=zz", dialog.ErrSignature},
		"truncated":         {secret, ts, body, good[:20], dialog.ErrSignature},
		"upper-case prefix": {secret, ts, body, "V1=" + good[3:], dialog.ErrSignature},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := dialog.VerifySignature(tc.secret, tc.ts, tc.body, tc.header, now, 5*time.Minute)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("VerifySignature = %v, want %v", err, tc.want)
			}
		})
	}
}

func hookFlow(t *testing.T, url, extra string) *dialog.Flow {
	return mustParse(t, fmt.Sprintf(`{"id":"hook","inputs":["gone","card"],"steps":[
	  {"id":"w","kind":"webhook","url":%q,"slots":["card","gone"],%s"on_success":"ok","on_failure":"fail"},
	  {"id":"ok","kind":"end","outcome":"resolved","text":{"en":"ok","zh":"好"}},
	  {"id":"fail","kind":"end","outcome":"handoff","text":{"en":"fail","zh":"失败"}}]}`, url, extra))
}

// run starts the flow and returns the outcome and slots.
func runHook(t *testing.T, e *dialog.Engine, f *dialog.Flow) dialog.State {
	t.Helper()
	st, _, err := e.Start(t.Context(), f, dialog.StartInput{ConversationID: "c", Slots: map[string]string{"gone": "x", "card": "1234"}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return st
}

func TestWebhookResultMapping(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":{"customer":{"name":"王芳","vip":true,"score":9.5}},"items":[{"id":"a1"}],"gone":null}`)
	}))
	defer srv.Close()
	e := newEngine(dialog.Config{HTTP: srv.Client(), WebhookSecret: []byte("s"), Egress: loopbackTo(srv.URL)})
	f := hookFlow(t, srv.URL, `"result":{"name":"data.customer.name","vip":"data.customer.vip","score":"data.customer.score","first":"items.0.id","customer":"data.customer","gone":"gone","none":"no.such.field"},`)
	st := runHook(t, e, f)
	want := map[string]string{
		"card": "1234", "name": "王芳", "vip": "true", "score": "9.5", "first": "a1",
		"customer": `{"name":"王芳","score":9.5,"vip":true}`,
	}
	if st.Outcome != dialog.OutcomeResolved || fmt.Sprint(st.Slots) != fmt.Sprint(want) {
		t.Errorf("outcome %s, slots %v\nwant %v", st.Outcome, st.Slots, want)
	}
}

func TestWebhookFailures(t *testing.T) {
	tests := map[string]struct {
		handler http.HandlerFunc
		extra   string
		calls   int64
	}{
		"not json":  {func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "OK") }, `"result":{"a":"a"},`, 1},
		"json list": {func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "[1]") }, `"result":{"a":"a"},`, 1},
		"redirect": {func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/", http.StatusFound)
		}, ``, 1},
		"404":         {func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, `"retries":3,`, 1},
		"503 retried": {func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, `"retries":3,`, 4},
		"no retries":  {func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, `"retries":0,`, 1},
		"huge body": {func(w http.ResponseWriter, r *http.Request) {
			w.Write(make([]byte, 70<<10))
		}, `"retries":0,`, 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				tc.handler(w, r)
			}))
			defer srv.Close()
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			defer client.CloseIdleConnections()
			e := newEngine(dialog.Config{HTTP: client, WebhookSecret: []byte("s"), Egress: loopbackTo(srv.URL), RetryBackoff: time.Millisecond})
			st := runHook(t, e, hookFlow(t, srv.URL, tc.extra))
			if st.Outcome != dialog.OutcomeHandoff {
				t.Errorf("outcome %s, want the failure branch", st.Outcome)
			}
			if got := calls.Load(); got != tc.calls {
				t.Errorf("calls = %d, want %d", got, tc.calls)
			}
		})
	}
}

// Without the loopback policy, a secret and a client, no request leaves.
func TestWebhookPolicy(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	f := hookFlow(t, srv.URL, "")
	for name, cfg := range map[string]dialog.Config{
		"loopback not allowed": {HTTP: srv.Client(), WebhookSecret: []byte("s")},
		"other loopback port":  {HTTP: srv.Client(), WebhookSecret: []byte("s"), Egress: egress.Policy{LoopbackPorts: []uint16{1}}},
		"no secret":            {HTTP: srv.Client(), Egress: loopbackTo(srv.URL)},
		"no client":            {WebhookSecret: []byte("s"), Egress: loopbackTo(srv.URL)},
	} {
		t.Run(name, func(t *testing.T) {
			if st := runHook(t, newEngine(cfg), f); st.Outcome != dialog.OutcomeHandoff {
				t.Errorf("outcome %s, want the failure branch", st.Outcome)
			}
		})
	}
	if calls.Load() != 0 {
		t.Errorf("%d requests were sent", calls.Load())
	}
}

func TestWebhookHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	e := newEngine(dialog.Config{HTTP: srv.Client(), WebhookSecret: []byte("s"), Egress: loopbackTo(srv.URL)})
	if st := runHook(t, e, hookFlow(t, srv.URL, `"result":{"ok":"ok"},`)); st.Outcome != dialog.OutcomeResolved || st.Slots["ok"] != "true" {
		t.Errorf("state %+v", st)
	}
}

// When the turn's own context ends (the Lambda is out of time), Turn fails
// and leaves the state as it was, so the turn can be retried.
func TestWebhookContextDone(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	f := mustParse(t, fmt.Sprintf(`{"id":"hook","on_fail":"fail","steps":[
	  {"id":"ask","kind":"ask","slot":{"name":"card","type":"card_last4"},"prompt":{"en":"Card?","zh":"卡？"},"next":"w"},
	  {"id":"w","kind":"webhook","url":%q,"slots":["card"],"timeout_ms":5000,"on_success":"ok","on_failure":"fail"},
	  {"id":"ok","kind":"end","outcome":"resolved","text":{"en":"ok","zh":"好"}},
	  {"id":"fail","kind":"end","outcome":"handoff","text":{"en":"fail","zh":"失败"}}]}`, srv.URL))
	e := newEngine(dialog.Config{HTTP: srv.Client(), WebhookSecret: []byte("s"), Egress: loopbackTo(srv.URL)})
	st, _, err := e.Start(t.Context(), f, dialog.StartInput{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	got, out, err := e.Turn(ctx, f, st, text("1234"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Turn: %v, want the context's error", err)
	}
	if out != nil || got.Step != st.Step || got.Turns != st.Turns || len(got.Slots) != 0 {
		t.Errorf("state changed on error: %+v", got)
	}
}

// StartWith and TurnWith make no call: they stop at a webhook step with the call to make, and run
// on once given its result, the same key for every run of the turn. No HTTP client exists here.
func TestWebhookResultsWithoutIO(t *testing.T) {
	e := newEngine(dialog.Config{})
	f := hookFlow(t, "https://bank.example.com/hook", `"result":{"name":"customer.name"},`)
	in := dialog.StartInput{ConversationID: "c", Slots: map[string]string{"card": "1234"}}
	_, _, err := e.StartWith(f, in, nil)
	need, ok := errors.AsType[*dialog.WebhookNeeded](err)
	if !ok || need.Call.Step != "w" || need.Call.URL != "https://bank.example.com/hook" || need.Call.Key == "" {
		t.Fatalf("StartWith without results: %v", err)
	}
	if string(need.Call.Body) != `{"flow_id":"hook","flow_version":0,"step":"w","conversation_id":"c","lang":"en","slots":{"card":"1234"}}` {
		t.Errorf("body %s", need.Call.Body)
	}
	for name, tc := range map[string]struct {
		res     dialog.WebhookResult
		outcome dialog.Outcome
		slot    string
	}{
		"succeeded":        {dialog.WebhookResult{OK: true, Body: []byte(`{"customer":{"name":"王芳"}}`)}, dialog.OutcomeResolved, "王芳"},
		"failed":           {dialog.WebhookResult{}, dialog.OutcomeHandoff, ""},
		"unreadable reply": {dialog.WebhookResult{OK: true, Body: []byte(`[1]`)}, dialog.OutcomeHandoff, ""},
	} {
		t.Run(name, func(t *testing.T) {
			st, out, err := e.StartWith(f, in, dialog.Webhooks{need.Call.Key: tc.res})
			if err != nil || st.Outcome != tc.outcome || st.Slots["name"] != tc.slot || out[len(out)-1].Type != dialog.OutputEnd {
				t.Fatalf("outcome %s slots %v outputs %+v: %v", st.Outcome, st.Slots, out, err)
			}
		})
	}
}
