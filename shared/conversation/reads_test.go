package conversation

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// botDB is a tenant's bot configuration in memory: settings, intents and flows by kind and id.
type botDB map[string]any

func (d botDB) Get(_ context.Context, _ tenant.ID, k store.Key, out any) (int64, error) {
	v, ok := d[k.Kind+"/"+k.ID]
	if !ok {
		return 0, store.ErrNotFound
	}
	b, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	return 1, json.Unmarshal(b, out)
}

// keywordModel recognises an intent by a word in the text, and is sure of its fallback intent
// for everything else, as a small classifier often is ("yes" read as the branch hours).
type keywordModel struct {
	words    map[string]string
	fallback string
}

func (m keywordModel) Understand(text string) nlu.Result {
	for w, intent := range m.words {
		if strings.Contains(strings.ToLower(text), w) {
			return nlu.Result{Intent: intent, Confidence: 0.95}
		}
	}
	return nlu.Result{Intent: m.fallback, Confidence: 0.9}
}

type fixedModels struct{ m Understander }

func (f fixedModels) Get(context.Context, tenant.ID) (Understander, string, error) {
	return f.m, "v1", nil
}

const coffeeFlowDef = `{
  "id": "coffee", "languages": ["zh", "en"], "on_fail": "done",
  "steps": [
    {"id": "size", "kind": "ask", "prompt": {"en": "Which size?", "zh": "要什么杯型？"}, "next": "ok",
     "slot": {"name": "size", "type": "enum", "values": [
       {"value": "lg", "synonyms": {"en": ["large", "big", "grande"], "zh": ["大杯", "大", "超大杯"]}},
       {"value": "md", "synonyms": {"en": ["medium", "regular", "normal"], "zh": ["中杯", "中", "普通"]}},
       {"value": "sm", "synonyms": {"en": ["small", "little", "short"], "zh": ["小杯", "小", "迷你"]}}]}},
    {"id": "ok", "kind": "say", "text": {"en": "OK: one {{size}} coffee.", "zh": "好的：一杯{{size}}咖啡。"}, "next": "done"},
    {"id": "done", "kind": "end", "outcome": "resolved", "text": {"en": "Enjoy!", "zh": "请慢用！"}}
  ]
}`

const cardFlowDef = `{
  "id": "lock_card", "languages": ["zh", "en"], "on_fail": "done",
  "steps": [
    {"id": "ask", "kind": "ask", "slot": {"name": "card_last4", "type": "card_last4"},
     "prompt": {"en": "Last four digits?", "zh": "卡号后四位？"}, "next": "confirm",
     "voice": {"prompt": {"en": "Say or key in the last four digits.", "zh": "请说出或按键输入卡号后四位。"}}},
    {"id": "confirm", "kind": "confirm", "prompt": {"en": "Lock card {{card_last4}}?", "zh": "冻结尾号{{card_last4}}的卡吗？"},
     "on_yes": "done", "on_no": "done"},
    {"id": "done", "kind": "end", "outcome": "resolved", "text": {"en": "Done.", "zh": "已办好。"}}
  ]
}`

