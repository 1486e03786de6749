package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The emotions Result.Emotion names.
const (
	EmotionAnger          = "anger"
	EmotionAnxiety        = "anxiety"
	EmotionDisappointment = "disappointment"
	EmotionGratitude      = "gratitude"
)

// emotionCues are the lexicon, Chinese and English. Chinese cues match
// anywhere; English cues match whole words (or phrases).
var emotionCues = map[string][]string{
	EmotionAnger: {
		"气死", "生气", "愤怒", "火大", "恼火", "过分", "垃圾", "骗子", "欺骗", "坑人", "坑爹", "投诉", "举报", "什么玩意",
		"受够", "忍无可忍", "混蛋", "黑心", "凭什么", "恶心", "差劲", "态度恶劣", "态度差", "耍我", "糊弄", "敷衍", "无耻", "太离谱",
		"angry", "furious", "outraged", "ridiculous", "unacceptable", "disgusting", "disgrace", "scam", "rip off", "ripoff",
		"fraud", "pissed", "fed up", "sick of", "hate", "useless", "incompetent", "rude", "complaint", "wtf", "what the hell",
		"liar", "lied", "cheated", "thanks for nothing", "joke of a", "pathetic", "absurd",
	},
	EmotionAnxiety: {
		"着急", "急死", "急用", "担心", "害怕", "焦虑", "怎么办", "尽快", "赶紧", "还没到", "还没收到", "还没有到", "还没有收到",
		"一直在等", "来不及", "紧急", "不安", "慌", "怕", "万一",
		"worried", "worry", "worrying", "anxious", "nervous", "urgent", "urgently", "asap", "as soon as possible", "hurry",
		"still waiting", "still haven't", "still havent", "still not", "haven't received", "havent received", "scared",
		"afraid", "concerned", "panic", "panicking", "stressed", "running out of time",
	},
	EmotionDisappointment: {
		"失望", "遗憾", "可惜", "本以为", "还以为", "原以为", "没想到", "白等", "白费", "郁闷", "心寒", "不值", "后悔", "唉",
		"不如以前", "大不如前",
		"disappointed", "disappointing", "disappointment", "let down", "letdown", "expected better", "expected more",
		"unfortunately", "sadly", "regret", "not worth", "waste of", "was hoping", "had hoped", "shame", "pity", "sad",
		"used to be", "oh well",
	},
	EmotionGratitude: {
		"谢谢", "感谢", "多谢", "谢啦", "谢了", "辛苦了", "辛苦你", "感激", "帮大忙",
		"thank you", "thanks", "thank", "thx", "appreciate", "appreciated", "grateful", "lifesaver", "much obliged",
	},
}

// notGratitude are phrases with a gratitude word that thank no one.
var notGratitude = []string{"不用谢", "不谢", "thanks for nothing", "no thanks", "no thank you"}

// emotionOf reads the emotion of a message from the lexicon and the
// model's polarity:
//
//   - A clearly positive message (score 0.5 or more) can only be grateful.
//   - Otherwise the negative emotion with the most cues wins (anger, then
//     anxiety, then disappointment on a tie): cues count even in a neutral
//     message, as anxiety is often polite ("请尽快处理").
//   - With no such cue, a negative message (label negative or score below
//     -0.2) with two or more exclamation marks is anger, and a message that
//     is not negative is grateful when it thanks someone; otherwise there
//     is no emotion.
//
// Phrases such as "thanks for nothing" or 不用谢 thank no one.
func emotionOf(text string, r Result) string {
	low := strings.ToLower(text)
	grateful := func() bool {
		g := low
		for _, p := range notGratitude {
			g = strings.ReplaceAll(g, p, " ")
		}
		for _, c := range emotionCues[EmotionGratitude] {
			if cueCount(g, c) > 0 {
				return true
			}
		}
		return false
	}
	if r.Score >= 0.5 {
		if grateful() {
			return EmotionGratitude
		}
		return ""
	}
	best, bestN := "", 0
	for _, e := range []string{EmotionAnger, EmotionAnxiety, EmotionDisappointment} {
		n := 0
		for _, c := range emotionCues[e] {
			n += cueCount(low, c)
		}
		if n > bestN {
			best, bestN = e, n
		}
	}
	if best != "" {
		return best
	}
	negative := r.Label == Negative || r.Score < -0.2
	switch {
	case negative && strings.Count(low, "!")+strings.Count(low, "！") >= 2:
		return EmotionAnger
	case !negative && grateful():
		return EmotionGratitude
	}
	return ""
}

// cueCount counts a cue's occurrences in lower-case text: anywhere for a
// cue with CJK characters, as whole words for a Latin one.
func cueCount(low, cue string) int {
	if cue == "" {
		return 0
	}
	latin := true
	for _, r := range cue {
		if isCJK(r) {
			latin = false
			break
		}
	}
	if !latin {
		return strings.Count(low, cue)
	}
	n := 0
	for i := 0; ; {
		j := strings.Index(low[i:], cue)
		if j < 0 {
			return n
		}
		start, end := i+j, i+j+len(cue)
		if boundaryBefore(low, start) && boundaryAfter(low, end) {
			n++
		}
		i = start + 1
	}
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func boundaryAfter(s string, i int) bool {
	for _, r := range s[i:] {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}
	return true
}
