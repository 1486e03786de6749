package dialog_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/dialog"
)

const (
	endStep = `{"id":"end","kind":"end","outcome":"resolved","text":{"en":"Bye.","zh":"再见。"}}`
	askStep = `{"id":"ask","kind":"ask","slot":{"name":"n","type":"number"},"prompt":{"en":"How many?","zh":"几个？"},"on_fail":"end","next":"end"}`
)

// flowDoc builds a flow document from top-level fields (without braces) and
// steps.
func flowDoc(top string, steps ...string) string {
	if top != "" {
		top += ","
	}
	return `{"id":"f",` + top + `"steps":[` + strings.Join(steps, ",") + `]}`
}

func TestParseFlowDemo(t *testing.T) {
	data, err := os.ReadFile("testdata/lost_card.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := dialog.ParseFlow(data)
	if err != nil {
		t.Fatalf("ParseFlow(lost_card.json): %v", err)
	}
	if f.ID != "lost_card" || f.Version != 1 || f.StartStep() != "intro" {
		t.Errorf("got id %q version %d start %q", f.ID, f.Version, f.StartStep())
	}
	if got := f.SlotType("dob"); got != dialog.SlotDate {
		t.Errorf("SlotType(dob) = %q", got)
	}
	if got := f.SlotType("verified"); got != dialog.SlotText {
		t.Errorf("SlotType(verified) = %q, want text (webhook result)", got)
	}
	// A flow marshals back to a document that parses to the same flow.
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := dialog.ParseFlow(out)
	if err != nil {
		t.Fatalf("re-parse of marshalled flow: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(f.Steps, g.Steps) {
		t.Errorf("round trip changed the steps:\n%s", out)
	}
}

func TestParseFlowValid(t *testing.T) {
	tests := map[string]string{
		"minimal":        flowDoc("", endStep),
		"ask":            flowDoc("", askStep, endStep),
		"english only":   flowDoc(`"languages":["en"]`, `{"id":"end","kind":"end","outcome":"resolved","text":{"en":"Bye."}}`),
		"flow on_fail":   flowDoc(`"on_fail":"end"`, `{"id":"ask","kind":"ask","slot":{"name":"n","type":"number"},"prompt":{"en":"?","zh":"？"},"next":"end"}`, endStep),
		"loop via ask":   flowDoc("", askStep[:len(askStep)-len(`"next":"end"}`)]+`"next":"again"}`, `{"id":"again","kind":"say","text":{"en":"Again.","zh":"再来。"},"next":"ask"}`, endStep),
		"http loopback":  flowDoc("", `{"id":"w","kind":"webhook","url":"http://127.0.0.1:8080/hook","on_success":"end","on_failure":"end"}`, endStep),
		"https anywhere": flowDoc("", `{"id":"w","kind":"webhook","url":"https://bank.example.com/hook","timeout_ms":10000,"retries":3,"on_success":"end","on_failure":"end"}`, endStep),
		"template":       flowDoc("", askStep[:len(askStep)-len(`"next":"end"}`)]+`"next":"say"}`, `{"id":"say","kind":"say","text":{"en":"You said {{ n }}.","zh":"您说{{n}}。"},"next":"end"}`, endStep),
		"inputs":         flowDoc(`"inputs":["caller"]`, `{"id":"b","kind":"branch","cases":[{"slot":"caller","op":"exists","next":"end"}],"default":"end"}`, endStep),
		"branch ops": flowDoc("", askStep[:len(askStep)-len(`"next":"end"}`)]+`"next":"b"}`,
			`{"id":"b","kind":"branch","cases":[{"slot":"n","op":"gt","value":3,"next":"end"},{"slot":"n","op":"in","values":[1,"2",true],"next":"end"},{"slot":"n","op":"ne","value":"x","next":"end"},{"slot":"n","op":"missing","next":"end"}],"default":"end"}`, endStep),
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := dialog.ParseFlow([]byte(doc)); err != nil {
				t.Errorf("ParseFlow: %v\n%s", err, doc)
			}
		})
	}
}

