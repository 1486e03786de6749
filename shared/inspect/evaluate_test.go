package inspect

import (
	"strings"
	"testing"
)

func f64(f float64) *float64 { return &f }

// chat is a transcript of chat turns at the given seconds.
func chat(turns ...any) []Turn {
	var out []Turn
	for i := 0; i+2 < len(turns)+1; i += 3 {
		ms := int64(turns[i+2].(int)) * 1000
		out = append(out, Turn{Speaker: turns[i].(Speaker), Text: turns[i+1].(string), StartMS: ms, EndMS: ms})
	}
	return out
}

func TestEvaluateRules(t *testing.T) {
	good := chat(
		Customer, "我的卡丢了", 0,
		Agent, "您好，很高兴为您服务", 5,
		Agent, "请先核实一下您的身份，预留手机号是多少", 10,
		Customer, "13812345678", 30,
		Agent, "好的，已经为您挂失", 40,
		Agent, "还有什么可以帮您？", 50,
		Customer, "没有了谢谢", 55,
	)
	tests := map[string]struct {
		rule           Rule
		tr             []Turn
		applicable     bool
		violationTurns []int
	}{
		"greeting said":          {Rule{ID: "r", Kind: RequiredPhrase, Speaker: Agent, Within: First, Turns: 1, Phrases: []string{"您好"}}, good, true, nil},
		"greeting too late":      {Rule{ID: "r", Kind: RequiredPhrase, Speaker: Agent, Within: First, Turns: 1, Phrases: []string{"核实"}}, good, true, []int{-1}},
		"identity within 2":      {Rule{ID: "r", Kind: RequiredPhrase, Speaker: Agent, Within: First, Turns: 2, Phrases: []string{"核实"}}, good, true, nil},
		"closing in last":        {Rule{ID: "r", Kind: RequiredPhrase, Speaker: Agent, Within: Last, Turns: 1, Phrases: []string{"还有什么可以帮您"}}, good, true, nil},
		"closing missing":        {Rule{ID: "r", Kind: RequiredPhrase, Speaker: Agent, Within: Last, Turns: 1, Phrases: []string{"goodbye"}}, good, true, []int{-1}},
		"required, no agent":     {Rule{ID: "r", Kind: RequiredPhrase, Speaker: Agent, Within: First, Turns: 1, Phrases: []string{"hi"}}, chat(Customer, "hi", 0, Bot, "hello", 1), false, nil},
		"forbidden by agent":     {Rule{ID: "r", Kind: ForbiddenPhrase, Speaker: Agent, Phrases: []string{"不归我管"}}, chat(Agent, "您好", 0, Agent, "这个不归我管", 5), true, []int{1}},
		"forbidden by customer":  {Rule{ID: "r", Kind: ForbiddenPhrase, Speaker: Agent, Phrases: []string{"不归我管"}}, chat(Agent, "您好", 0, Customer, "这个不归我管吗", 5), true, nil},
		"forbidden any":          {Rule{ID: "r", Kind: ForbiddenPhrase, Speaker: Any, Phrases: []string{"shut up"}}, chat(Customer, "SHUT UP", 0, Bot, "ok", 1, Agent, "shut up", 2), true, []int{0, 2}},
		"card by customer":       {Rule{ID: "r", Kind: CardNumber, Speaker: Customer}, chat(Customer, "4111 1111 1111 1111", 0), true, []int{0}},
		"masked card counts":     {Rule{ID: "r", Kind: CardNumber, Speaker: Customer}, []Turn{{Speaker: Customer, Text: "**** **** **** 1111", Cards: 1}}, true, []int{0}},
		"card by agent only":     {Rule{ID: "r", Kind: CardNumber, Speaker: Agent}, chat(Customer, "4111 1111 1111 1111", 0, Agent, "thanks", 1), true, nil},
		"negative below":         {Rule{ID: "r", Kind: NegativeEmotion, Speaker: Customer, Threshold: f64(-0.5)}, []Turn{{Speaker: Customer, Sentiment: f64(-0.8)}, {Speaker: Customer, Sentiment: f64(-0.2)}}, true, []int{0}},
		"negative unscored":      {Rule{ID: "r", Kind: NegativeEmotion, Speaker: Customer, Threshold: f64(-0.5)}, chat(Customer, "terrible", 0), false, nil},
		"silence after agent":    {Rule{ID: "r", Kind: Silence, Seconds: 30}, chat(Customer, "hi", 0, Agent, "hello", 100, Customer, "?", 200, Agent, "sorry", 210), true, []int{2}},
		"queue wait not silence": {Rule{ID: "r", Kind: Silence, Seconds: 30}, chat(Customer, "hi", 0, Agent, "hello", 100, Customer, "ok", 110), true, nil},
		"silence, no agent":      {Rule{ID: "r", Kind: Silence, Seconds: 30}, chat(Customer, "hi", 0, Customer, "hello?", 100), false, nil},
		"talk over":              {Rule{ID: "r", Kind: TalkOver}, []Turn{{Speaker: Customer, StartMS: 0, EndMS: 5000}, {Speaker: Agent, StartMS: 3000, EndMS: 6000}, {Speaker: Customer, StartMS: 5800, EndMS: 7000}}, true, []int{1}},
		"talk over min overlap":  {Rule{ID: "r", Kind: TalkOver, MinOverlapMS: 100}, []Turn{{Speaker: Customer, StartMS: 0, EndMS: 5000}, {Speaker: Agent, StartMS: 3000, EndMS: 6000}, {Speaker: Customer, StartMS: 5800, EndMS: 7000}}, true, []int{1, 2}},
		"talk over, caller only": {Rule{ID: "r", Kind: TalkOver}, []Turn{{Speaker: Customer, StartMS: 0, EndMS: 5000}, {Speaker: Customer, StartMS: 3000, EndMS: 6000}}, false, nil},
		"talk over, chat":        {Rule{ID: "r", Kind: TalkOver}, good, false, nil},
		"share in range":         {Rule{ID: "r", Kind: SpeakingShare, Min: f64(0.2), Max: f64(0.8)}, chat(Agent, "one two three", 0, Customer, "four five", 1), true, nil},
		"share too high":         {Rule{ID: "r", Kind: SpeakingShare, Max: f64(0.5)}, chat(Agent, "one two three four", 0, Customer, "five", 1, Bot, "a b c d e f g h", 2), true, []int{-1}},
		"share too low, zh":      {Rule{ID: "r", Kind: SpeakingShare, Min: f64(0.3)}, chat(Agent, "好", 0, Customer, "我的卡丢了怎么办", 1), true, []int{-1}},
		"share by time":          {Rule{ID: "r", Kind: SpeakingShare, Max: f64(0.5), Measure: ByTime}, []Turn{{Speaker: Agent, EndMS: 9000}, {Speaker: Customer, StartMS: 9000, EndMS: 10000}}, true, []int{-1}},
		"share by time, no time": {Rule{ID: "r", Kind: SpeakingShare, Max: f64(0.5), Measure: ByTime}, good, false, nil},
		"share, no agent":        {Rule{ID: "r", Kind: SpeakingShare, Max: f64(0.5)}, chat(Customer, "hello", 0), false, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.rule.Weight = 10
			out := Evaluate(Form{ID: "f", Rules: []Rule{tc.rule}}, tc.tr)
			res := out.Rules[0]
			var turns []int
			for _, v := range out.Violations {
				turns = append(turns, v.Turn)
				if v.RuleID != "r" || v.Kind != tc.rule.Kind || v.Detail == "" {
					t.Fatalf("violation %+v", v)
				}
			}
			if res.Applicable != tc.applicable || !equalInts(turns, tc.violationTurns) || res.Passed != (len(turns) == 0) || res.Violations != len(turns) {
				t.Fatalf("result %+v, violations at %v; want applicable %v, violations at %v", res, turns, tc.applicable, tc.violationTurns)
			}
			if !tc.applicable && res.Note == "" {
				t.Fatal("a rule that does not apply says why")
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Live raises what the newest turn breaks of the live rules, never an end-of-contact rule.
func TestLive(t *testing.T) {
	f := DefaultForm()
	tr := chat(Customer, "hi", 0, Agent, "这个不归我管，卡号4111 1111 1111 1111", 5)
	vs := Live(f, tr, 1)
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.RuleID)
		if !v.Kind.Live() {
			t.Fatalf("live raised an end-of-contact rule: %+v", v)
		}
	}
	if strings.Join(ids, ",") != "forbidden-words,agent-card-number" {
		t.Fatalf("live violations %v", ids)
	}
	if len(Live(f, tr, 0)) != 0 {
		t.Fatal("the customer's hi broke a rule")
	}
}

func TestScore(t *testing.T) {
	tests := map[string]struct {
		rules []RuleResult
		want  float64
	}{
		"all passed":      {[]RuleResult{{Weight: 10, Applicable: true, Passed: true}, {Weight: 30, Applicable: true, Passed: true}}, 100},
		"weighted":        {[]RuleResult{{Weight: 10, Applicable: true, Passed: false}, {Weight: 30, Applicable: true, Passed: true}}, 75},
		"not applicable":  {[]RuleResult{{Weight: 10, Applicable: false}, {Weight: 30, Applicable: true, Passed: false}}, 0},
		"weight 0 alerts": {[]RuleResult{{Weight: 0, Applicable: true, Passed: false}, {Weight: 30, Applicable: true, Passed: true}}, 100},
		"nothing applies": {[]RuleResult{{Weight: 10}}, 100},
		"one decimal":     {[]RuleResult{{Weight: 1, Applicable: true, Passed: true}, {Weight: 2, Applicable: true}}, 33.3},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Score(tc.rules); got != tc.want {
				t.Fatalf("Score = %v, want %v", got, tc.want)
			}
		})
	}
}