// newBot is a coffee shop and bank's bot: greeting and opening hours answer, coffee and
// lock_card run flows, refund hands off to its queue.
func newBot(t testing.TB) (*Service, tenant.ID) {
	t.Helper()
	db := botDB{
		botconfig.KindSettings + "/" + botconfig.SettingsID: botconfig.Settings{LowConfidenceTurns: 2},
		botconfig.KindIntent + "/greeting":                  botconfig.Intent{ID: "greeting", Answer: botconfig.Text{"en": "Hello!", "zh": "您好！"}},
		botconfig.KindIntent + "/opening_hours":             botconfig.Intent{ID: "opening_hours", Answer: botconfig.Text{"en": "Branches open 9:00–17:00.", "zh": "网点营业时间为9:00–17:00。"}},
		botconfig.KindIntent + "/refund":                    botconfig.Intent{ID: "refund", Queue: "refunds"},
		botconfig.KindIntent + "/coffee":                    botconfig.Intent{ID: "coffee", Flow: "coffee"},
		botconfig.KindIntent + "/card_lost":                 botconfig.Intent{ID: "card_lost", Flow: "lock_card"},
		botconfig.KindFlow + "/coffee":                      botconfig.Flow{ID: "coffee", Definition: json.RawMessage(coffeeFlowDef)},
		botconfig.KindFlow + "/lock_card":                   botconfig.Flow{ID: "lock_card", Definition: json.RawMessage(cardFlowDef)},
	}
	model := keywordModel{fallback: "opening_hours", words: map[string]string{
		"hello": "greeting", "你好": "greeting", "refund": "refund", "退款": "refund",
		"coffee": "coffee", "咖啡": "coffee", "lost my card": "card_lost", "卡丢了": "card_lost",
		"hours": "opening_hours", "营业": "opening_hours",
	}}
	s := New(Config{DB: db, Commit: &flakyCommitter{}, Models: fixedModels{model}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return s, mustTenant(t, "acme")
}

// chat runs turns on one conversation without committing them (the turn's decisions only).
type chat struct {
	t   *testing.T
	s   *Service
	ten tenant.ID
	c   *Conversation
	set botconfig.Settings
}

func newChat(t *testing.T, channel events.Channel, lang botconfig.Lang) *chat {
	s, ten := newBot(t)
	set, err := s.settings(t.Context(), ten)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return &chat{t: t, s: s, ten: ten, set: set, c: &Conversation{ID: "cv-1", Channel: channel, Language: lang, State: StateActive, CreatedAt: now}}
}

func (ch *chat) send(text string) Reply {
	ch.t.Helper()
	d, err := ch.s.turn(ch.t.Context(), ch.ten, ch.c, ch.set, Input{Text: text}, ch.c.CreatedAt)
	if err != nil {
		ch.t.Fatalf("%q: %v", text, err)
	}
	ch.c = d.c
	return d.reply()
}

func texts(r Reply) string {
	var out []string
	for _, m := range r.Messages {
		out = append(out, m.Text)
	}
	return strings.Join(out, " | ")
}

// Regression (issue 8, "a customer who says yes or ok thanks after the flow ended is answered with
// branch hours or handed to a person"): closing turns are understood in both languages, and a
// satisfied customer is never handed off for them.
func TestClosingTurns(t *testing.T) {
	type step struct{ say, want, not string }
	for name, tc := range map[string]struct {
		lang  botconfig.Lang
		steps []step
	}{
		"zh": {botconfig.LangZH, []step{
			{"我要咖啡", "要什么杯型？", ""},
			{"大杯", "请慢用！", ""},
			{"好的谢谢", "不客气", "营业"},
			{"是的", "还有什么可以帮您", "营业"},
			{"谢谢", "不客气", "人工"},
			{"不用了，谢谢", "再见", "营业"},
			{"拜拜", "再见", "来电"},
		}},
		"en": {botconfig.LangEN, []step{
			{"a coffee please", "Which size?", ""},
			{"large", "Enjoy!", ""},
			{"ok thanks", "You're welcome", "Branches"},
			{"yes", "What else can I help you with?", "Branches"},
			{"thank you so much", "You're welcome", "person"},
			{"no thanks", "goodbye", "Branches"},
			{"bye", "goodbye", "calling"},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			ch := newChat(t, events.ChannelChat, tc.lang)
			for _, st := range tc.steps {
				r := ch.send(st.say)
				got := texts(r)
				if !strings.Contains(got, st.want) || (st.not != "" && strings.Contains(got, st.not)) {
					t.Fatalf("%q answered %q, want %q and not %q", st.say, got, st.want, st.not)
				}
				if ch.c.State != StateActive {
					t.Fatalf("%q: the chat is %s, want active (a satisfied customer is not handed off)", st.say, ch.c.State)
				}
			}
			if ch.c.Intent != "coffee" || !ch.c.Resolved {
				t.Fatalf("intent %q resolved %v", ch.c.Intent, ch.c.Resolved)
			}
			// Requests that start with yes or thanks are still requests.
			if got := texts(ch.send(map[botconfig.Lang]string{botconfig.LangZH: "好的，我还想问营业时间", botconfig.LangEN: "ok, what are your opening hours"}[tc.lang])); !strings.Contains(got, "9:00") {
				t.Fatalf("a request after thanks: %q", got)
			}
		})
	}
}

// A yes or no before anything was asked asks what the customer needs, in their language.
func TestYesBeforeAnything(t *testing.T) {
	for lang, tc := range map[botconfig.Lang][2]string{botconfig.LangZH: {"好的", "请问有什么可以帮您？"}, botconfig.LangEN: {"yes", "What can I help you with?"}} {
		ch := newChat(t, events.ChannelChat, lang)
		if got := texts(ch.send(tc[0])); !strings.Contains(got, tc[1]) || ch.c.LowConfidence != 0 {
			t.Errorf("%s: %q answered %q", lang, tc[0], got)
		}
	}
}

// On the phone a goodbye thanks for the call and hangs up.
func TestClosingTurnOnTheVoiceChannel(t *testing.T) {
	for lang, want := range map[botconfig.Lang]string{botconfig.LangZH: "感谢您的来电", botconfig.LangEN: "Thank you for calling"} {
		ch := newChat(t, events.ChannelVoice, lang)
		r := ch.send(map[botconfig.Lang]string{botconfig.LangZH: "好的再见", botconfig.LangEN: "ok bye"}[lang])
		if !strings.Contains(texts(r), want) || ch.c.State != StateEnded || r.Actions[len(r.Actions)-1].Type != ActionHangup {
			t.Fatalf("%s: %q, state %s, actions %+v", lang, texts(r), ch.c.State, r.Actions)
		}
	}
}

// A call hears a flow step's voice words, a chat reads the step's own (issue 8: texts fit the
// channel), in both languages.
func TestFlowWordsFitTheChannel(t *testing.T) {
	for _, tc := range []struct {
		channel   events.Channel
		lang      botconfig.Lang
		say, want string
	}{
		{events.ChannelChat, botconfig.LangZH, "我的卡丢了", "卡号后四位？"},
		{events.ChannelVoice, botconfig.LangZH, "我的卡丢了", "请说出或按键输入卡号后四位。"},
		{events.ChannelChat, botconfig.LangEN, "I lost my card", "Last four digits?"},
		{events.ChannelVoice, botconfig.LangEN, "I lost my card", "Say or key in the last four digits."},
	} {
		ch := newChat(t, tc.channel, tc.lang)
		if got := texts(ch.send(tc.say)); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.channel, tc.lang, got, tc.want)
		}
	}
}

