package conversation

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
)

func TestTranscriptIsBounded(t *testing.T) {
	var c Conversation
	for i := range 150 {
		c.add(Message{Role: events.RoleCustomer, Text: strings.Repeat("x", i%7+1)})
	}
	if len(c.Messages) != MaxMessages || c.TotalMessages != 150 || !c.Truncated() {
		t.Fatalf("kept %d of %d", len(c.Messages), c.TotalMessages)
	}
	// Long messages: the byte bound trims more.
	var d Conversation
	long := strings.Repeat("好", MaxTextRunes) // 12 KB
	for range 30 {
		d.add(Message{Role: events.RoleCustomer, Text: long})
	}
	size := 0
	for _, tr := range d.Messages {
		size += len(tr.Text)
	}
	if size > MaxTranscriptBytes || len(d.Messages) != MaxTranscriptBytes/len(long) {
		t.Fatalf("kept %d turns, %d bytes", len(d.Messages), size)
	}
	// The event carries a tail that fits its own bound, oldest first.
	tr := d.eventTranscript()
	if len(tr) == 0 || len(tr) >= len(d.Messages) {
		t.Fatalf("event transcript of %d turns", len(tr))
	}
}

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		c    Conversation
		want events.Outcome
	}{
		{Conversation{State: StateHandoff, Resolved: true}, events.OutcomeHandedOff},
		{Conversation{State: StateActive, Resolved: true}, events.OutcomeResolvedByBot},
		{Conversation{State: StateActive}, events.OutcomeAbandoned},
	} {
		if got := tc.c.outcome(); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.c, got, tc.want)
		}
	}
}

func TestMatchRuleAndQueue(t *testing.T) {
	rules := []botconfig.AttributeRule{{Attribute: "tier", Values: []string{"vip", "platinum"}, Queue: "vip"}}
	if r, ok := matchRule(rules, map[string]string{"tier": " Platinum "}); !ok || r.Queue != "vip" {
		t.Fatal("rule does not match case-insensitively")
	}
	if _, ok := matchRule(rules, map[string]string{"tier": "gold"}); ok {
		t.Fatal("rule matches another value")
	}
	if q := queueFor("", " ", "rule-q", "default-q"); q != "rule-q" {
		t.Fatalf("queue %q", q)
	}
	if q := queueFor("", ""); q != DefaultQueue {
		t.Fatalf("queue %q", q)
	}
}

func TestLanguageFollowsTheCustomer(t *testing.T) {
	tests := []struct {
		current botconfig.Lang
		text    string
		want    botconfig.Lang
	}{
		{"", "你好", botconfig.LangZH},
		{"", "hello there", botconfig.LangEN},
		{"", "1234", ""},
		{botconfig.LangZH, "ok", botconfig.LangZH},             // a short Latin reply keeps Chinese
		{botconfig.LangZH, "1234 please", botconfig.LangZH},    // so do digits with one word (issue 8)
		{botconfig.LangZH, "I lost my card", botconfig.LangEN}, // a sentence switches
		{botconfig.LangEN, "转人工", botconfig.LangZH},
	}
	for _, tc := range tests {
		if got := dialog.Follow(tc.current, tc.text); got != tc.want {
			t.Errorf("follow(%q, %q) = %q, want %q", tc.current, tc.text, got, tc.want)
		}
	}
	if got := say(botconfig.Text{botconfig.LangEN: "Hi", botconfig.LangZH: "你好"}, ""); got != "你好\nHi" {
		t.Errorf("unknown language says %q", got)
	}
}