// A supervisor's overrides change the verdicts they name and only those; the automatic results
// stay as they were; an unknown rule is reported.
func TestRescore(t *testing.T) {
	auto := []RuleResult{{RuleID: "a", Weight: 50, Applicable: true, Passed: false}, {RuleID: "b", Weight: 50, Applicable: false}}
	rules, score, unknown := Rescore(auto, []Override{{RuleID: "a", Passed: true}, {RuleID: "b", Passed: false}, {RuleID: "zz", Passed: true}})
	if score != 50 || !rules[0].Passed || !rules[1].Applicable || rules[1].Passed || len(unknown) != 1 || unknown[0] != 2 {
		t.Fatalf("rescore %+v %v %v", rules, score, unknown)
	}
	if auto[0].Passed || auto[1].Applicable {
		t.Fatal("the automatic results changed")
	}
}

// The default form checks, and a chat of a courteous agent passes it whole.
func TestDefaultForm(t *testing.T) {
	f := DefaultForm()
	if errs := f.Check(""); len(errs) != 0 {
		t.Fatalf("the default form does not check: %v", errs)
	}
	tr := chat(
		Customer, "hello, I lost my card this morning on the bus and I am worried", 0,
		Agent, "Hello, thank you for contacting us. How can I help?", 5,
		Agent, "First I need to verify your identity: your date of birth please", 10,
		Customer, "sure, it is the first of May 1990 and my name is Li Wei", 20,
		Agent, "Thanks, the card is blocked and a new one is on its way", 30,
		Agent, "Is there anything else I can help with? Have a nice day", 40,
	)
	out := Evaluate(f, tr)
	if out.Score != 100 || len(out.Violations) != 0 {
		t.Fatalf("a good chat scored %v: %+v", out.Score, out.Violations)
	}
	rude := append(tr[:3:3], Turn{Speaker: Agent, Text: "Not my problem, whatever", StartMS: 50000, EndMS: 50000})
	out = Evaluate(f, rude)
	failed := map[string]bool{}
	for _, r := range out.Rules {
		if r.Applicable && !r.Passed {
			failed[r.RuleID] = true
		}
	}
	if !failed["forbidden-words"] || !failed["closing"] || out.Score >= 100 {
		t.Fatalf("a rude chat: score %v, failed %v", out.Score, failed)
	}
}

