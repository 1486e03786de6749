package botconfig

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/nlu"
)

func fields(p Problems) []string {
	out := make([]string, len(p))
	for i, e := range p {
		out[i] = e.Field
	}
	return out
}

func TestIntentValidate(t *testing.T) {
	tests := map[string]struct {
		in   Intent
		want []string
	}{
		"fine":          {Intent{ID: "card_lost", Examples: []string{"lost card", "卡丢了"}, Answer: Text{LangEN: "ok"}, Queue: "cards"}, nil},
		"bad id":        {Intent{ID: "Card Lost", Examples: []string{"a"}}, []string{"/id"}},
		"no examples":   {Intent{ID: "x"}, []string{"/examples"}},
		"bad examples":  {Intent{ID: "x", Examples: []string{"a", " ", "A", "tab\tok", "bell\a", strings.Repeat("x", MaxUtteranceLen+1)}}, []string{"/examples/1", "/examples/2", "/examples/4", "/examples/5"}},
		"too many":      {Intent{ID: "x", Examples: make([]string, MaxExamples+1)}, []string{"/examples"}},
		"languages":     {Intent{ID: "x", Examples: []string{"a"}, Answer: Text{"fr": "x", LangZH: ""}}, []string{"/answer/zh", "/answer/fr"}},
		"refs":          {Intent{ID: "x", Examples: []string{"a"}, Flow: "Bad", Queue: "a b"}, []string{"/flow", "/queue"}},
		"description":   {Intent{ID: "x", Examples: []string{"a"}, Description: strings.Repeat("d", MaxDescriptionLen+1)}, []string{"/description"}},
		"oos answers":   {Intent{ID: OutOfScopeIntent, Examples: []string{"weather"}, Answer: Text{LangEN: "no"}, Queue: "q"}, []string{"/answer", "/queue"}},
		"oos examples":  {Intent{ID: OutOfScopeIntent, Examples: []string{"weather"}}, nil},
		"bytes":         {Intent{ID: "x", Examples: bigList(800, 400)}, []string{"/examples"}},
		"pointer token": {Intent{ID: "x", Examples: []string{"a"}, Answer: Text{"a/b": "x"}}, []string{"/answer/a~1b"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fields(tc.in.Validate()); !slices.Equal(got, tc.want) {
				t.Fatalf("problems at %v, want %v", got, tc.want)
			}
		})
	}
}

// bigList returns n distinct texts of about size characters each.
func bigList(n, size int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strings.Repeat("长", size-8) + strings.Repeat("x", i%8) + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
	}
	return out
}