// Webhooks go only to hosts the tenant allows.
func TestWebhookHostGuard(t *testing.T) {
	called := 0
	next := doerFunc(func(*http.Request) (*http.Response, error) {
		called++
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	g := hostGuard{next: next, set: botconfig.Settings{WebhookHosts: []string{"api.acme.com", "*.acme.cn"}}}
	for host, ok := range map[string]bool{"api.acme.com": true, "x.acme.cn": true, "evil.com": false, "acme.cn": false} {
		req, _ := http.NewRequest("POST", "https://"+host+"/hook", nil)
		_, err := g.Do(req)
		if (err == nil) != ok {
			t.Errorf("%s: %v", host, err)
		}
	}
	if called != 2 {
		t.Fatalf("%d calls went through", called)
	}
}

// Regression (issue 7, defect 3): on the local stack any loopback port was reachable, so a
// tenant admin could make the chat function POST to the emulators or the Runtime API and read
// the answer back. With the demo bank's port allowed, a flow's webhook to another loopback
// listener is refused when it is dialled, and the bank is still reached.
func TestWebhookLoopbackOnlyNamedPorts(t *testing.T) {
	var emulatorHits atomic.Int64
	emulator := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		emulatorHits.Add(1)
		fmt.Fprint(w, `{"TableNames":["lingxi"]}`)
	}))
	defer emulator.Close()
	bank := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"ok":"yes"}`) }))
	defer bank.Close()
	port := func(u string) uint16 { return netip.MustParseAddrPort(strings.TrimPrefix(u, "http://")).Port() }

	var logs strings.Builder
	s := New(Config{LoopbackWebhookPorts: []uint16{port(bank.URL)}, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	defer s.http.(*http.Client).CloseIdleConnections()
	e := s.engine(botconfig.Settings{WebhookSecret: "whsec_test"})
	run := func(url string) dialog.State {
		t.Helper()
		f, err := dialog.ParseFlow(fmt.Appendf(nil, `{"id":"probe","steps":[
		  {"id":"w","kind":"webhook","url":%q,"retries":0,"result":{"ok":"ok"},"on_success":"ok","on_failure":"fail"},
		  {"id":"ok","kind":"end","outcome":"resolved","text":{"en":"{{ok}}","zh":"{{ok}}"}},
		  {"id":"fail","kind":"end","outcome":"handoff","text":{"en":"no","zh":"不"}}]}`, url))
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		st, _, err := e.Start(t.Context(), f, dialog.StartInput{ConversationID: "c"})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := run(bank.URL + "/lingxi/verify"); st.Outcome != dialog.OutcomeResolved || st.Slots["ok"] != "yes" {
		t.Fatalf("the demo bank's port: %+v\n%s", st, logs.String())
	}
	// By name, so only the dialer's check stands in the way; and by address.
	byName := strings.Replace(emulator.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{byName + "/", emulator.URL + "/"} {
		if st := run(u); st.Outcome != dialog.OutcomeHandoff {
			t.Errorf("%s: outcome %s, want the failure branch", u, st.Outcome)
		}
	}
	if n := emulatorHits.Load(); n != 0 {
		t.Fatalf("the other loopback listener got %d requests", n)
	}
	if !strings.Contains(logs.String(), `msg="webhook attempt failed"`) || !strings.Contains(logs.String(), "is not public: loopback") {
		t.Errorf("no refusal logged:\n%s", logs.String())
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// The running flow is one value in the code, and the stored item keeps its attributes (flow,
// flow_state, flow_intent, turns, total_turns), so conversations stored before still load.
func TestStoredShapeIsUnchanged(t *testing.T) {
	c := Conversation{ID: "cv-1", RunningFlow: RunningFlow{Flow: "f", FlowState: "{}", FlowIntent: "i"},
		Messages: []Message{{Role: events.RoleCustomer, Text: "hi"}}, TotalMessages: 1}
	av, err := attributevalue.MarshalMap(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"flow", "flow_state", "flow_intent", "turns", "total_turns"} {
		if _, ok := av[name]; !ok {
			t.Errorf("no %q attribute: %v", name, av)
		}
	}
	var back Conversation
	if err := attributevalue.UnmarshalMap(av, &back); err != nil || back.RunningFlow != c.RunningFlow || len(back.Messages) != 1 {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	b, _ := json.Marshal(c)
	if strings.Contains(string(b), "flow") {
		t.Errorf("the API shows the running flow: %s", b)
	}
}
