package dialog_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
)

// coffeeFlow asks for a size (an enum with synonyms) and a pickup day (a future date), and
// confirms with both.
const coffeeFlow = `{
  "id": "coffee", "languages": ["zh", "en"], "on_fail": "done",
  "steps": [
    {"id": "size", "kind": "ask", "prompt": {"en": "Which size?", "zh": "要什么杯型？"}, "next": "day",
     "slot": {"name": "size", "type": "enum", "values": [
       {"value": "lg", "synonyms": {"en": ["large", "big", "grande"], "zh": ["大杯", "大", "超大杯"]}},
       {"value": "md", "synonyms": {"en": ["medium", "regular", "normal"], "zh": ["中杯", "中", "普通"]}},
       {"value": "sm", "synonyms": {"en": ["small", "little", "short"], "zh": ["小杯", "小", "迷你"]}}]}},
    {"id": "day", "kind": "ask", "prompt": {"en": "Pick it up when?", "zh": "哪天取？"}, "next": "ok",
     "slot": {"name": "day", "type": "date", "range": "future"}},
    {"id": "ok", "kind": "confirm", "prompt": {"en": "OK: one {{size}} coffee?", "zh": "好的：一杯{{size}}咖啡？"},
     "on_yes": "done", "on_no": "done"},
    {"id": "done", "kind": "end", "outcome": "resolved", "text": {"en": "Done.", "zh": "好的。"}}
  ]
}`

// Regression (issue 8, "enum slot values are echoed untranslated": 好的：一杯large咖啡。): a
// confirmation names an enum value by its label in the conversation's language.
func TestConfirmationUsesTheEnumLabel(t *testing.T) {
	f := mustParse(t, coffeeFlow)
	for lang, tc := range map[dialog.Lang]struct{ first, answer, want, not string }{
		dialog.LangZh: {"我要咖啡", "大", "好的：一杯大杯咖啡？", "lg"},
		dialog.LangEn: {"a coffee please", "big", "OK: one large coffee?", "lg"},
	} {
		t.Run(string(lang), func(t *testing.T) {
			e := newEngine(dialog.Config{Now: func() time.Time { return testNow }})
			st, _, err := e.Start(t.Context(), f, dialog.StartInput{Text: tc.first, Lang: lang})
			if err != nil {
				t.Fatal(err)
			}
			st, _, err = e.Turn(t.Context(), f, st, dialog.Input{Text: tc.answer})
			if err != nil {
				t.Fatal(err)
			}
			if st.Slots["size"] != "lg" {
				t.Fatalf("slot size = %q, want the canonical value", st.Slots["size"])
			}
			_, out, err := e.Turn(t.Context(), f, st, dialog.Input{Text: map[dialog.Lang]string{dialog.LangZh: "明天", dialog.LangEn: "tomorrow"}[lang]})
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || out[0].Prompt != tc.want {
				t.Fatalf("confirmation = %+v, want %q", out, tc.want)
			}
		})
	}
}

// Regression (issue 8, "quick replies list every synonym": 9 buttons for one question): a
// question offers one option per value, in the conversation's language; speech hints still carry
// every synonym.
func TestQuickRepliesOnePerOption(t *testing.T) {
	f := mustParse(t, coffeeFlow)
	for lang, want := range map[dialog.Lang][]string{
		dialog.LangZh: {"大杯", "中杯", "小杯"},
		dialog.LangEn: {"large", "medium", "small"},
	} {
		r, ok := f.Recognition("size", lang)
		if !ok || !slices.Equal(r.Options, want) {
			t.Errorf("%s: options %q, want %q", lang, r.Options, want)
		}
		if len(r.Phrases) != 9 {
			t.Errorf("%s: speech hints %q, want every synonym", lang, r.Phrases)
		}
		c, _ := f.Recognition("ok", lang)
		if len(c.Options) != 2 {
			t.Errorf("%s: a confirmation offers %q, want yes and no", lang, c.Options)
		}
	}
	e := newEngine(dialog.Config{})
	_, out, err := e.Start(t.Context(), f, dialog.StartInput{Text: "我要咖啡"})
	if err != nil {
		t.Fatal(err)
	}
	if g := out[len(out)-1]; !slices.Equal(g.Options, []string{"大杯", "中杯", "小杯"}) {
		t.Fatalf("gather options %q", g.Options)
	}
}

// Regression (issue 8, "a birth-date question offers 今天, 明天, 后天"): the days a date question
// offers fit the slot: none for a past date (a birth date), the next days for a future one; speech
// hints never name a day the slot refuses.
func TestDateOptionsFitTheSlot(t *testing.T) {
	birth := mustParse(t, `{"id": "dob", "languages": ["zh", "en"], "on_fail": "end", "steps": [
	  {"id": "ask", "kind": "ask", "slot": {"name": "dob", "type": "date", "range": "past"},
	   "prompt": {"en": "Your date of birth?", "zh": "您的出生日期？"}, "next": "end"},
	  {"id": "end", "kind": "end", "outcome": "resolved", "text": {"en": "OK.", "zh": "好。"}}]}`)
	coffee := mustParse(t, coffeeFlow)
	for _, lang := range []dialog.Lang{dialog.LangZh, dialog.LangEn} {
		r, _ := birth.Recognition("ask", lang)
		if len(r.Options) != 0 {
			t.Errorf("%s: a birth date offers %q", lang, r.Options)
		}
		for _, future := range []string{"明天", "后天", "tomorrow"} {
			if slices.Contains(r.Phrases, future) {
				t.Errorf("%s: a past date listens for %q", lang, future)
			}
		}
		f, _ := coffee.Recognition("day", lang)
		tomorrow := map[dialog.Lang]string{dialog.LangZh: "明天", dialog.LangEn: "tomorrow"}[lang]
		if !slices.Contains(f.Options, tomorrow) || slices.ContainsFunc(f.Options, func(s string) bool { return strings.Contains(s, "昨") || s == "yesterday" }) {
			t.Errorf("%s: a future date offers %q", lang, f.Options)
		}
	}
}

