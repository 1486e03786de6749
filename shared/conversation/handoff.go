package conversation

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/lingxi/lingxi/shared/botconfig"
)

// Explicit requests for a person. A phrase matches anywhere unless a negation comes right before
// it ("不要转人工", "don't want an agent"); a bare keyword ("人工", "agent") matches only when
// the rest of the message is filler ("请帮我转人工吧", "agent please", "I want a human"), so
// "人工智能" and "I am human" do not.
var (
	zhPhrases = []string{
		"转人工", "转接人工", "人工客服", "人工服务", "人工坐席", "人工座席", "人工台", "找人工", "要人工",
		"接人工", "叫人工", "真人客服", "真人", "活人", "找客服", "叫客服", "转客服", "客服人员",
		"客服专员", "人工接待",
	}
	zhNegations = []string{"不要", "不用", "不需要", "别", "不想", "无需", "不必"}
	zhKeywords  = []string{"人工", "客服"}
	// zhFiller is what may surround a bare keyword.
	zhFiller = []string{"能不能", "能否", "可不可以", "我要", "我想", "我需要", "请问", "请", "麻烦", "帮忙", "帮我", "给我",
		"快", "转", "接", "找", "要", "个", "能", "呢", "吧", "啊", "呀", "谢谢", "您好", "你好", "一下", "可以", "吗", "嘛",
		"的", "了"}

	enPhrases = regexp.MustCompile(`\b(talk|speak|chat)\s+(to|with)\s+(a|an|some|the)?\s*(real\s+|live\s+|actual\s+)?(person|human|agent|someone|somebody|representative|rep|operator|people)\b` +
		`|\b(real|live|actual)\s+(person|human|agent|people)\b` +
		`|\bhuman\s+(agent|being|support|operator)\b` +
		`|\bcustomer\s+(service|support)\s+(agent|representative|rep|person)\b` +
		`|\b(connect|transfer|put)\s+me\s+(to|with|through\s+to)\s+(a|an|the)?\s*(person|human|agent|representative|operator|someone)\b`)
	enNegation = regexp.MustCompile(`\b(don't|dont|do\s+not|no|not|never|without)\b(\s+\w+){0,3}\s*$`)
	enKeywords = map[string]bool{"agent": true, "human": true, "person": true, "representative": true, "rep": true,
		"operator": true, "someone": true, "humans": true, "agents": true}
	enFiller = map[string]bool{"a": true, "an": true, "the": true, "please": true, "pls": true, "plz": true, "i": true,
		"want": true, "need": true, "to": true, "talk": true, "speak": true, "with": true, "get": true, "me": true,
		"can": true, "could": true, "you": true, "connect": true, "transfer": true, "live": true, "real": true,
		"give": true, "would": true, "like": true, "let": true, "just": true, "now": true, "hi": true, "hello": true,
		"ok": true, "okay": true, "i'd": true, "some": true, "go": true, "chat": true, "wanna": true}
)

// WantsPerson reports whether text explicitly asks for a human agent, in Chinese or English.
func WantsPerson(text string) bool {
	s := strings.ToLower(strings.TrimSpace(text))
	if s == "" {
		return false
	}
	return wantsPersonZh(s) || wantsPersonEn(s)
}

func wantsPersonZh(s string) bool {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	c := b.String()
	for _, p := range zhPhrases {
		for i := strings.Index(c, p); i >= 0; {
			if !negatedZh(c[:i]) {
				return true
			}
			j := strings.Index(c[i+len(p):], p)
			if j < 0 {
				break
			}
			i += len(p) + j
		}
	}
	for _, k := range zhKeywords {
		if !strings.Contains(c, k) {
			continue
		}
		rest := strings.Replace(c, k, "", 1)
		for _, f := range zhFiller {
			rest = strings.ReplaceAll(rest, f, "")
		}
		if rest == "" && !negatedZh(c[:strings.Index(c, k)]) {
			return true
		}
	}
	return false
}

// negatedZh reports whether before ends with a negation (allowing one filler character).
func negatedZh(before string) bool {
	for _, n := range zhNegations {
		if strings.HasSuffix(before, n) || strings.HasSuffix(strings.TrimRight(before, "转接找要用叫"), n) {
			return true
		}
	}
	return false
}

var enWord = regexp.MustCompile(`[a-z']+`)

func wantsPersonEn(s string) bool {
	for _, loc := range enPhrases.FindAllStringIndex(s, -1) {
		if !enNegation.MatchString(s[:loc[0]]) {
			return true
		}
	}
	words := enWord.FindAllString(s, -1)
	if len(words) == 0 || len(words) > 10 {
		return false
	}
	keyword := false
	for _, w := range words {
		switch {
		case enKeywords[w]:
			keyword = true
		case !enFiller[w]:
			return false
		}
	}
	return keyword
}

// wantsPersonDTMF: outside a flow, 0 is the keypad's "operator".
func wantsPersonDTMF(digits string) bool { return keyed(digits) == "0" }

// keyed is the keys of a keypad input without the "#" that may end it.
func keyed(digits string) string { return strings.TrimRight(digits, "#") }

// matchRule returns the first handoff rule the customer's attributes match (values compared
// case-insensitively, trimmed).
func matchRule(rules []botconfig.AttributeRule, attrs map[string]string) (botconfig.AttributeRule, bool) {
	for _, r := range rules {
		v, ok := attrs[r.Attribute]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		for _, want := range r.Values {
			if strings.EqualFold(v, strings.TrimSpace(want)) {
				return r, true
			}
		}
	}
	return botconfig.AttributeRule{}, false
}

// DefaultQueue is where handoffs go when neither the intent, a rule nor the settings name one.
const DefaultQueue = botconfig.DefaultQueue

// queueFor picks the handoff queue: the first non-empty of the arguments (the flow's or intent's
// queue, a matching rule's, the settings' default), else DefaultQueue.
func queueFor(candidates ...string) string {
	for _, q := range candidates {
		if q = strings.TrimSpace(q); q != "" {
			return q
		}
	}
	return DefaultQueue
}
