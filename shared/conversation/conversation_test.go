package conversation

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
)

func TestTranscriptIsBounded(t *testing.T) {
	var c Conversation
	for i := range 150 {
		c.add(Turn{Role: events.RoleCustomer, Text: strings.Repeat("x", i%7+1)})
	}
	if len(c.Turns) != MaxTurns || c.TotalTurns != 150 || !c.Truncated() {
		t.Fatalf("kept %d of %d", len(c.Turns), c.TotalTurns)
	}
	// Long messages: the byte bound trims more.
	var d Conversation
	long := strings.Repeat("好", MaxTextRunes) // 12 KB
	for range 30 {
		d.add(Turn{Role: events.RoleCustomer, Text: long})
	}
	size := 0
	for _, tr := range d.Turns {
		size += len(tr.Text)
	}
	if size > MaxTranscriptBytes || len(d.Turns) != MaxTranscriptBytes/len(long) {
		t.Fatalf("kept %d turns, %d bytes", len(d.Turns), size)
	}
	// The event carries a tail that fits its own bound, oldest first.
	tr := d.eventTranscript()
	if len(tr) == 0 || len(tr) >= len(d.Turns) {
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
		{botconfig.LangZH, "I lost my card", botconfig.LangEN}, // a sentence switches
		{botconfig.LangEN, "转人工", botconfig.LangZH},
	}
	for _, tc := range tests {
		if got := follow(tc.current, tc.text); got != tc.want {
			t.Errorf("follow(%q, %q) = %q, want %q", tc.current, tc.text, got, tc.want)
		}
	}
	if got := say(botconfig.Text{botconfig.LangEN: "Hi", botconfig.LangZH: "你好"}, ""); got != "你好\nHi" {
		t.Errorf("unknown language says %q", got)
	}
}

// Webhooks go only to hosts the tenant allows, and production's client refuses private
// addresses and redirects.
func TestWebhookGuards(t *testing.T) {
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
	for addr, want := range map[string]bool{"8.8.8.8": true, "127.0.0.1": false, "10.1.2.3": false, "169.254.169.254": false,
		"192.168.1.1": false, "100.64.0.1": false, "::1": false, "fd00::1": false, "2001:4860:4860::8888": true, "::ffff:10.0.0.1": false} {
		if got := public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("public(%s) = %v", addr, got)
		}
	}
	c := NewWebhookClient(false)
	if c.CheckRedirect == nil || c.Timeout == 0 {
		t.Fatal("webhook client follows redirects or has no timeout")
	}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/", nil)
	if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "not public") {
		t.Fatalf("dialled loopback: %v", err)
	}
	// The local stack's client reaches loopback, and still nothing private.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	local := NewWebhookClient(true)
	req, _ = http.NewRequest("GET", srv.URL, nil)
	resp, err := local.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("local client to loopback: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("GET", "http://10.0.0.1:1/", nil)
	if _, err := local.Do(req); err == nil || !strings.Contains(err.Error(), "not public") {
		t.Fatalf("local client dialled a private address: %v", err)
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
