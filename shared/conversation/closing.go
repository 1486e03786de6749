package conversation

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
)

// closingKind is what a closing turn says: a customer who is done ("ok thanks", "再见") or who
// answers yes or no when no question is open.
type closingKind int

const (
	notClosing closingKind = iota
	closingYes
	closingThanks
	closingNo
	closingBye
)

// The words of closing turns. A message is a closing turn only when it is made of these words
// alone, so "yes, I lost my card" or "谢谢，我还想查余额" are read as requests.
var (
	closingEN = map[string]closingKind{
		"yes": closingYes, "yeah": closingYes, "yep": closingYes, "yup": closingYes, "sure": closingYes,
		"ok": closingYes, "okay": closingYes, "k": closingYes, "alright": closingYes, "right": closingYes,
		"correct": closingYes, "fine": closingYes, "great": closingYes, "good": closingYes, "perfect": closingYes,
		"cool": closingYes, "awesome": closingYes, "nice": closingYes, "got": closingYes,
		"thanks": closingThanks, "thank": closingThanks, "thx": closingThanks, "ty": closingThanks,
		"cheers": closingThanks, "appreciated": closingThanks, "appreciate": closingThanks,
		"no": closingNo, "nope": closingNo, "nah": closingNo, "nothing": closingNo, "not": closingNo,
		"bye": closingBye, "goodbye": closingBye, "byebye": closingBye, "later": closingBye, "cya": closingBye,
	}
	closingENFiller = setOf("you", "very", "much", "so", "a", "lot", "many", "that's", "thats", "that", "is",
		"it", "all", "else", "for", "your", "the", "help", "oh", "ah", "see", "now", "i", "have", "day", "then", "really")
	// closingZH is tried longest first on the compacted text.
	closingZH = map[string]closingKind{
		"好的": closingYes, "好": closingYes, "嗯嗯": closingYes, "嗯": closingYes, "行": closingYes, "可以": closingYes,
		"是的": closingYes, "是": closingYes, "对的": closingYes, "对": closingYes, "没问题": closingYes,
		"明白了": closingYes, "知道了": closingYes, "收到": closingYes, "ok": closingYes, "okay": closingYes,
		"非常感谢": closingThanks, "太感谢了": closingThanks, "感谢": closingThanks, "谢谢你": closingThanks,
		"谢谢您": closingThanks, "谢谢": closingThanks, "多谢": closingThanks, "谢啦": closingThanks, "谢了": closingThanks,
		"thanks": closingThanks,
		"没有了":    closingNo, "没有": closingNo, "没事了": closingNo, "没事": closingNo, "没别的了": closingNo,
		"没别的": closingNo, "不用了": closingNo, "不用": closingNo, "不需要了": closingNo, "不需要": closingNo,
		"就这些": closingNo, "就这样": closingNo, "不了": closingNo, "不": closingNo, "不是": closingNo,
		"再见": closingBye, "拜拜": closingBye, "bye": closingBye,
	}
	closingZHFiller = []string{"那就", "了", "啦", "哈", "呀", "哦", "啊", "吧", "那", "先", "这样"}
	closingZHWords  = func() []string {
		ws := slices.Collect(maps.Keys(closingZH))
		ws = append(ws, closingZHFiller...)
		slices.SortFunc(ws, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
		return ws
	}()
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// closing reads text as a closing turn: made only of yes, no, thanks and goodbye words (and
// fillers), in English or Chinese. Goodbye outweighs no, no outweighs thanks, thanks outweighs yes:
// "ok thanks" thanks, "no thanks" declines, "好的再见" leaves.
func closing(text string) closingKind {
	lower := strings.ToLower(strings.TrimSpace(text))
	if lower == "" || len([]rune(lower)) > 40 {
		return notClosing
	}
	kind := notClosing
	if strings.IndexFunc(lower, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
		var b strings.Builder
		for _, r := range lower {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(r)
			}
		}
		rest := b.String()
	next:
		for rest != "" {
			for _, w := range closingZHWords {
				if after, ok := strings.CutPrefix(rest, w); ok {
					kind, rest = max(kind, closingZH[w]), after
					continue next
				}
			}
			return notClosing
		}
		return kind
	}
	ws := strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '\u2019' })
	for _, w := range ws {
		w = strings.ReplaceAll(w, "\u2019", "'")
		switch k, ok := closingEN[w]; {
		case ok:
			kind = max(kind, k)
		case !closingENFiller[w]:
			return notClosing
		}
	}
	return kind
}

// What the bot answers to closing turns, by channel where the words differ.
var (
	sayWelcome = botconfig.Text{
		botconfig.LangZH: "不客气！请问还有其他可以帮您的吗？",
		botconfig.LangEN: "You're welcome! Is there anything else I can help you with?",
	}
	sayAnythingElse = botconfig.Text{
		botconfig.LangZH: "好的。请问还有什么可以帮您？",
		botconfig.LangEN: "All right. What else can I help you with?",
	}
	sayHowCanIHelp = botconfig.Text{
		botconfig.LangZH: "好的。请问有什么可以帮您？",
		botconfig.LangEN: "All right. What can I help you with?",
	}
	sayGoodbyeChat = botconfig.Text{
		botconfig.LangZH: "感谢您的咨询，祝您生活愉快，再见！",
		botconfig.LangEN: "Thank you for contacting us. Have a nice day, goodbye!",
	}
	sayGoodbyeVoice = botconfig.Text{
		botconfig.LangZH: "感谢您的来电，祝您生活愉快，再见！",
		botconfig.LangEN: "Thank you for calling. Have a nice day, goodbye!",
	}
)

// close answers a closing turn. It never counts as not understood, so a satisfied customer is not
// handed off: thanks is welcomed; a goodbye, or a no once the bot has helped, is answered with a
// goodbye in the channel's words (a call then hangs up; a chat stays open until the customer
// leaves or its idle timeout); any other yes or no asks what (else) the customer needs.
func (d *decision) close(k closingKind) {
	c := d.c
	c.LowConfidence = 0
	switch {
	case k == closingThanks:
		d.say(say(sayWelcome, c.Language))
		if c.Resolved {
			d.offerSurvey()
		}
	case k == closingBye, k == closingNo && c.Resolved:
		bye := sayGoodbyeChat
		if c.Channel == events.ChannelVoice {
			bye = sayGoodbyeVoice
		}
		d.say(say(bye, c.Language))
		if c.Channel == events.ChannelVoice {
			d.end()
		} else if c.Resolved {
			d.offerSurvey()
		}
	case c.LastIntent == "" && !c.Resolved:
		d.say(say(sayHowCanIHelp, c.Language)) // nothing asked yet
	default:
		d.say(say(sayAnythingElse, c.Language))
	}
}
