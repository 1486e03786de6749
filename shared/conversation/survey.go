package conversation

// survey.go: the chat survey (issue 13; docs/surveys.md). When the tenant's bot settings enable it
// (Settings.Survey.Chat), a chat conversation asks its customer for a CSAT score, with quick
// replies 1–5 in the conversation's language, once:
//
//   - when the bot resolved the request and the customer says thanks or goodbye (close), the
//     conversation staying open;
//   - when the customer ends a conversation the bot resolved (End);
//   - when the agent wraps up a chat handed off to them (WrapUp).
//
// The answer is a normal turn: a quick reply or a number typed ("4", "４", "4分", "四"). It is
// recorded as the contact's feedback (shared/satisfaction, source chat) with feedback.submitted,
// in the turn's transaction; with Settings.Survey.NPS the NPS question (0–10) follows. Anything
// else is a normal turn: the survey is dropped and the bot handles the text as always. An ended
// conversation with a question open takes only its answer (anything else is ErrEnded, as before).
// A contact whose answer came first by the partner API (POST /v1/contacts/{id}/feedback) is
// thanked and nothing more is recorded.

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/store"
)

// SurveyQuestion is the survey question a conversation waits for the customer to answer.
type SurveyQuestion string

// Survey questions.
const (
	SurveyCSAT SurveyQuestion = "csat"
	SurveyNPS  SurveyQuestion = "nps"
)

// What the survey says.
var (
	sayCSATQuestion = botconfig.Text{
		botconfig.LangZH: "请问您对本次服务满意吗？请打分：1 非常不满意，5 非常满意。",
		botconfig.LangEN: "How satisfied are you with our help today? Please rate it from 1 (very unsatisfied) to 5 (very satisfied).",
	}
	sayNPSQuestion = botconfig.Text{
		botconfig.LangZH: "您有多大可能向朋友推荐我们？请打分：0 完全不可能，10 非常可能。",
		botconfig.LangEN: "How likely are you to recommend us to a friend? Please answer from 0 (not at all likely) to 10 (extremely likely).",
	}
	saySurveyThanks = botconfig.Text{
		botconfig.LangZH: "感谢您的评价！",
		botconfig.LangEN: "Thank you for your feedback!",
	}
)

// Replies is the question's quick replies: "1"–"5" for CSAT, "0"–"10" for NPS, none for "".
func (q SurveyQuestion) Replies() []string {
	lo, hi, ok := q.scale()
	if !ok {
		return nil
	}
	out := make([]string, 0, hi-lo+1)
	for n := lo; n <= hi; n++ {
		out = append(out, strconv.Itoa(n))
	}
	return out
}

func (q SurveyQuestion) scale() (lo, hi int, ok bool) {
	switch q {
	case SurveyCSAT:
		return satisfaction.MinCSAT, satisfaction.MaxCSAT, true
	case SurveyNPS:
		return satisfaction.MinNPS, satisfaction.MaxNPS, true
	}
	return 0, 0, false
}

// zhDigits are the Chinese numerals a score may be typed in.
var zhDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9, '十': 10}

// SurveyScore reads text as a score from lo to hi: a number alone (ASCII or full-width digits, or
// one Chinese numeral 零–十), optionally followed by 分, 星 or 颗星, or written "4/5". Anything
// else is no answer.
func SurveyScore(text string, lo, hi int) (int, bool) {
	s := strings.TrimSpace(text)
	if s == "" || utf8.RuneCountInString(s) > 8 {
		return 0, false
	}
	for _, suffix := range []string{"颗星", "星", "分", "/" + strconv.Itoa(hi)} {
		if rest, ok := strings.CutSuffix(s, suffix); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		default:
			if n, ok := zhDigits[r]; ok && utf8.RuneCountInString(s) == 1 {
				return n, n >= lo && n <= hi
			}
			return 0, false
		}
	}
	digits := b.String()
	if digits == "" || len(digits) > 2 || len(digits) == 2 && digits[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// SurveyReplies is the quick replies of the question c waits for an answer to (none when none).
func (c *Conversation) SurveyReplies() []string { return c.Survey.Replies() }

// offerSurvey asks the CSAT question when the tenant enables the chat survey and c, a chat, was
// not asked yet.
func (d *decision) offerSurvey() {
	c := d.c
	if c.Channel != events.ChannelChat || !d.l.set.Survey.Chat || c.Surveyed {
		return
	}
	c.Surveyed = true
	d.ask(SurveyCSAT)
}

// ask says question q and offers its quick replies.
func (d *decision) ask(q SurveyQuestion) {
	d.c.Survey = q
	if q == SurveyCSAT {
		d.say(say(sayCSATQuestion, d.c.Language))
	} else {
		d.say(say(sayNPSQuestion, d.c.Language))
	}
	d.quick = q.Replies()
}

// answerSurvey takes the customer's turn as the answer to the open survey question: false when it
// is none (the question is dropped). An answer is recorded (feedback.submitted) unless the contact
// already has one, then thanked, or followed by the NPS question when the tenant asks it.
func (d *decision) answerSurvey(text, dtmf string) (bool, error) {
	c := d.c
	q := c.Survey
	c.Survey = ""
	lo, hi, ok := q.scale()
	if !ok {
		return false, nil
	}
	in := text
	if in == "" {
		in = dtmf
	}
	n, ok := SurveyScore(in, lo, hi)
	if !ok {
		return false, nil
	}
	var a satisfaction.Answer
	if q == SurveyCSAT {
		a.CSAT = &n
	} else {
		a.NPS = &n
	}
	prev := d.l.feedback
	if d.l.feedbackVer == 0 {
		prev = satisfaction.Feedback{ContactID: c.ID, CustomerID: c.Customer.ID}
	}
	_, op, ev, err := satisfaction.Record(d.l.t, prev, d.l.feedbackVer, a, events.FeedbackChat, Source, d.now)
	if d.l.feedbackVer != 0 && (q == SurveyCSAT || prev.Source != events.FeedbackChat) {
		err = satisfaction.ErrAnswered // one answer per contact: the chat completes only its own
	}
	switch {
	case errors.Is(err, satisfaction.ErrAnswered):
		d.say(say(saySurveyThanks, c.Language)) // answered already (the partner API): nothing more
		return true, nil
	case err != nil:
		return true, err
	}
	d.ops = append(d.ops, op)
	d.feedback = &ev
	if q == SurveyCSAT && d.l.set.Survey.NPS && prev.NPS == nil {
		d.ask(SurveyNPS)
		return true, nil
	}
	d.say(say(saySurveyThanks, c.Language))
	return true, nil
}

// surveyOps are the decision's writes besides the conversation (the survey's feedback).
func (d *decision) surveyOps() []store.Op { return d.ops }