func TestArticleValidate(t *testing.T) {
	from := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	before := from.Add(-time.Hour)
	ok := Article{ID: "fees", Questions: []string{"fees?"}, Answer: Text{LangZH: "1%"}}
	with := func(f func(*Article)) Article { a := ok; f(&a); return a }
	tests := map[string]struct {
		a    Article
		want []string
	}{
		"fine":      {ok, nil},
		"answer":    {with(func(a *Article) { a.Answer = nil }), []string{"/answer"}},
		"channels":  {with(func(a *Article) { a.ChannelAnswers = map[Channel]Text{ChannelVoice: {}, "sms": {LangEN: "x"}} }), []string{"/channel_answers/voice", "/channel_answers/sms"}},
		"period":    {with(func(a *Article) { a.ValidFrom, a.ValidUntil = &from, &before }), []string{"/valid_until"}},
		"open ends": {with(func(a *Article) { a.ValidFrom = &from }), nil},
		"tags":      {with(func(a *Article) { a.Tags = []string{"信用卡", "a b", "信用卡", ""} }), []string{"/tags/1", "/tags/2", "/tags/3"}},
		"questions": {with(func(a *Article) { a.Questions = []string{"q", "Q "} }), []string{"/questions/1"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fields(tc.a.Validate()); !slices.Equal(got, tc.want) {
				t.Fatalf("problems at %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	s := Settings{
		Greeting: Text{LangEN: "Hi"}, DefaultQueue: "general", LowConfidenceTurns: 11, IdleTimeoutSeconds: 59,
		HandoffRules: []AttributeRule{{Attribute: "tier", Values: []string{"vip"}, Queue: "vip"}, {Attribute: "Tier", Values: nil, Queue: ""}},
		WebhookHosts: []string{"api.example.com", "*.example.com", "127.0.0.1", "https://x.example.com", "nodots", "api.example.com"},
	}
	want := []string{"/handoff_rules/1/attribute", "/handoff_rules/1/values", "/handoff_rules/1/queue",
		"/low_confidence_turns", "/idle_timeout_seconds", "/webhook_hosts/3", "/webhook_hosts/4", "/webhook_hosts/5"}
	if got := fields(s.Validate()); !slices.Equal(got, want) {
		t.Fatalf("problems at %v, want %v", got, want)
	}
	for secs, want := range map[int]time.Duration{0: DefaultIdleTimeout, 60: time.Minute, 86400: 24 * time.Hour} {
		s := Settings{IdleTimeoutSeconds: secs}
		if len(s.Validate()) != 0 || s.IdleTimeout() != want {
			t.Errorf("idle_timeout_seconds %d: %v, timeout %s", secs, s.Validate(), s.IdleTimeout())
		}
	}
	if s := (Settings{IdleTimeoutSeconds: 86401}); len(s.Validate()) != 1 {
		t.Errorf("idle_timeout_seconds 86401 accepted")
	}
}

// Regression (issue 7, defect 3): webhook_hosts took any IP address and numeric spellings such
// as 127.1 (as a name). They go through the egress policy's save-time check.
func TestSettingsWebhookHostsEgress(t *testing.T) {
	for host, ok := range map[string]bool{
		"api.example.com": true, "*.example.com": true, "localhost": true, "127.0.0.1": true, "::1": true,
		"8.8.8.8": true, "2606:4700::1111": true,
		"10.0.0.1": false, "169.254.169.254": false, "198.18.0.1": false, "100.64.0.1": false,
		"64:ff9b::a00:1": false, "fd00::1": false, "::ffff:10.0.0.1": false, "127.1": false,
		"2130706433": false, "0x7f000001": false, "0177.0.0.1": false, "1.2.3.999": false,
		"*.10.0.0.1": false, "*.127.0.0.1": false, "evil.localhost": false,
	} {
		p := Settings{WebhookHosts: []string{host}}.Validate()
		if (len(p) == 0) != ok {
			t.Errorf("webhook_hosts [%q]: %v, want accepted %v", host, p, ok)
		}
	}
}

func TestWebhookHostAllowed(t *testing.T) {
	open := Settings{}
	if !open.WebhookHostAllowed("anything.example") {
		t.Fatal("empty webhook_hosts allows any host")
	}
	s := Settings{WebhookHosts: []string{"api.acme.example", "*.internal.acme.example"}}
	for host, want := range map[string]bool{
		"api.acme.example": true, "API.acme.example.": true, "crm.internal.acme.example": true,
		"internal.acme.example": false, "evil-internal.acme.example": false, "acme.example": false, "other.example": false,
	} {
		if got := s.WebhookHostAllowed(host); got != want {
			t.Errorf("%s: %v, want %v", host, got, want)
		}
	}
}

func TestModelVersionsSortByTime(t *testing.T) {
	t0 := time.Date(2025, 6, 3, 10, 13, 4, 882e6, time.FixedZone("CST", 8*3600))
	a, err := NewModelVersion(t0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewModelVersion(t0.Add(time.Millisecond))
	if !strings.HasPrefix(a, "20250603T021304.882Z-") || !ValidModelVersion(a) || a >= b {
		t.Fatalf("versions %q, %q", a, b)
	}
	for _, bad := range []string{"", "latest", "20250603T021304.882Z", "../20250603T021304.882Z-abcdef"} {
		if ValidModelVersion(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := ModelKey("acme", a); got != "models/acme/nlu/"+a+".bin" {
		t.Fatalf("key %q", got)
	}
}

func TestEvaluationFrom(t *testing.T) {
	r := nlu.Report{
		N: 10, Accuracy: 0.812345, MacroF1: 0.7, InScopeN: 8, OOSN: 2, OOSRecall: 0.5, OOSPrecision: 1.0 / 3,
		Intents: []nlu.IntentReport{
			{Intent: "a", Precision: 1, Recall: 0.75, Support: 4, Predicted: 3},
			{Intent: "oos", Recall: 0.5, Support: 2, Predicted: 3},
		},
		Confusions: []nlu.Confusion{{True: "a", Predicted: "oos", Count: 1}},
	}
	e := EvaluationFrom(r, "m")
	if e.Accuracy != 0.8123 || e.Rejected != 2 || len(e.Intents) != 2 || e.OutOfScope == nil || e.OutOfScope.Precision != 0.3333 ||
		e.ConfusedPairs[0] != (ConfusedPair{Intent: "a", PredictedAs: "oos", Count: 1}) {
		t.Fatalf("%+v", e)
	}
	// Without out-of-scope examples the "oos" label is only a prediction: no row, no OOS figures.
	r.OOSN, r.Intents[1].Support, r.Intents[1].Recall = 0, 0, 0
	if e := EvaluationFrom(r, "m"); len(e.Intents) != 1 || e.OutOfScope != nil || e.Rejected != 3 {
		t.Fatalf("%+v", e)
	}
}

// The voice menu: keys 1–9, each once, never "0" (the operator), intents by valid id, at most nine
// entries, short one-line labels; every bad field reported at once.
func TestVoiceMenuValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		menu []MenuEntry
		want []string
	}{
		"good": {menu: []MenuEntry{{Digit: "1", Intent: "lost_card", Label: Text{LangZH: "银行卡挂失", LangEN: "a lost or stolen card"}}, {Digit: "9", Intent: "balance"}}},
		"bad digit": {menu: []MenuEntry{{Digit: "12", Intent: "a"}, {Digit: "*", Intent: "b"}, {Digit: "", Intent: "c"}, {Digit: "一", Intent: "d"}},
			want: []string{"/voice_menu/0/digit", "/voice_menu/1/digit", "/voice_menu/2/digit", "/voice_menu/3/digit"}},
		"duplicate digit": {menu: []MenuEntry{{Digit: "1", Intent: "a"}, {Digit: "2", Intent: "b"}, {Digit: "1", Intent: "c"}},
			want: []string{"/voice_menu/2/digit"}},
		"0 is the operator": {menu: []MenuEntry{{Digit: "0", Intent: "a"}}, want: []string{"/voice_menu/0/digit"}},
		"bad intent": {menu: []MenuEntry{{Digit: "1", Intent: ""}, {Digit: "2", Intent: "Lost Card"}, {Digit: "3", Intent: OutOfScopeIntent}},
			want: []string{"/voice_menu/0/intent", "/voice_menu/1/intent", "/voice_menu/2/intent"}},
		"every bad field": {menu: []MenuEntry{{Digit: "0", Intent: "x y", Label: Text{LangEN: "two\nlines", "fr": "carte"}}},
			want: []string{"/voice_menu/0/digit", "/voice_menu/0/intent", "/voice_menu/0/label/fr", "/voice_menu/0/label/en"}},
		"long label": {menu: []MenuEntry{{Digit: "1", Intent: "a", Label: Text{LangZH: strings.Repeat("卡", MaxMenuLabelLen+1)}}},
			want: []string{"/voice_menu/0/label/zh"}},
		"10 entries": {menu: func() []MenuEntry {
			var m []MenuEntry
			for i := range 10 {
				m = append(m, MenuEntry{Digit: strconv.Itoa(i%9 + 1), Intent: "a"})
			}
			return m
		}(), want: []string{"/voice_menu"}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := fields(Settings{VoiceMenu: tc.menu}.Validate()); !slices.Equal(got, tc.want) {
				t.Fatalf("problems at %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMenuIntent(t *testing.T) {
	s := Settings{VoiceMenu: []MenuEntry{{Digit: "1", Intent: "lost_card"}, {Digit: "2", Intent: "balance"}}}
	for digits, want := range map[string]string{"1": "lost_card", "2": "balance", "3": "", "0": "", "12": "", "": "", "1#": ""} {
		e, ok := s.MenuIntent(digits)
		if e.Intent != want || ok != (want != "") {
			t.Errorf("%q picks %q %v, want %q", digits, e.Intent, ok, want)
		}
	}
}