func TestParseFlowInvalid(t *testing.T) {
	say := func(id, next string) string {
		return `{"id":"` + id + `","kind":"say","text":{"en":"Hi.","zh":"你好。"},"next":"` + next + `"}`
	}
	hook := func(url string) string {
		return `{"id":"w","kind":"webhook","url":"` + url + `","on_success":"end","on_failure":"end"}`
	}
	tests := map[string]struct {
		doc    string
		field  string
		reason string // a prefix of the reason
	}{
		"unknown slot type": {
			flowDoc("", say("a", "b"), say("b", "c"), say("c", "ask"), `{"id":"ask","kind":"ask","slot":{"name":"colour","type":"colour"},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/3/slot/type", `unknown slot type "colour"`,
		},
		"not an object":       {`[1,2]`, "", "want an object, got a list"},
		"unknown top field":   {flowDoc(`"colour":"red"`, endStep), "/colour", "unknown field"},
		"unknown step field":  {flowDoc("", `{"id":"end","kind":"end","outcome":"resolved","text":{"en":"a","zh":"b"},"colour":1}`), "/steps/0/colour", "unknown field"},
		"field case matters":  {flowDoc(`"Steps":[]`, endStep), "/Steps", "unknown field"},
		"duplicate field":     {`{"id":"f","id":"g","steps":[` + endStep + `]}`, "/id", "duplicate field"},
		"wrong type":          {flowDoc("", `{"id":"s","kind":"say","text":{"en":"a","zh":"b"},"next":3}`, endStep), "/steps/0/next", "want a string, got a number"},
		"text not an object":  {flowDoc("", `{"id":"s","kind":"say","text":"hi","next":"end"}`, endStep), "/steps/0/text", "want a text object"},
		"null":                {flowDoc(`"start":null`, endStep), "/start", "want a string, got null"},
		"fraction for int":    {flowDoc(`"max_attempts":2.5`, endStep), "/max_attempts", "want a whole number"},
		"no id":               {`{"steps":[` + endStep + `]}`, "/id", "required"},
		"bad id":              {`{"id":"Lost Card","steps":[` + endStep + `]}`, "/id", "use 1–64"},
		"no steps":            {flowDoc(""), "/steps", "a flow needs at least one step"},
		"unknown kind":        {flowDoc("", `{"id":"x","kind":"dance"}`, endStep), "/steps/0/kind", `unknown step kind "dance"`},
		"missing target":      {flowDoc("", say("a", "nowhere"), endStep), "/steps/0/next", `no step with id "nowhere"`},
		"missing next":        {flowDoc("", `{"id":"a","kind":"say","text":{"en":"a","zh":"b"}}`, endStep), "/steps/0/next", "required"},
		"duplicate step id":   {flowDoc("", say("end", "end"), endStep), "/steps/1/id", "duplicate step id"},
		"field of other kind": {flowDoc("", `{"id":"a","kind":"say","text":{"en":"a","zh":"b"},"next":"end","url":"https://x.example"}`, endStep), "/steps/0/url", "not allowed in a say step"},
		"slot field of other type": {
			flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"n","type":"number","values":[{"value":"a"}]},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/0/slot/values", "not allowed for a number slot",
		},
		"slot name":        {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"Card-4","type":"text"},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep), "/steps/0/slot/name", "use 1–64"},
		"unreachable":      {flowDoc("", endStep, say("orphan", "end")), "/steps/1", `step "orphan" is unreachable`},
		"loop without ask": {flowDoc("", say("a", "b"), say("b", "a")), "/steps/0", "loop without an ask or confirm step: a → b → a"},
		"branch self loop": {flowDoc("", `{"id":"b","kind":"branch","cases":[{"slot":"x","op":"exists","next":"end"}],"default":"b"}`, endStep, `{"id":"x0","kind":"webhook","url":"https://h.example","result":{"x":"x"},"on_success":"b","on_failure":"b"}`), "/steps/0", "loop without an ask or confirm step: b → b"},
		"webhook loop": {flowDoc("", `{"id":"w","kind":"webhook","url":"https://h.example","on_success":"end","on_failure":"w"}`, endStep),
			"/steps/0", "loop without an ask or confirm step: w → w"},
		"unknown template slot": {flowDoc("", `{"id":"a","kind":"say","text":{"en":"Hi {{name}}","zh":"你好"},"next":"end"}`, endStep), "/steps/0/text/en", `unknown slot "name"`},
		"unclosed template":     {flowDoc("", `{"id":"a","kind":"say","text":{"en":"Hi {{name","zh":"你好"},"next":"end"}`, endStep), "/steps/0/text/en", `template: "{{" without "}}"`},
		"missing language":      {flowDoc("", `{"id":"end","kind":"end","outcome":"resolved","text":{"en":"Bye."}}`), "/steps/0/text/zh", "required: the flow speaks zh"},
		"blank language":        {flowDoc("", `{"id":"end","kind":"end","outcome":"resolved","text":{"en":"Bye.","zh":"  "}}`), "/steps/0/text/zh", "required: the flow speaks zh"},
		"unknown language":      {flowDoc("", `{"id":"end","kind":"end","outcome":"resolved","text":{"en":"Bye.","zh":"再见","fr":"Salut"}}`), "/steps/0/text/fr", `unknown language "fr"`},
		"flow language":         {flowDoc(`"languages":["en","de"]`, endStep), "/languages/1", `unknown language "de"`},
		"http not loopback":     {flowDoc("", hook("http://bank.example.com/hook"), endStep), "/steps/0/url", "must be https"},
		"private address":       {flowDoc("", hook("https://10.0.0.7/hook"), endStep), "/steps/0/url", "must not point at a non-public address"},
		"metadata address":      {flowDoc("", hook("https://169.254.169.254/latest"), endStep), "/steps/0/url", "must not point at a non-public address"},
		"benchmarking address":  {flowDoc("", hook("https://198.18.0.1/hook"), endStep), "/steps/0/url", "must not point at a non-public address (198.18.0.1 is benchmarking (198.18.0.0/15))"},
		"nat64 address":         {flowDoc("", hook("https://[64:ff9b::a00:1]/hook"), endStep), "/steps/0/url", "must not point at a non-public address (64:ff9b::a00:1 is NAT64"},
		"decimal loopback":      {flowDoc("", hook("http://2130706433:8080/hook"), endStep), "/steps/0/url", `"2130706433" is a numeric spelling of 127.0.0.1`},
		"hex private":           {flowDoc("", hook("https://0x0a000001/hook"), endStep), "/steps/0/url", "must not point at a non-public address (10.0.0.1 is private use"},
		"not an address":        {flowDoc("", hook("https://1.2.3.999/hook"), endStep), "/steps/0/url", `"1.2.3.999" ends in a number but is not an IPv4 address`},
		"credentials in url":    {flowDoc("", hook("https://user:pw@bank.example.com/"), endStep), "/steps/0/url", "must not hold a user name"},
		"relative url":          {flowDoc("", hook("/hook"), endStep), "/steps/0/url", "want an absolute https URL"},
		"ftp url":               {flowDoc("", hook("ftp://bank.example.com/"), endStep), "/steps/0/url", "want an absolute https URL"},
		"timeout too long": {flowDoc("", `{"id":"w","kind":"webhook","url":"https://h.example","timeout_ms":20000,"on_success":"end","on_failure":"end"}`, endStep),
			"/steps/0/timeout_ms", "must be between 100 and 10000"},
		"too many retries": {flowDoc("", `{"id":"w","kind":"webhook","url":"https://h.example","retries":9,"on_success":"end","on_failure":"end"}`, endStep),
			"/steps/0/retries", "must be between 0 and 3"},
		"webhook unknown slot": {flowDoc("", `{"id":"w","kind":"webhook","url":"https://h.example","slots":["card"],"on_success":"end","on_failure":"end"}`, endStep),
			"/steps/0/slots/0", `unknown slot "card"`},
		"webhook bad path": {flowDoc("", `{"id":"w","kind":"webhook","url":"https://h.example","result":{"ok":"a..b"},"on_success":"end","on_failure":"end"}`, endStep),
			"/steps/0/result/ok", "want a field path"},
		"branch unknown op": {flowDoc("", askStep[:len(askStep)-len(`"next":"end"}`)]+`"next":"b"}`, `{"id":"b","kind":"branch","cases":[{"slot":"n","op":"like","value":1,"next":"end"}],"default":"end"}`, endStep),
			"/steps/1/cases/0/op", `unknown operator "like"`},
		"branch gt string": {flowDoc("", askStep[:len(askStep)-len(`"next":"end"}`)]+`"next":"b"}`, `{"id":"b","kind":"branch","cases":[{"slot":"n","op":"gt","value":"3","next":"end"}],"default":"end"}`, endStep),
			"/steps/1/cases/0/value", "gt needs a number"},
		"branch in without values": {flowDoc("", askStep[:len(askStep)-len(`"next":"end"}`)]+`"next":"b"}`, `{"id":"b","kind":"branch","cases":[{"slot":"n","op":"in","next":"end"}],"default":"end"}`, endStep),
			"/steps/1/cases/0/values", "required for in"},
		"branch unknown slot": {flowDoc("", `{"id":"b","kind":"branch","cases":[{"slot":"n","op":"exists","next":"end"}],"default":"end"}`, endStep),
			"/steps/0/cases/0/slot", `unknown slot "n"`},
		"branch object value": {flowDoc("", askStep[:len(askStep)-len(`"next":"end"}`)]+`"next":"b"}`, `{"id":"b","kind":"branch","cases":[{"slot":"n","op":"eq","value":{"a":1},"next":"end"}],"default":"end"}`, endStep),
			"/steps/1/cases/0/value", "want a string, number or boolean"},
		"resolved with queue": {flowDoc("", `{"id":"end","kind":"end","outcome":"resolved","queue":"cards","text":{"en":"a","zh":"b"}}`), "/steps/0/queue", "only a handoff has a queue"},
		"unknown outcome":     {flowDoc("", `{"id":"end","kind":"end","outcome":"maybe","text":{"en":"a","zh":"b"}}`), "/steps/0/outcome", `unknown outcome "maybe"`},
		"no on_fail": {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"n","type":"number"},"prompt":{"en":"?","zh":"？"},"next":"end"}`, endStep),
			"/steps/0/on_fail", "required when the flow has no on_fail"},
		"max attempts zero": {flowDoc(`"max_attempts":0`, endStep), "/max_attempts", "must be between 1 and 10"},
		"enum without values": {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"e","type":"enum"},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/0/slot/values", "an enum slot needs at least one value"},
		"enum dtmf clash": {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"e","type":"enum","values":[{"value":"a","dtmf":"1"},{"value":"b","dtmf":"12"}]},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/0/slot/values/1/dtmf", "clashes with /steps/0/slot/values/0/dtmf"},
		"enum duplicate value": {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"e","type":"enum","values":[{"value":"a"},{"value":"a"}]},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/0/slot/values/1/value", "duplicate value"},
		"enum synonym language": {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"e","type":"enum","values":[{"value":"a","synonyms":{"jp":["x"]}}]},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/0/slot/values/0/synonyms/jp", `unknown language "jp"`},
		"slot asked as two types": {flowDoc("", askStep[:len(askStep)-len(`"next":"end"}`)]+`"next":"ask2"}`, `{"id":"ask2","kind":"ask","slot":{"name":"n","type":"date"},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/1/slot/type", `slot "n" is also asked as number`},
		"bad currency": {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"a","type":"amount","currency":"rmb"},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/0/slot/currency", "use an ISO 4217 code"},
		"min above max": {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"a","type":"number","min":5,"max":1},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/0/slot/min", "greater than max"},
		"bad range": {flowDoc("", `{"id":"ask","kind":"ask","slot":{"name":"d","type":"date","range":"soon"},"prompt":{"en":"?","zh":"？"},"on_fail":"end","next":"end"}`, endStep),
			"/steps/0/slot/range", `unknown range "soon"`},
		"escaped pointer": {flowDoc("", `{"id":"w","kind":"webhook","url":"https://h.example","result":{"a/b":"x"},"on_success":"end","on_failure":"end"}`, endStep),
			"/steps/0/result/a~1b", `"a/b" is not a slot name`},
		"too deep": {flowDoc("", `{"id":"b","kind":"branch","cases":[{"slot":"x","op":"eq","value":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`,"next":"end"}],"default":"end"}`, endStep),
			"", "nested more than 32 levels deep"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := dialog.ParseFlow([]byte(tc.doc))
			var fe *dialog.FlowError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseFlow error = %v, want a *FlowError\n%s", err, tc.doc)
			}
			if !errors.Is(err, dialog.ErrInvalidFlow) {
				t.Errorf("error does not match ErrInvalidFlow")
			}
			for _, is := range fe.Issues {
				if is.Field == tc.field && strings.HasPrefix(is.Reason, tc.reason) {
					return
				}
			}
			t.Errorf("issues %v\nwant %s: %s…", fe.Issues, tc.field, tc.reason)
		})
	}
}

