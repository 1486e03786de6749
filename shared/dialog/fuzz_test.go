package dialog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"regexp"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/dialog"
)

// FuzzParseFlow feeds arbitrary documents to ParseFlow: it never panics;
// it either returns a *FlowError with 1–50 issues or a flow that marshals
// back to a document that parses to the same flow, and that the engine can
// run (start and a few turns) without an error or a runaway turn.
func FuzzParseFlow(f *testing.F) {
	lost, err := os.ReadFile("testdata/lost_card.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(lost)
	f.Add([]byte(transferFlow))
	f.Add([]byte(flowDoc("", endStep)))
	f.Add([]byte(flowDoc("", askStep, endStep)))
	f.Add([]byte(`{"id":`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"id":"f","steps":[{"id":"a","kind":"say","text":{"en":"a","zh":"b"},"next":"a"}]}`))
	e := newEngine(dialog.Config{MaxStepsPerTurn: 2 * dialog.MaxSteps})
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := dialog.ParseFlow(data)
		if err != nil {
			if se, ok := errors.AsType[*dialog.SyntaxError](err); ok {
				if se.Offset < 0 || se.Offset > int64(len(data)) {
					t.Fatalf("syntax error offset %d outside %d bytes", se.Offset, len(data))
				}
				return
			}
			var fe *dialog.FlowError
			if !errors.As(err, &fe) || len(fe.Issues) == 0 || len(fe.Issues) > 50 {
				t.Fatalf("error %v is neither a SyntaxError nor a FlowError with 1–50 issues", err)
			}
			for _, is := range fe.Issues {
				if is.Reason == "" || !utf8.ValidString(is.Field+is.Reason) {
					t.Fatalf("bad issue %+v", is)
				}
			}
			return
		}
		out, err := json.Marshal(fl)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		g, err := dialog.ParseFlow(out)
		if err != nil {
			t.Fatalf("the marshalled flow does not parse: %v\n%s", err, out)
		}
		if again, _ := json.Marshal(g); !bytes.Equal(out, again) {
			t.Fatalf("round trip changed the flow:\n%s\n%s", out, again)
		}
		// Webhooks fail at once (no HTTP client): the flow still runs.
		st, _, err := e.Start(t.Context(), fl, dialog.StartInput{Text: "ending 1234"})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		for i := 0; i < 4 && !st.Done; i++ {
			in := []dialog.Input{{Text: "yes"}, {DTMF: "1"}, {}, {Text: "1234"}}[i]
			var outs []dialog.Output
			if st, outs, err = e.Turn(t.Context(), fl, st, in); err != nil {
				t.Fatalf("Turn %d: %v", i, err)
			}
			if len(outs) == 0 {
				t.Fatalf("Turn %d gave no output", i)
			}
		}
	})
}

var (
	reE164  = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	reLast4 = regexp.MustCompile(`^[0-9]{4}$`)
	reISO   = regexp.MustCompile(`^[A-Z]{3}$`)
)

// FuzzExtract runs every extractor on arbitrary text: none panics and each
// result has its documented form.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"I lost my card ending 1234", "尾号一二三四", "¥500", "五块五", "twenty dollars and fifty cents",
		"+86 138 1234 5678", "幺三八幺二三四五六七八", "下周一", "2025年11月21日", "the twenty-first of November",
		"一亿三千万", "1.5万元", "three point one four", "不是借记卡，是信用卡", "１２３４", "13812345678 1234",
		"9999999999999999999999", "点点点", "万万亿亿", "0.5.5.5", "1,2,3,,", "a hundred thousand million",
	} {
		f.Add(s)
	}
	values := []dialog.EnumValue{
		{Value: "dob", Synonyms: map[dialog.Lang][]string{dialog.LangEn: {"birthday"}, dialog.LangZh: {"生日"}}},
		{Value: "phone", Synonyms: map[dialog.Lang][]string{dialog.LangEn: {"phone number"}, dialog.LangZh: {"手机"}}},
	}
	f.Fuzz(func(t *testing.T, text string) {
		if l := dialog.DetectLanguage(text); l != dialog.LangUnknown && !l.Valid() {
			t.Fatalf("DetectLanguage = %q", l)
		}
		if dialog.IsYes(text) && dialog.IsNo(text) {
			t.Fatalf("%q is both yes and no", text)
		}
		if n, ok := dialog.ExtractNumber(text); ok && (n < 0 || n > 1e15 || math.IsNaN(n)) {
			t.Fatalf("ExtractNumber = %v", n)
		}
		if a, ok := dialog.ExtractAmount(text); ok && (a.Minor < 0 || (a.Currency != "" && !reISO.MatchString(a.Currency))) {
			t.Fatalf("ExtractAmount = %+v", a)
		}
		if d, ok := dialog.ExtractDate(text, testNow, testNow.Location()); ok && (d.Year() < 1800 || d.Year() > 2300 || d.Hour() != 0) {
			t.Fatalf("ExtractDate = %v", d)
		}
		if p, ok := dialog.ExtractPhone(text); ok && !reE164.MatchString(p) {
			t.Fatalf("ExtractPhone = %q", p)
		}
		if c, ok := dialog.ExtractCardLast4(text); ok && !reLast4.MatchString(c) {
			t.Fatalf("ExtractCardLast4 = %q", c)
		}
		if v, ok := dialog.MatchEnum(text, values); ok && v != "dob" && v != "phone" {
			t.Fatalf("MatchEnum = %q", v)
		}
	})
}

// FuzzEngineTurn answers the demo flow's questions with arbitrary text and
// keys: every turn succeeds, says something, and ends in a question or the
// end of the flow.
func FuzzEngineTurn(f *testing.F) {
	f.Add("I lost my card", "", "1234")
	f.Add("尾号1234", "1", "19900501")
	f.Add("", "12#", "")
	fl := loadLostCard(f, "https://bank.example.com")
	e := newEngine(dialog.Config{})
	f.Fuzz(func(t *testing.T, first, dtmf, answer string) {
		st, _, err := e.Start(t.Context(), fl, dialog.StartInput{Text: first})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		for _, in := range []dialog.Input{{DTMF: dtmf}, {Text: answer}, {Text: answer, DTMF: dtmf}} {
			if st.Done {
				break
			}
			var out []dialog.Output
			if st, out, err = e.Turn(t.Context(), fl, st, in); err != nil {
				t.Fatalf("Turn(%+v): %v", in, err)
			}
			if len(out) == 0 {
				t.Fatalf("Turn(%+v) said nothing", in)
			}
			last := out[len(out)-1].Type
			if !slices.Contains([]dialog.OutputType{dialog.OutputGather, dialog.OutputEnd}, last) {
				t.Fatalf("turn ended with %q", last)
			}
		}
	})
}
