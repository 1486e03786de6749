package conversation

// menu.go: the voice channel's keypad menu (botconfig.Settings.VoiceMenu). A caller without a
// speech recogniser for their language (Chinese on the local stack) keys a digit instead of saying
// the problem: at the top of a call, a listed key picks its intent as a suggestion does; the
// call's greeting reads the menu out, and its gather listens for one key and the menu's names; a
// silence at the top of the call hears the menu again.

import (
	"fmt"
	"strings"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
)

// How the greeting reads the menu: one phrase per key, then the operator's, in each language.
var (
	sayMenuKey = botconfig.Text{
		botconfig.LangZH: "%s请按%s，",
		botconfig.LangEN: "For %s, press %s. ",
	}
	sayMenuOperator = botconfig.Text{
		botconfig.LangZH: "人工服务请按0。",
		botconfig.LangEN: "For a person, press 0.",
	}
)

// menuPick is the menu entry input in picks on c: keypad input on a call at the top level (no
// flow running, no person on it) that is a key the menu lists.
func menuPick(set botconfig.Settings, c *Conversation, in Input) (botconfig.MenuEntry, bool) {
	if c.Channel != events.ChannelVoice || in.DTMF == "" || c.Flow != "" || c.State != StateActive {
		return botconfig.MenuEntry{}, false
	}
	return set.MenuIntent(keyed(in.DTMF))
}

// menuName is what the menu calls entry e in lang: the entry's label in lang, else the intent's
// display text. A flow the entry's key starts begins with it (dialog.StartInput.Text, which sets
// the flow's language).
func menuName(e botconfig.MenuEntry, display string, lang botconfig.Lang) string {
	if l := strings.TrimSpace(e.Label[lang]); l != "" {
		return l
	}
	return display
}

// menuIntents are the ids of the menu's intents, for the load.
func menuIntents(set botconfig.Settings) []string {
	ids := make([]string, 0, len(set.VoiceMenu))
	for _, e := range set.VoiceMenu {
		ids = append(ids, e.Intent)
	}
	return ids
}

// menuItem is one entry as the caller hears it.
type menuItem struct{ key, name string }

// menuItems are the menu's entries whose intent the tenant has, named in lang: the entry's label
// in lang, else the intent's display text. An entry whose intent is gone is left out (the key
// then picks nothing), with a note.
func (d *decision) menuItems(lang botconfig.Lang) []menuItem {
	var out []menuItem
	for _, e := range d.l.set.VoiceMenu {
		in, ok, err := d.l.intent(e.Intent)
		if err != nil || !ok {
			d.warn("the voice menu names an intent the configuration lacks", "intent", e.Intent, "digit", e.Digit, "err", err)
			continue
		}
		out = append(out, menuItem{key: e.Digit, name: menuName(e, displayText(in, lang), lang)})
	}
	return out
}

// menuPrompt is how the greeting reads the menu in lang: "银行卡挂失请按1，人工服务请按0。", "For a
// lost or stolen card, press 1. For a person, press 0."; "" for no menu.
func menuPrompt(items []menuItem, lang botconfig.Lang) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, sayMenuKey.In(lang), it.name, it.key)
	}
	b.WriteString(sayMenuOperator.In(lang))
	return b.String()
}

// withMenu joins a prompt and the menu into one: a Chinese sentence follows another without a
// space.
func withMenu(prompt, menu string, lang botconfig.Lang) string {
	switch {
	case menu == "":
		return prompt
	case lang == botconfig.LangZH:
		return prompt + menu
	}
	return prompt + " " + menu
}

// menuOnSilence reports whether a turn on c with input in says the menu again: a call's turn
// without input (a timeout) at the top level, when the tenant has a menu.
func menuOnSilence(set botconfig.Settings, c *Conversation, in Input) bool {
	return c.Channel == events.ChannelVoice && len(set.VoiceMenu) > 0 && c.State == StateActive && c.Flow == "" &&
		strings.TrimSpace(in.Text) == "" && in.DTMF == "" && in.Suggestion == ""
}

// noInput is what a turn without input says: sorry, say it again; on a call with a menu, the
// menu again after it.
func (d *decision) noInput(in Input) botconfig.Text {
	c := d.c
	if !menuOnSilence(d.l.set, c, in) || c.Language == "" {
		return sayNoInput
	}
	return botconfig.Text{c.Language: withMenu(sayNoInput.In(c.Language), menuPrompt(d.menuItems(c.Language), c.Language), c.Language)}
}

// greetCall greets a call: the greeting and the menu in one prompt, then a gather for speech or
// one key, its hints the suggestions and the menu's names.
func (d *decision) greetCall(greeting string) {
	c := d.c
	items := d.menuItems(c.Language)
	d.say(withMenu(greeting, menuPrompt(items, c.Language), c.Language))
	if len(items) == 0 {
		return // the default gather
	}
	g := &Action{Type: ActionGather, DTMF: true, MaxDigits: gatherMaxDigits, TimeoutMS: GatherTimeoutMS}
	for _, sg := range c.Suggestions {
		g.Hints = append(g.Hints, sg.Text)
	}
	for _, it := range items {
		g.Hints = append(g.Hints, it.name)
	}
	d.gather = g
}
