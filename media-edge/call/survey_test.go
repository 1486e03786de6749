package call

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/shared/tenant"
)

func TestSurveyAnswers(t *testing.T) {
	type turn struct {
		keys  string
		csat  int
		again bool
		bye   string
	}
	thanks, goodbye := surveyThanks["en"], surveyGoodbye["en"]
	cases := map[string][]turn{
		"a rating":                       {{keys: "4", csat: 4, bye: thanks}},
		"the lowest":                     {{keys: "1", csat: 1, bye: thanks}},
		"the highest":                    {{keys: "5", csat: 5, bye: thanks}},
		"nothing in time":                {{keys: "", bye: goodbye}},
		"a wrong key, then a rating":     {{keys: "9", again: true}, {keys: "2", csat: 2, bye: thanks}},
		"a wrong key is asked once only": {{keys: "0", again: true}, {keys: "#", bye: goodbye}},
		"a wrong key, then nothing":      {{keys: "*", again: true}, {keys: "", bye: goodbye}},
		"six is no rating":               {{keys: "6", again: true}, {keys: "6", bye: goodbye}},
	}
	for name, turns := range cases {
		s := &survey{lang: "en", after: SurveyAfterAgent}
		for i, tr := range turns {
			csat, again, bye := s.answer(TurnInput{DTMF: tr.keys})
			if csat != tr.csat || (again != nil) != tr.again || bye != tr.bye {
				t.Errorf("%s, answer %d (%q): csat %d, again %v, bye %q", name, i, tr.keys, csat, again, bye)
			}
			if again != nil && (len(again) != 2 || again[0].Text != surveyAgain["en"] || !again[1].DTMF || again[1].MaxDigits != 1) {
				t.Errorf("%s: asked again with %+v", name, again)
			}
		}
	}
}

func TestSurveyPromptIsInTheCallsLanguage(t *testing.T) {
	for lang, want := range map[string]string{"zh": surveyPrompt["zh"], "en": surveyPrompt["en"], "fr": surveyPrompt["en"]} {
		s := &survey{lang: lang}
		a := s.ask(surveyPrompt)
		if len(a) != 2 || a[0].Type != ActSay || a[0].Text != want || a[1].Type != ActGather || a[1].TimeoutMS != 8000 {
			t.Errorf("%s: %+v", lang, a)
		}
	}
}

// ratings keeps the ratings a call reports; the other facts are dropped.
type ratings struct {
	mu  sync.Mutex
	got []Rating
}

func (r *ratings) Answered(context.Context, Info)                                                 {}
func (r *ratings) Digit(context.Context, Info, byte, time.Duration)                               {}
func (r *ratings) Utterance(context.Context, Info, string, float64, time.Duration, time.Duration) {}
func (r *ratings) BargedIn(context.Context, Info, BargeInFact)                                    {}
func (r *ratings) Transferred(context.Context, Info, TransferFact)                                {}
func (r *ratings) Diverted(context.Context, Info, DivertFact)                                     {}
func (r *ratings) Ended(context.Context, Info, Ending)                                            {}
func (r *ratings) Rated(_ context.Context, _ Info, rt Rating) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rt)
}

func (r *ratings) all() []Rating {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// deafEar is a detector that never hears speech.
type deafEar struct{}

func (deafEar) Push(_, _ *[media.FrameSamples]int16) Heard { return Heard{} }
func (deafEar) Utterance() []int16                         { return nil }
func (deafEar) EndNow()                                    {}
func (deafEar) Reset()                                     {}

// bridgedRun is a call bridged to an agent in language lang, its loop played by the test: steps
// come from x.results and the test runs them.
func bridgedRun(t *testing.T, lang string, surveyOn bool) (*callRun, *ratings, *silentPrompts, context.Context, *sync.WaitGroup) {
	t.Helper()
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sess, err := media.NewSession(conn, media.Params{Remote: netip.MustParseAddrPort("127.0.0.1:9"), Codec: media.PCMU}, media.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait(); conn.Close() })
	nav := NewNavigator(lang)
	nav.Reply(0, lang, []Action{{Type: ActTransfer, Queue: "general"}})
	ten, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	r, p := &ratings{}, &silentPrompts{}
	x := &callRun{h: &Handler{Prompts: p, Facts: r}, sess: sess, nav: nav, ear: deafEar{}, log: log,
		info: Info{Tenant: ten, ID: "call-1"}, results: make(chan func() []Command, 4),
		bridge: make(chan [media.FrameSamples]int16, 8), bridgedAt: time.Now().Add(-time.Minute),
		outcome: DispositionTransferred, surveyOn: surveyOn}
	x.playback = sess.Play(media.PCM(make([]int16, 8000))) // the agent's voice
	return x, r, p, ctx, &wg
}

// playNext runs the next step of the call's asynchronous work (a synthesis) and performs what it
// asks; it reports whether the call is over.
func playNext(x *callRun, ctx context.Context, wg *sync.WaitGroup) bool {
	return x.do(ctx, wg, (<-x.results)())
}