func TestParseFlowLimits(t *testing.T) {
	big := flowDoc(`"name":{"en":"`+strings.Repeat("x", dialog.MaxFlowBytes)+`"}`, endStep)
	_, err := dialog.ParseFlow([]byte(big))
	var fe *dialog.FlowError
	if !errors.As(err, &fe) || !strings.Contains(fe.Issues[0].Reason, "the limit is") {
		t.Errorf("oversized flow: %v", err)
	}
	steps := make([]string, dialog.MaxSteps+1)
	for i := range steps {
		steps[i] = endStep
	}
	_, err = dialog.ParseFlow([]byte(flowDoc("", steps...)))
	if !errors.As(err, &fe) || fe.Issues[0].Field != "/steps" {
		t.Errorf("too many steps: %v", err)
	}
	_, err = dialog.ParseFlow([]byte(flowDoc("", `{"id":"end","kind":"end","outcome":"resolved","text":{"en":"`+strings.Repeat("长", dialog.MaxTextRunes+1)+`","zh":"b"}}`)))
	if !errors.As(err, &fe) || fe.Issues[0].Field != "/steps/0/text/en" {
		t.Errorf("long text: %v", err)
	}
	_, err = dialog.ParseFlow([]byte{0xff, 0xfe})
	if !errors.As(err, &fe) || !strings.Contains(fe.Issues[0].Reason, "UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// Every issue is reported, not just the first, and the message names the
// first and counts the rest.
func TestParseFlowReportsAllIssues(t *testing.T) {
	doc := flowDoc(`"colour":1`, `{"id":"a","kind":"say","text":{"en":"a"},"next":"nowhere"}`, endStep)
	_, err := dialog.ParseFlow([]byte(doc))
	var fe *dialog.FlowError
	if !errors.As(err, &fe) {
		t.Fatal(err)
	}
	// The shape pass stops at /colour; fix it and the semantic pass finds
	// the other two.
	if len(fe.Issues) != 1 || fe.Issues[0].Field != "/colour" {
		t.Fatalf("shape issues = %v", fe.Issues)
	}
	doc = flowDoc("", `{"id":"a","kind":"say","text":{"en":"a"},"next":"nowhere"}`, endStep)
	_, err = dialog.ParseFlow([]byte(doc))
	if !errors.As(err, &fe) || len(fe.Issues) != 2 {
		t.Fatalf("issues = %v", err)
	}
	want := `dialog: invalid flow: /steps/0/text/zh: required: the flow speaks zh (and 1 more)`
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
	b, _ := json.Marshal(fe.Issues[1])
	if string(b) != `{"field":"/steps/0/next","reason":"no step with id \"nowhere\""}` {
		t.Errorf("issue JSON = %s", b)
	}
}

// Regression (issue 7, defect 6): data that is not JSON at all is a *SyntaxError with the byte
// offset (the handler answers malformed-body), not a validation issue carrying decoder text.
func TestParseFlowNotJSON(t *testing.T) {
	tests := map[string]struct {
		doc    string
		offset int64
	}{
		"ends early":     {`{"id":`, 6},
		"bad character":  {`{"id":x}`, 5},
		"bare word":      {`flow`, 2},
		"unclosed steps": {`{"id":"f","steps":[`, 19},
		"trailing data":  {`{"id":"f"} {}`, 10},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := dialog.ParseFlow([]byte(tc.doc))
			var se *dialog.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseFlow error = %v, want a *SyntaxError", err)
			}
			if se.Offset != tc.offset || !errors.Is(err, dialog.ErrInvalidFlow) {
				t.Fatalf("offset %d (want %d), is ErrInvalidFlow %v", se.Offset, tc.offset, errors.Is(err, dialog.ErrInvalidFlow))
			}
			var fe *dialog.FlowError
			if errors.As(err, &fe) {
				t.Fatalf("not-JSON is also a FlowError: %v", fe)
			}
		})
	}
}
