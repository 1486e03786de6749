package dialog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lang is a conversation language. Chinese and English are both first-class:
// every message of a flow is written in each language the flow offers.
type Lang string

// Languages the engine speaks.
const (
	LangUnknown Lang = ""
	LangEn      Lang = "en"
	LangZh      Lang = "zh"
)

// Valid reports whether l is a language the engine speaks (en or zh).
func (l Lang) Valid() bool { return l == LangEn || l == LangZh }

// DetectLanguage says which language text is written in: LangZh when it has
// at least as many Chinese characters as Latin-script words, LangEn when it
// has letters otherwise, and LangUnknown when it has no letters at all
// ("1234", "#", ""), so that digits never switch a conversation's language.
func DetectLanguage(text string) Lang {
	han, words := 0, 0
	inWord := false
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			inWord = false
		case unicode.IsLetter(r):
			if !inWord {
				words++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	switch {
	case han == 0 && words == 0:
		return LangUnknown
	case han >= words:
		return LangZh
	default:
		return LangEn
	}
}

// Follow returns the language a conversation in current continues in after
// the customer wrote text: the text's language, except that text without
// letters ("1234") changes nothing and a short Latin reply ("ok", "1234
// please", "ABC123") does not turn a Chinese conversation English. It is the
// one language-follow rule of the bot and its flows.
func Follow(current Lang, text string) Lang {
	l := DetectLanguage(text)
	switch {
	case l == LangUnknown:
		return current
	case l == LangEn && current == LangZh && latinWords(text) < 2:
		return current
	}
	return l
}

// latinWords counts runs of letters that are not Chinese characters.
func latinWords(text string) int {
	n, inWord := 0, false
	for _, r := range text {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Han, r) {
			if !inWord {
				n++
			}
			inWord = true
		} else {
			inWord = false
		}
	}
	return n
}

// MaxExtractBytes is how much of a text the extractors, IsYes, IsNo and
// MatchEnum read: longer texts are cut (on a character boundary), which
// bounds their work on hostile input.
const MaxExtractBytes = 4096

// normalize folds full-width ASCII forms (１２３, ＡＢＣ, ＋, ：) to ASCII, the
// ideographic space to a space, the full-width yen sign to ¥, and letters to
// lower case, after cutting s to MaxExtractBytes. All extractors work on
// normalised text.
func normalize(s string) string {
	s = cut(s, MaxExtractBytes)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			return ' '
		case r == 0xFFE5:
			return '¥'
		case r == 0xFFE1:
			return '£'
		case r == '\u2019' || r == '\u2018':
			return '\''
		}
		return unicode.ToLower(r)
	}, s)
}

// compact is normalize with every space and punctuation mark removed, and
// trailing Chinese modal particles (啊, 吧, 呢…) dropped: the form yes/no answers are
// compared in.
func compact(s string) string {
	var b strings.Builder
	for _, r := range normalize(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	for {
		trimmed := strings.TrimRightFunc(out, func(r rune) bool { return strings.ContainsRune("啊呀吧呢嘛哦喔哈啦", r) })
		if trimmed == out || trimmed == "" {
			return out
		}
		out = trimmed
	}
}

// words splits normalised text into runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'')
	})
}

var (
	yesZhExact = setOf("是", "是的", "对", "对的", "好", "好的", "嗯", "嗯嗯", "恩", "可以", "确认", "确定", "没错", "行", "要", "需要", "同意", "当然", "没问题", "对头", "正确", "是我", "ok", "okay", "yes", "嗯是的", "对对", "对对对", "好好")
	noZhExact  = setOf("不", "不是", "不对", "不要", "不用", "不行", "不可以", "不好", "否", "取消", "没有", "算了", "别", "错", "错了", "不需要", "不确认", "不同意", "no", "不不")
	// Prefixes decide longer Chinese answers: "是的，没错" or "不是我的卡".
	yesZhPrefix = []string{"是的", "是", "对", "好的", "好", "嗯", "可以", "确认", "确定", "没错", "没问题", "行", "同意", "当然", "正确"}
	noZhPrefix  = []string{"不", "否", "取消", "没有", "算了", "别", "错"}
	// Contained anywhere, these decide too ("我确认", "帮我取消").
	yesZhContains = []string{"确认", "没错", "是的", "对的", "好的", "同意", "可以"}
	noZhContains  = []string{"取消", "不是", "不对", "不要", "不用", "算了", "不可以", "不确认", "不同意", "不需要"}

	yesEn = setOf("yes", "yeah", "yea", "yep", "yup", "ya", "sure", "correct", "confirm", "confirmed", "right", "ok", "okay", "affirmative", "absolutely", "definitely", "certainly", "indeed", "exactly", "agreed", "agree", "proceed", "y")
	noEn  = setOf("no", "nope", "nah", "cancel", "negative", "wrong", "incorrect", "don't", "dont", "not", "never", "stop", "n", "nay")
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// IsYes reports whether text is an affirmative answer in English or Chinese:
// "yes", "yeah", "correct", "confirm", "是", "对", "好的", "确认", "没错"….
// A negated phrase ("不是", "not correct") is never yes.
func IsYes(text string) bool { return yesNo(text) == answerYes }

// IsNo reports whether text is a negative answer in English or Chinese:
// "no", "nope", "cancel", "不", "不是", "取消", "否"….
func IsNo(text string) bool { return yesNo(text) == answerNo }

type answer int

const (
	answerNone answer = iota
	answerYes
	answerNo
)

func yesNo(text string) answer {
	c := compact(text)
	if c == "" {
		return answerNone
	}
	if noZhExact[c] {
		return answerNo
	}
	if yesZhExact[c] {
		return answerYes
	}
	if hasHan(c) {
		for _, p := range noZhPrefix {
			if strings.HasPrefix(c, p) {
				return answerNo
			}
		}
		for _, p := range noZhContains {
			if strings.Contains(c, p) {
				return answerNo
			}
		}
		for _, p := range yesZhPrefix {
			if strings.HasPrefix(c, p) {
				return answerYes
			}
		}
		for _, p := range yesZhContains {
			if strings.Contains(c, p) && !strings.ContainsAny(c, "不没别") {
				return answerYes
			}
		}
		return answerNone
	}
	ws := words(normalize(text))
	yes, no := false, false
	for i, w := range ws {
		switch {
		case w == "not" || w == "don't" || w == "dont":
			no = true
		case noEn[w]:
			// "no problem" and "no doubt" agree.
			if w == "no" && i+1 < len(ws) && (ws[i+1] == "problem" || ws[i+1] == "doubt") {
				yes = true
				continue
			}
			no = true
		case yesEn[w]:
			yes = true
		case w == "go" && i+1 < len(ws) && ws[i+1] == "ahead":
			yes = true
		case w == "of" && i+1 < len(ws) && ws[i+1] == "course":
			yes = true
		case w == "please" && len(ws) == 1:
			yes = true
		}
	}
	switch {
	case no && !yes:
		return answerNo
	case no && yes:
		// "not correct", "no, that's not right": a negation wins; "yes, don't"
		// is unclear.
		if ws[0] == "no" || ws[0] == "not" || ws[0] == "nope" || ws[0] == "nah" {
			return answerNo
		}
		for i := 0; i+1 < len(ws); i++ {
			if (ws[i] == "not" || ws[i] == "don't" || ws[i] == "dont") && yesEn[ws[i+1]] {
				return answerNo
			}
		}
		return answerNone
	case yes:
		return answerYes
	}
	return answerNone
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