// Regression (issue 8, "the transcript summary names the first intent (greeting) for a
// conversation handed off for a refund"): the conversation's intent is the one that decided its
// outcome.
func TestTranscriptNamesTheDecidingIntent(t *testing.T) {
	for lang, says := range map[botconfig.Lang][2]string{
		botconfig.LangZH: {"你好", "我要退款"},
		botconfig.LangEN: {"hello there", "I want a refund"},
	} {
		ch := newChat(t, events.ChannelChat, lang)
		ch.send(says[0])
		if ch.c.Intent != "greeting" {
			t.Fatalf("%s: intent %q after a greeting", lang, ch.c.Intent)
		}
		r := ch.send(says[1])
		if ch.c.State != StateHandoff || ch.c.Queue != "refunds" || ch.c.Intent != "refund" {
			t.Fatalf("%s: state %s queue %q intent %q (%q)", lang, ch.c.State, ch.c.Queue, ch.c.Intent, texts(r))
		}
	}
}

// Regression (issue 8, "enum slot values are echoed untranslated" and "quick replies list every
// synonym"): a chat offers one button per option and confirms with the option's label.
func TestFlowQuestionsReadWell(t *testing.T) {
	for lang, tc := range map[botconfig.Lang]struct {
		first, answer, confirm string
		buttons                []string
	}{
		botconfig.LangZH: {"我要一杯咖啡", "大", "好的：一杯大杯咖啡。", []string{"大杯", "中杯", "小杯"}},
		botconfig.LangEN: {"a coffee please", "big", "OK: one large coffee.", []string{"large", "medium", "small"}},
	} {
		ch := newChat(t, events.ChannelChat, lang)
		r := ch.send(tc.first)
		if !slices.Equal(r.QuickReplies, tc.buttons) {
			t.Fatalf("%s: quick replies %q, want %q", lang, r.QuickReplies, tc.buttons)
		}
		if g := r.Actions[len(r.Actions)-1]; g.Type != ActionGather || len(g.Hints) != 9 {
			t.Fatalf("%s: gather %+v, want every synonym as a speech hint", lang, g)
		}
		if got := texts(ch.send(tc.answer)); !strings.Contains(got, tc.confirm) {
			t.Fatalf("%s: %q, want %q", lang, got, tc.confirm)
		}
	}
}

// Regression (issue 8, "1234 please" switched a Chinese chat to English while the running flow
// kept Chinese): the bot and the flow follow the customer's language by one rule.
func TestBotAndFlowFollowOneLanguageRule(t *testing.T) {
	ch := newChat(t, events.ChannelChat, botconfig.LangZH)
	ch.send("我的卡丢了")
	r := ch.send("1234 please")
	if ch.c.Language != botconfig.LangZH || !strings.Contains(texts(r), "冻结尾号1234的卡吗") {
		t.Fatalf("conversation in %q, flow said %q", ch.c.Language, texts(r))
	}
	en := newChat(t, events.ChannelChat, botconfig.LangEN)
	en.send("I lost my card")
	if r := en.send("1234 please"); en.c.Language != botconfig.LangEN || !strings.Contains(texts(r), "Lock card 1234?") {
		t.Fatalf("conversation in %q, flow said %q", en.c.Language, texts(r))
	}
}

