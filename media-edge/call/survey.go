package call

import (
	"context"
	"sync"
	"time"

	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Surveys says whether a tenant asks its callers to rate the call (the bot setting survey.voice).
type Surveys interface {
	VoiceSurvey(ctx context.Context, t tenant.ID) (bool, error)
}

// Rating is a caller's answer to the survey: the satisfaction score, from 1 (very unsatisfied)
// to 5 (very satisfied), about the call's contact.
type Rating struct {
	CSAT int
	// After is who the caller had been talking to: SurveyAfterAgent or SurveyAfterBot.
	After string
}

// Who the caller talked to before the survey.
const (
	// SurveyAfterAgent: the agent (or the transfer target) hung up while the caller stayed.
	SurveyAfterAgent = "agent"
	// SurveyAfterBot: the bot said goodbye.
	SurveyAfterBot = "bot"
)

// surveyTimeout is how long the survey waits for the key after its prompt.
const surveyTimeout = 8 * time.Second

// The survey's words, by language; en is the fallback.
var (
	surveyPrompt = map[string]string{
		"zh": "请为本次服务打分，满意请按5，不满意请按1，请按1到5。",
		"en": "Please rate this call: press 1 to 5, 5 is very satisfied and 1 is very unsatisfied.",
	}
	surveyAgain = map[string]string{
		"zh": "抱歉，请按1到5之间的数字，5为非常满意，1为非常不满意。",
		"en": "Sorry, please press a key from 1 to 5: 5 is very satisfied and 1 is very unsatisfied.",
	}
	surveyThanks = map[string]string{
		"zh": "感谢您的评价，再见。",
		"en": "Thank you for your feedback. Goodbye.",
	}
	surveyGoodbye = map[string]string{
		"zh": "感谢您的来电，再见。",
		"en": "Thank you for calling. Goodbye.",
	}
)

// survey is the satisfaction survey of one call as a state machine without I/O: the question, one
// key from 1 to 5 (a wrong key earns the question once more), then thanks. Nothing keyed in time
// is no answer.
type survey struct {
	lang  string
	after string
	// retried: the question was asked again after a wrong key.
	retried bool
}

// ask is the question: the prompt, then one key.
func (s *survey) ask(text map[string]string) []Action {
	return []Action{
		{Type: ActSay, Text: inLang(text, s.lang)},
		{Type: ActGather, DTMF: true, MaxDigits: 1, TimeoutMS: int(surveyTimeout / time.Millisecond)},
	}
}

// answer takes what the gather got: the rating (0 when none), and either the question again
// (again) or the last words before the edge hangs up (bye).
func (s *survey) answer(in TurnInput) (csat int, again []Action, bye string) {
	if len(in.DTMF) == 1 && in.DTMF[0] >= '1' && in.DTMF[0] <= '5' {
		return int(in.DTMF[0] - '0'), nil, inLang(surveyThanks, s.lang)
	}
	if in.DTMF != "" && !s.retried {
		s.retried = true
		return 0, s.ask(surveyAgain), ""
	}
	return 0, nil, inLang(surveyGoodbye, s.lang)
}

// keysOnly hears no speech: the survey is answered by key, and a word or a noise neither stops
// its prompt nor answers it.
func keysOnly(string) bool { return false }

// readSurveySetting reads off the loop whether the tenant asks callers to rate the call; a read
// that fails asks nothing (the call goes on as without the survey).
func (x *callRun) readSurveySetting(ctx context.Context, wg *sync.WaitGroup) {
	if x.h.Surveys == nil {
		return
	}
	x.async(ctx, wg, func(ctx context.Context) func() []Command {
		ctx, cancel := context.WithTimeout(ctx, floorTimeout)
		defer cancel()
		on, err := x.h.Surveys.VoiceSurvey(ctx, x.info.Tenant)
		return func() []Command {
			if err != nil {
				x.log.Warn("read the voice survey setting", "err", err)
				return nil
			}
			x.surveyOn = on
			return nil
		}
	})
}

// agentLeft: the agent's leg ended while the caller is still on the line. Without the survey
// the call ends; with it the bridge comes down (the contact goes to wrap-up at once) and the
// caller is asked to rate the call.
func (x *callRun) agentLeft(ctx context.Context, wg *sync.WaitGroup) []Command {
	if !x.surveyOn || x.survey != nil || x.hangup != "" {
		return []Command{{Kind: CmdHangup, Cause: "agent_hangup"}}
	}
	x.talkEnd = time.Now()
	x.bridge = nil // the caller's frames go to the detector again
	x.sess.StopPlayback()
	x.playback = nil
	if x.queued != nil && x.h.Floor != nil {
		// The agent's wrap-up starts now, not when the caller has answered.
		x.async(ctx, wg, func(ctx context.Context) func() []Command {
			x.leave(ctx, LeftHungUp, x.log)
			return func() []Command { return nil }
		})
	}
	return x.startSurvey(SurveyAfterAgent)
}

// startSurvey asks the caller to rate the call: a fresh navigation in the call's language that
// hears keys only; its answer comes back as a turn (surveyAnswer), never to the bot.
func (x *callRun) startSurvey(after string) []Command {
	lang := x.nav.Lang()
	x.survey = &survey{lang: lang, after: after}
	x.nav = NewNavigator(lang).Hearing(keysOnly)
	x.log.Info("the caller is asked to rate the call", "after", after, "lang", lang, "prompt", inLang(surveyPrompt, lang))
	return x.nav.Reply(x.now, lang, x.survey.ask(surveyPrompt))
}

// surveyAnswer takes the survey's gather: a rating is emitted (feedback.submitted) and thanked;
// a wrong key is asked again once; no answer ends the call with a goodbye.
func (x *callRun) surveyAnswer(ctx context.Context, in TurnInput) []Command {
	s := x.survey
	csat, again, bye := s.answer(in)
	if again != nil {
		x.log.Info("the caller pressed a key that is no rating; asked again")
		return x.nav.Reply(x.now, s.lang, again)
	}
	if csat > 0 {
		x.log.Info("the caller rated the call", "csat", csat, "after", s.after)
		x.h.Facts.Rated(ctx, x.info, Rating{CSAT: csat, After: s.after})
	} else {
		x.log.Info("the caller did not rate the call", "after", s.after)
	}
	return x.nav.End(x.now, bye, "survey_done")
}

// surveyEnding is how a call that ended in (or after) its survey is told in call.ended: by who
// ended the conversation before the survey — the agent, or the bot's goodbye — whoever hung up
// during the survey.
func (s *survey) ending() (side, cause string) {
	if s.after == SurveyAfterAgent {
		return sip.SideCallee, "agent_hangup"
	}
	return sip.SideEdge, "bot_hangup"
}