// The agent leaves while the caller stays: the bridge comes down, the caller hears the survey in
// the call's language, keys 4 over the prompt and is thanked; the rating is reported once and the
// edge hangs up with the survey's cause.
func TestTheAgentLeavingAsksTheCallerToRate(t *testing.T) {
	x, r, p, ctx, wg := bridgedRun(t, "zh", true)
	if x.do(ctx, wg, x.agentLeft(ctx, wg)) {
		t.Fatal("the call ended when the agent left")
	}
	if x.bridge != nil || x.survey == nil || x.talkEnd.IsZero() {
		t.Fatalf("after the agent left: bridge %v, survey %+v", x.bridge != nil, x.survey)
	}
	playNext(x, ctx, wg) // the prompt is synthesised and plays
	if x.playback == nil {
		t.Fatal("the survey's prompt does not play")
	}
	if x.do(ctx, wg, x.nav.Digit(time.Second, '4')) {
		t.Fatal("the call ended on the rating")
	}
	if got := r.all(); !slices.Equal(got, []Rating{{CSAT: 4, After: SurveyAfterAgent}}) {
		t.Fatalf("ratings %+v", got)
	}
	playNext(x, ctx, wg) // the thanks plays
	if !x.do(ctx, wg, x.nav.PlaybackDone(2*time.Second)) || x.hangup != "survey_done" {
		t.Fatalf("after the thanks: hangup %q", x.hangup)
	}
	if want := []string{surveyPrompt["zh"], surveyThanks["zh"]}; !slices.Equal(p.texts, want) {
		t.Fatalf("said %q, want %q", p.texts, want)
	}
	if side, cause := x.survey.ending(); side != "callee" || cause != "agent_hangup" || x.outcome != DispositionTransferred {
		t.Fatalf("ending %s %s, outcome %s", side, cause, x.outcome)
	}
}

// Without the tenant's survey the agent leaving ends the call, as before.
func TestTheAgentLeavingWithoutSurveyEndsTheCall(t *testing.T) {
	x, r, p, ctx, wg := bridgedRun(t, "en", false)
	if !x.do(ctx, wg, x.agentLeft(ctx, wg)) || x.hangup != "agent_hangup" || x.survey != nil {
		t.Fatalf("hangup %q, survey %+v", x.hangup, x.survey)
	}
	if len(r.all()) != 0 || len(p.texts) != 0 {
		t.Fatalf("ratings %v, said %q", r.all(), p.texts)
	}
}

// Nothing keyed within the survey's time: no rating, a goodbye, the end.
func TestASurveyWithoutAnswerReportsNoRating(t *testing.T) {
	x, r, p, ctx, wg := bridgedRun(t, "en", true)
	x.do(ctx, wg, x.agentLeft(ctx, wg))
	playNext(x, ctx, wg)
	x.do(ctx, wg, x.nav.PlaybackDone(3*time.Second)) // the prompt ends: the gather opens
	if x.do(ctx, wg, x.nav.Frame(3*time.Second+surveyTimeout, Quiet)) {
		t.Fatal("the call ended without a goodbye")
	}
	playNext(x, ctx, wg)
	if !x.do(ctx, wg, x.nav.PlaybackDone(20*time.Second)) || len(r.all()) != 0 {
		t.Fatalf("hangup %q, ratings %v", x.hangup, r.all())
	}
	if want := []string{surveyPrompt["en"], surveyGoodbye["en"]}; !slices.Equal(p.texts, want) {
		t.Fatalf("said %q", p.texts)
	}
}

// A key that is no rating asks again once; the rating then counts. Keys go to the survey, not to
// the queue's callback offer, for a call that waited in a queue.
func TestAWrongKeyAsksAgain(t *testing.T) {
	x, r, p, ctx, wg := bridgedRun(t, "en", true)
	x.do(ctx, wg, x.agentLeft(ctx, wg))
	playNext(x, ctx, wg)
	x.do(ctx, wg, x.nav.Digit(time.Second, '9'))
	playNext(x, ctx, wg)
	x.do(ctx, wg, x.nav.Digit(2*time.Second, '5'))
	if got := r.all(); !slices.Equal(got, []Rating{{CSAT: 5, After: SurveyAfterAgent}}) {
		t.Fatalf("ratings %+v", got)
	}
	playNext(x, ctx, wg)
	if want := []string{surveyPrompt["en"], surveyAgain["en"], surveyThanks["en"]}; !slices.Equal(p.texts, want) {
		t.Fatalf("said %q", p.texts)
	}
}

