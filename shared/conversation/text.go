package conversation

import (
	"strings"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
)

// What the bot says when the tenant has not worded it, in each language.
var (
	defaultGreeting = botconfig.Text{
		botconfig.LangZH: "您好，我是智能客服，请问有什么可以帮您？",
		botconfig.LangEN: "Hello! I'm the virtual assistant. How can I help you today?",
	}
	defaultFallback = botconfig.Text{
		botconfig.LangZH: "抱歉，我没有理解您的意思，可以换个说法吗？",
		botconfig.LangEN: "Sorry, I didn't understand that. Could you put it another way?",
	}
	sayHandoff = botconfig.Text{
		botconfig.LangZH: "好的，正在为您转接人工客服，请稍候。",
		botconfig.LangEN: "Sure, I'm connecting you with a person now. Please hold on.",
	}
	sayHandoffLowConfidence = botconfig.Text{
		botconfig.LangZH: "抱歉没能帮到您，正在为您转接人工客服，请稍候。",
		botconfig.LangEN: "Sorry I couldn't help with that. I'm connecting you with a person now. Please hold on.",
	}
	sayHandoffPolicy = botconfig.Text{
		botconfig.LangZH: "您好，正在为您安排专属人工客服，请稍候。",
		botconfig.LangEN: "Hello! I'm connecting you with a member of our team now. Please hold on.",
	}
	sayNoInput = botconfig.Text{
		botconfig.LangZH: "抱歉，我没有听清，请再说一遍您的问题。",
		botconfig.LangEN: "Sorry, I didn't catch that. Please tell me again how I can help.",
	}
)

// say returns t in lang; when lang is not known yet, every language t has, Chinese first.
func say(t botconfig.Text, lang botconfig.Lang) string {
	if lang != "" {
		return t.In(lang)
	}
	var parts []string
	for _, l := range []botconfig.Lang{botconfig.LangZH, botconfig.LangEN} {
		if s := strings.TrimSpace(t[l]); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// callerLanguage is the language a call is answered in before the caller says a word: a voice
// reads one language aloud, never both. A Chinese number (+86, 0086, or a mainland mobile number
// without a prefix) or an unknown one is answered in Chinese, another international number in
// English; the conversation then follows what the caller says (dialog.Follow).
func callerLanguage(caller string) botconfig.Lang {
	n := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(caller))
	switch {
	case strings.HasPrefix(n, "+86"), strings.HasPrefix(n, "0086"):
		return botconfig.LangZH
	case strings.HasPrefix(n, "+"), strings.HasPrefix(n, "00"):
		return botconfig.LangEN
	}
	return botconfig.LangZH
}

// orDefault returns t when it has any text, else def.
func orDefault(t, def botconfig.Text) botconfig.Text {
	for _, s := range t {
		if strings.TrimSpace(s) != "" {
			return t
		}
	}
	return def
}

// displayText is how a suggested intent is shown: its first example in lang, else its
// description, else its first example, else its id.
func displayText(in botconfig.Intent, lang botconfig.Lang) string {
	for _, ex := range in.Examples {
		if lang != "" && dialog.DetectLanguage(ex) == lang {
			return ex
		}
	}
	if d := strings.TrimSpace(in.Description); d != "" {
		return d
	}
	if len(in.Examples) > 0 {
		return in.Examples[0]
	}
	return in.ID
}