// Regression (issue 8, "the voice greeting reads both languages aloud"): a call is greeted in one
// language, the caller's; a chat whose language is not known yet shows both.
func TestVoiceGreetingReadsOneLanguage(t *testing.T) {
	for caller, want := range map[string]botconfig.Lang{"+8613800000000": botconfig.LangZH, "+442071234567": botconfig.LangEN, "": botconfig.LangZH} {
		s := New(Config{DB: &memDB{}, Commit: &flakyCommitter{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		r, err := s.Voice(t.Context(), mustTenant(t, "acme"), VoiceInput{CallID: "call-" + caller, Caller: caller})
		if err != nil {
			t.Fatal(err)
		}
		if got := texts(r); got != say(defaultGreeting, want) || strings.Contains(got, "\n") {
			t.Errorf("caller %q greeted with %q, want %q", caller, got, say(defaultGreeting, want))
		}
	}
	s := New(Config{DB: &memDB{}, Commit: &flakyCommitter{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	r, err := s.Start(t.Context(), mustTenant(t, "acme"), StartInput{Channel: events.ChannelChat})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(r); !strings.Contains(got, defaultGreeting[botconfig.LangZH]) || !strings.Contains(got, defaultGreeting[botconfig.LangEN]) {
		t.Errorf("a chat in no language yet greets with %q", got)
	}
}

// One rule per decision (issue 8): the article threshold and the default queue are each defined
// once.
func TestOneDefinitionPerRule(t *testing.T) {
	s := New(Config{})
	if s.minMatch != nlu.DefaultMinMatch {
		t.Errorf("article threshold %v, the engine's is %v", s.minMatch, nlu.DefaultMinMatch)
	}
	if DefaultQueue != botconfig.DefaultQueue {
		t.Errorf("default queue %q, the configuration's is %q", DefaultQueue, botconfig.DefaultQueue)
	}
}

// Only messages made of closing words alone are closing turns.
func TestClosingReadsWholeMessagesOnly(t *testing.T) {
	for text, want := range map[string]closingKind{
		"ok thanks": closingThanks, "Thank you so much!": closingThanks, "yes": closingYes, "no thanks": closingNo,
		"bye": closingBye, "That's all, thanks": closingThanks, "好的谢谢": closingThanks, "是的": closingYes,
		"不用了，谢谢": closingNo, "好的再见": closingBye, "谢谢您": closingThanks, "ok谢谢": closingThanks,
		"你好": notClosing, "hello": notClosing, "yes I lost my card": notClosing, "谢谢，我的卡丢了": notClosing,
		"好的，我还想问营业时间": notClosing, "no I want a refund": notClosing, "": notClosing, "1234": notClosing,
	} {
		if got := closing(text); got != want {
			t.Errorf("closing(%q) = %d, want %d", text, got, want)
		}
	}
}

// countingDB counts reads by key.
type countingDB struct {
	DB
	mu    sync.Mutex
	reads map[string]int
}

func (d *countingDB) Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error) {
	d.mu.Lock()
	d.reads[k.Kind+"/"+k.ID]++
	d.mu.Unlock()
	return d.DB.Get(ctx, t, k, out)
}

// A turn reads each intent once: a handoff for a recognised intent does not read it again for
// its queue (issue 8).
func TestATurnReadsItsIntentOnce(t *testing.T) {
	for _, text := range []string{"我要退款", "I want a refund"} {
		ch := newChat(t, events.ChannelChat, "")
		db := &countingDB{DB: ch.s.db, reads: map[string]int{}}
		ch.s.db = db
		ch.send(text)
		if ch.c.Queue != "refunds" || db.reads[botconfig.KindIntent+"/refund"] != 1 {
			t.Fatalf("%q: queue %q, reads %v", text, ch.c.Queue, db.reads)
		}
	}
}

// A voice conversation opened by the conversations route (not the media edge) speaks one language
// too.
func TestVoiceStartReadsOneLanguage(t *testing.T) {
	s := New(Config{DB: &memDB{}, Commit: &flakyCommitter{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for caller, want := range map[string]botconfig.Lang{"+8613800000000": botconfig.LangZH, "+14155550100": botconfig.LangEN} {
		r, err := s.Start(t.Context(), mustTenant(t, "acme"), StartInput{Channel: events.ChannelVoice, Customer: Customer{ID: caller}})
		if err != nil {
			t.Fatal(err)
		}
		if got := texts(r); got != say(defaultGreeting, want) {
			t.Errorf("%s: greeted with %q", caller, got)
		}
	}
}