// With the survey on, the bot's goodbye is followed by the survey; the call stays the bot's
// (resolved by the bot, ended by its goodbye) whoever hangs up during it.
func TestTheBotsGoodbyeAsksTheCallerToRate(t *testing.T) {
	x, r, p, ctx, wg := bridgedRun(t, "en", true)
	x.bridge, x.outcome, x.bridgedAt = nil, DispositionAbandoned, time.Time{}
	x.sess.StopPlayback()
	x.playback = nil
	x.nav = NewNavigator("en")
	cmds := x.nav.Reply(0, "en", []Action{{Type: ActSay, Text: "Your card is locked. Goodbye."}, {Type: ActHangup}})
	x.do(ctx, wg, cmds)
	playNext(x, ctx, wg)
	if x.do(ctx, wg, x.nav.PlaybackDone(time.Second)) || x.survey == nil {
		t.Fatalf("the goodbye ended the call without the survey (hangup %q)", x.hangup)
	}
	playNext(x, ctx, wg)
	x.do(ctx, wg, x.nav.Digit(2*time.Second, '3'))
	if got := r.all(); !slices.Equal(got, []Rating{{CSAT: 3, After: SurveyAfterBot}}) {
		t.Fatalf("ratings %+v", got)
	}
	playNext(x, ctx, wg)
	if !x.do(ctx, wg, x.nav.PlaybackDone(3*time.Second)) || x.outcome != DispositionBot || x.cause != "bot_hangup" {
		t.Fatalf("outcome %s, cause %s", x.outcome, x.cause)
	}
	if side, cause := x.survey.ending(); side != "edge" || cause != "bot_hangup" {
		t.Fatalf("ending %s %s", side, cause)
	}
	if want := []string{"Your card is locked. Goodbye.", surveyPrompt["en"], surveyThanks["en"]}; !slices.Equal(p.texts, want) {
		t.Fatalf("said %q", p.texts)
	}
}

// A failure's apology is never followed by the survey.
func TestAnApologyAsksNothing(t *testing.T) {
	x, _, _, ctx, wg := bridgedRun(t, "en", true)
	x.bridge, x.outcome = nil, DispositionAbandoned
	x.nav = NewNavigator("en")
	x.cause = "turn_failed"
	x.do(ctx, wg, x.nav.Fail(0))
	playNext(x, ctx, wg)
	if !x.do(ctx, wg, x.nav.PlaybackDone(time.Second)) || x.survey != nil || x.outcome != DispositionFailed {
		t.Fatalf("survey %+v, outcome %s", x.survey, x.outcome)
	}
}

// FuzzSurveyAnswer: whatever keys come (the media's DTMF parser already bounds them), an answer is
// a rating 1–5 thanked, or no rating with the question once more or a goodbye — never both, and
// never the question a third time.
func FuzzSurveyAnswer(f *testing.F) {
	for _, seed := range [][2]string{{"4", ""}, {"9", "5"}, {"", ""}, {"#", "#"}, {"12", "3"}, {"\x00", "5"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, first, second string) {
		s := &survey{lang: "zh", after: SurveyAfterAgent}
		for i, keys := range []string{first, second} {
			csat, again, bye := s.answer(TurnInput{DTMF: keys})
			switch {
			case csat < 0 || csat > 5:
				t.Fatalf("csat %d", csat)
			case (again != nil) == (bye != ""):
				t.Fatalf("%q: again %v, bye %q", keys, again, bye)
			case csat > 0 && bye != surveyThanks["zh"]:
				t.Fatalf("%q: rated %d and said %q", keys, csat, bye)
			case csat == 0 && bye != "" && bye != surveyGoodbye["zh"]:
				t.Fatalf("%q: no rating and said %q", keys, bye)
			case i == 1 && again != nil:
				t.Fatalf("asked a third time after %q, %q", first, second)
			}
			if again == nil {
				return
			}
		}
	})
}

// A call an agent of the floor took: when the agent leaves, the contact goes to wrap-up at once
// (not when the survey ends), and the caller's 1 is a rating, not the queue's callback key.
func TestAFloorAgentLeavingWrapsUpAtOnce(t *testing.T) {
	x, r, _, ctx, wg := bridgedRun(t, "en", true)
	f := &fakeFloor{}
	f.set(VoiceContact{State: ContactAssigned, AgentID: "usr_a"})
	x.h.Floor = f
	x.handedOff = true
	x.queued = &queueWait{queue: "general", stop: func(error) {}, announced: true, offerBy: time.Now().Add(time.Hour)}
	x.do(ctx, wg, x.agentLeft(ctx, wg))
	playNext(x, ctx, wg) // the leave and the question's synthesis, in either order
	playNext(x, ctx, wg)
	if got := f.notes(); !slices.Equal(got, []string{"leave customer_left"}) {
		t.Fatalf("floor writes %v", got)
	}
	x.do(ctx, wg, x.digit(ctx, wg, time.Second, '1'))
	if got := r.all(); !slices.Equal(got, []Rating{{CSAT: 1, After: SurveyAfterAgent}}) {
		t.Fatalf("ratings %+v", got)
	}
	if got := f.notes(); len(got) != 1 {
		t.Fatalf("floor writes after the key %v", got)
	}
}