// Regression (issue 8, "one rule per decision": "1234 please" switched a Chinese chat to English
// while the running flow kept Chinese): Follow is the one rule, and a flow follows it.
func TestFollowIsOneRule(t *testing.T) {
	for _, tc := range []struct {
		current dialog.Lang
		text    string
		want    dialog.Lang
	}{
		{dialog.LangZh, "1234 please", dialog.LangZh},
		{dialog.LangZh, "ok", dialog.LangZh},
		{dialog.LangZh, "I lost my card", dialog.LangEn},
		{dialog.LangEn, "1234", dialog.LangEn},
		{dialog.LangEn, "转人工", dialog.LangZh},
		{"", "1234", ""},
	} {
		if got := dialog.Follow(tc.current, tc.text); got != tc.want {
			t.Errorf("Follow(%q, %q) = %q, want %q", tc.current, tc.text, got, tc.want)
		}
	}
}

// Regression (issue 8, "a chat flow ends with 感谢您的来电"): a step may word itself for calls; a
// chat shows the step's own words, a call speaks the voice words, in both languages.
func TestVoiceWordsFitTheChannel(t *testing.T) {
	f := mustParse(t, `{"id": "pick", "languages": ["zh", "en"], "on_fail": "bye", "steps": [
	  {"id": "ask", "kind": "ask", "next": "bye",
	   "slot": {"name": "how", "type": "enum", "values": [{"value": "dob", "dtmf": "1"}, {"value": "phone", "dtmf": "2"}]},
	   "prompt": {"en": "Date of birth or phone number?", "zh": "核对出生日期还是手机号码？"},
	   "reprompt": {"en": "Please choose one.", "zh": "请选择一项。"},
	   "voice": {"prompt": {"en": "Press 1 for date of birth, 2 for phone number.", "zh": "核对出生日期请按1，手机号码请按2。"},
	             "reprompt": {"en": "Please press 1 or 2.", "zh": "请按1或2。"}}},
	  {"id": "bye", "kind": "end", "outcome": "resolved", "text": {"en": "Thank you for contacting us.", "zh": "感谢您联系我们。"},
	   "voice": {"text": {"en": "Thank you for calling.", "zh": "感谢您的来电。"}}}]}`)
	e := newEngine(dialog.Config{})
	for _, tc := range []struct {
		lang                    dialog.Lang
		voice                   bool
		prompt, reprompt, final string
	}{
		{dialog.LangZh, false, "核对出生日期还是手机号码？", "请选择一项。", "感谢您联系我们。"},
		{dialog.LangZh, true, "核对出生日期请按1，手机号码请按2。", "请按1或2。", "感谢您的来电。"},
		{dialog.LangEn, false, "Date of birth or phone number?", "Please choose one.", "Thank you for contacting us."},
		{dialog.LangEn, true, "Press 1 for date of birth, 2 for phone number.", "Please press 1 or 2.", "Thank you for calling."},
	} {
		st, out, err := e.Start(t.Context(), f, dialog.StartInput{Lang: tc.lang, Voice: tc.voice})
		if err != nil || out[0].Prompt != tc.prompt {
			t.Fatalf("%s voice=%v: %+v %v", tc.lang, tc.voice, out, err)
		}
		st, out, err = e.Turn(t.Context(), f, st, dialog.Input{Text: "?"})
		if err != nil || out[0].Prompt != tc.reprompt {
			t.Fatalf("%s voice=%v: reprompt %+v %v", tc.lang, tc.voice, out, err)
		}
		_, out, err = e.Turn(t.Context(), f, st, dialog.Input{DTMF: "1"})
		if err != nil || out[0].Text != tc.final {
			t.Fatalf("%s voice=%v: end %+v %v", tc.lang, tc.voice, out, err)
		}
	}
	// Voice words fit their step.
	_, err := dialog.ParseFlow([]byte(`{"id": "x", "steps": [{"id": "s", "kind": "say", "text": {"en": "Hi."}, "next": "e",
	  "voice": {"prompt": {"en": "Press 1."}, "txt": {}}}, {"id": "e", "kind": "end", "outcome": "resolved", "text": {"en": "Bye."}}]}`))
	if err == nil || !strings.Contains(err.Error(), "/steps/0/voice/txt") {
		t.Fatalf("ParseFlow: %v", err)
	}
	_, err = dialog.ParseFlow([]byte(`{"id": "x", "steps": [{"id": "s", "kind": "say", "text": {"en": "Hi."}, "next": "e",
	  "voice": {"prompt": {"en": "Press 1."}}}, {"id": "e", "kind": "end", "outcome": "resolved", "text": {"en": "Bye."}}]}`))
	if err == nil || !strings.Contains(err.Error(), "/steps/0/voice/prompt") {
		t.Fatalf("ParseFlow: %v", err)
	}
}