func TestFormCheck(t *testing.T) {
	tests := map[string]struct {
		rule  Rule
		field string
	}{
		"bad id":                {Rule{ID: "Bad Id", Kind: CardNumber, Speaker: Any}, "/rules/0/id"},
		"unknown kind":          {Rule{ID: "r", Kind: "mood"}, "/rules/0/kind"},
		"weight":                {Rule{ID: "r", Kind: CardNumber, Speaker: Any, Weight: 101}, "/rules/0/weight"},
		"no speaker":            {Rule{ID: "r", Kind: CardNumber}, "/rules/0/speaker"},
		"speaker on silence":    {Rule{ID: "r", Kind: Silence, Seconds: 5, Speaker: Agent}, "/rules/0/speaker"},
		"no phrases":            {Rule{ID: "r", Kind: ForbiddenPhrase, Speaker: Agent}, "/rules/0/phrases"},
		"empty phrase":          {Rule{ID: "r", Kind: ForbiddenPhrase, Speaker: Agent, Phrases: []string{"ok", "！！"}}, "/rules/0/phrases/1"},
		"no window":             {Rule{ID: "r", Kind: RequiredPhrase, Speaker: Agent, Phrases: []string{"hi"}, Turns: 2}, "/rules/0/within"},
		"no turns":              {Rule{ID: "r", Kind: RequiredPhrase, Speaker: Agent, Phrases: []string{"hi"}, Within: First}, "/rules/0/turns"},
		"silence zero":          {Rule{ID: "r", Kind: Silence}, "/rules/0/seconds"},
		"threshold missing":     {Rule{ID: "r", Kind: NegativeEmotion, Speaker: Customer}, "/rules/0/threshold"},
		"threshold out":         {Rule{ID: "r", Kind: NegativeEmotion, Speaker: Customer, Threshold: f64(-2)}, "/rules/0/threshold"},
		"share without bounds":  {Rule{ID: "r", Kind: SpeakingShare}, "/rules/0/min"},
		"share min over max":    {Rule{ID: "r", Kind: SpeakingShare, Min: f64(0.9), Max: f64(0.1)}, "/rules/0/max"},
		"share measure":         {Rule{ID: "r", Kind: SpeakingShare, Max: f64(0.5), Measure: "bytes"}, "/rules/0/measure"},
		"threshold on a phrase": {Rule{ID: "r", Kind: ForbiddenPhrase, Speaker: Agent, Phrases: []string{"x"}, Threshold: f64(0)}, "/rules/0/threshold"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs := Form{ID: "f", Name: "F", Rules: []Rule{tc.rule}}.Check("")
			found := false
			for _, e := range errs {
				found = found || e.Field == tc.field
			}
			if !found {
				t.Fatalf("errors %v do not point at %s", errs, tc.field)
			}
		})
	}
	dup := Form{ID: "f", Name: "F", Rules: []Rule{{ID: "r", Kind: CardNumber, Speaker: Any}, {ID: "r", Kind: CardNumber, Speaker: Any}}}
	if errs := dup.Check(""); len(errs) != 1 || errs[0].Field != "/rules/1/id" {
		t.Fatalf("a repeated rule id: %v", errs)
	}
	if errs := (Form{ID: "f", Name: " "}).Check("/x"); len(errs) != 2 || errs[0].Field != "/x/name" {
		t.Fatalf("an empty form: %v", errs)
	}
}

// BenchmarkEvaluate scores a 60-turn chat with the default form (the work of one contact's end).
func BenchmarkEvaluate(b *testing.B) {
	f := DefaultForm()
	var tr []Turn
	for i := range 30 {
		ms := int64(i) * 20000
		tr = append(tr, Turn{Speaker: Customer, Text: "我的卡昨天丢了，卡号是 4111 1111 1111 1111，请帮我挂失", StartMS: ms, EndMS: ms, Sentiment: f64(-0.4)},
			Turn{Speaker: Agent, Text: "您好，很高兴为您服务。请先核实一下您的身份，还有什么可以帮您？", StartMS: ms + 5000, EndMS: ms + 5000, Sentiment: f64(0.5)})
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(f, tr)
	}
}
