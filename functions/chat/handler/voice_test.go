package handler

import (
	"fmt"
	"sync"
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
)

// actionTypes lists a voice reply's action types.
func actionTypes(r map[string]any) []string {
	var out []string
	for _, a := range list(r["actions"]) {
		out = append(out, str(obj(a)["type"]))
	}
	return out
}

func action(r map[string]any, typ string) map[string]any {
	for _, a := range list(r["actions"]) {
		if obj(a)["type"] == typ {
			return obj(a)
		}
	}
	return nil
}

// The media edge's voice turns run the same dialog and get plain actions back: say, gather,
// transfer, hangup, with the knowledge base's voice wording.
func TestVoiceTurns(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	call := map[string]any{"call_id": "a84b4c76e66710@pc33.example.com", "caller": "+8613800000000"}

	// The call is answered: greeting, then listen (speech, or keypad 0 for a person).
	r := e.voice(t, key, call)
	id := str(r["conversation_id"])
	if id != conversation.VoiceConversationID(str(call["call_id"])) || r["state"] != "active" {
		t.Fatalf("first turn: %v", r)
	}
	if got := actionTypes(r); joined(got) != "say | gather" {
		t.Fatalf("first turn actions %v", got)
	}
	if g := action(r, "gather"); g["dtmf"] != true || g["max_digits"] != float64(1) || g["timeout_ms"] != float64(conversation.GatherTimeoutMS) {
		t.Fatalf("gather %v", g)
	}
	// The greeting reads the keypad menu out in the caller's language (a Chinese number).
	if say := str(action(r, "say")["text"]); say != "您好，我是灵犀，请问有什么可以帮您？银行卡挂失请按1，我的余额是多少请按2，人工服务请按0。" {
		t.Fatalf("greeting %q", say)
	}
	if hints := fmt.Sprint(action(r, "gather")["hints"]); hints != "[银行卡挂失 我的余额是多少]" {
		t.Fatalf("greeting's gather hints %s", hints)
	}
	// An FAQ, in the knowledge base's voice wording.
	r = e.voice(t, key, map[string]any{"call_id": call["call_id"], "text": "how do I reset my PIN"})
	if say := action(r, "say"); str(say["text"]) != "You can reset your PIN in our app, on the Cards page." {
		t.Fatalf("FAQ: %v", r)
	}
	// A flow, answered on the keypad.
	r = e.voice(t, key, map[string]any{"call_id": call["call_id"], "conversation_id": id, "text": "I lost my card"})
	if say, g := action(r, "say"), action(r, "gather"); str(say["text"]) != "What are the last 4 digits of the card?" || g["dtmf"] != true || g["max_digits"] != float64(4) {
		t.Fatalf("flow question: %v", r)
	}
	r = e.voice(t, key, map[string]any{"call_id": call["call_id"], "dtmf": "4321#"})
	if say := action(r, "say"); str(say["text"]) != "Lock the card ending 4321?" {
		t.Fatalf("flow confirm: %v", r)
	}
	r = e.voice(t, key, map[string]any{"call_id": call["call_id"], "dtmf": "1"})
	if got := actionTypes(r); joined(got) != "say | hangup" || str(action(r, "say")["text"]) != "The card ending 4321 is locked." || r["state"] != "ended" {
		t.Fatalf("flow end hangs up: %v", r)
	}
	if ce := one[lxevents.ContactEnded](t, e, lxevents.TypeContactEnded, id); ce.Outcome != lxevents.OutcomeResolvedByBot || ce.Channel != lxevents.ChannelVoice || ce.Intent != "card_lost" {
		t.Fatalf("contact.ended: %+v", ce)
	}
	if msgs := e.eventsOf(t, lxevents.TypeChatMessage, id); len(msgs) != 9 {
		t.Fatalf("%d chat.message events, want 9", len(msgs))
	}
	// The call is over.
	if r := e.do(t, "POST", "/v1/voice/turns", key, `{"call_id":"a84b4c76e66710@pc33.example.com","text":"hello"}`); r.code != 409 {
		t.Fatalf("turn after hangup: %d %s", r.code, r.raw)
	}

	// A caller who starts with "转人工" is not greeted but transferred, in Chinese.
	r = e.voice(t, key, map[string]any{"call_id": "call-2", "text": "转人工"})
	if got := actionTypes(r); joined(got) != "say | transfer" || str(action(r, "say")["text"]) != "好的，正在为您转接人工客服，请稍候。" || action(r, "transfer")["queue"] != "general" {
		t.Fatalf("转人工 on the first turn: %v", r)
	}
	if cc := one[lxevents.ContactCreated](t, e, lxevents.TypeContactCreated, str(r["conversation_id"])); cc.Channel != lxevents.ChannelVoice ||
		cc.Reason != lxevents.ReasonCustomerRequest || len(cc.Transcript) != 2 || cc.Transcript[0].Text != "转人工" {
		t.Fatalf("contact.created: %+v", cc)
	}
	// Keypad 0 asks for a person.
	e.voice(t, key, map[string]any{"call_id": "call-3"})
	r = e.voice(t, key, map[string]any{"call_id": "call-3", "dtmf": "0"})
	if got := actionTypes(r); joined(got) != "say | transfer" {
		t.Fatalf("keypad 0: %v", r)
	}
	// Silence twice hands off too; the first hears the keypad menu again. A call speaks one
	// language, never both (issue 8): a caller without a number is answered in Chinese.
	e.voice(t, key, map[string]any{"call_id": "call-4"})
	r = e.voice(t, key, map[string]any{"call_id": "call-4"})
	if got := actionTypes(r); joined(got) != "say | gather" || str(action(r, "say")["text"]) != "抱歉，我没有听清，请再说一遍您的问题。银行卡挂失请按1，我的余额是多少请按2，人工服务请按0。" {
		t.Fatalf("first silence: %v", r)
	}
	r = e.voice(t, key, map[string]any{"call_id": "call-4", "text": ""})
	if got := actionTypes(r); joined(got) != "say | transfer" {
		t.Fatalf("second silence: %v", r)
	}
	if cc := one[lxevents.ContactCreated](t, e, lxevents.TypeContactCreated, str(r["conversation_id"])); cc.Reason != lxevents.ReasonLowConfidence {
		t.Fatalf("contact.created: %+v", cc)
	}
	// Two first turns of one call at once (a retry racing the original): one conversation, one
	// greeting.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { e.voice(t, key, map[string]any{"call_id": "call-6"}) })
	}
	wg.Wait()
	if got := e.must(t, 200, "GET", "/v1/conversations/"+conversation.VoiceConversationID("call-6"), key, ""); got["total_messages"] != float64(1) {
		t.Fatalf("racing first turns: %v", got)
	}
	// The media edge ends a call the caller hung up with the end route.
	id5 := str(e.voice(t, key, map[string]any{"call_id": "call-5"})["conversation_id"])
	if end := e.must(t, 200, "POST", "/v1/conversations/"+id5+"/end", key, ""); end["outcome"] != "abandoned" || end["channel"] != "voice" {
		t.Fatalf("caller hung up: %v", end)
	}
}

// The keypad menu: a Chinese caller, who has no speech recogniser locally, keys 1 at the greeting
// and the lost-card flow starts; an English caller keys 2 and hears the balance answer; a key the
// menu does not list is not understood; during the flow, 1 is the flow's.
func TestVoiceMenu(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	r := e.voice(t, key, map[string]any{"call_id": "menu-zh", "caller": "+8613800000000"})
	id := str(r["conversation_id"])
	r = e.voice(t, key, map[string]any{"call_id": "menu-zh", "dtmf": "1"})
	if say, g := str(action(r, "say")["text"]), action(r, "gather"); say != "请问卡号后四位是多少？" || g["max_digits"] != float64(4) {
		t.Fatalf("zh key 1: %v", r)
	}
	r = e.voice(t, key, map[string]any{"call_id": "menu-zh", "dtmf": "1"})
	if say := str(action(r, "say")["text"]); say == "" || r["state"] != "active" || joined(actionTypes(r)) != "say | gather" {
		t.Fatalf("1 during the flow: %v", r)
	}
	conv := e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")
	msgs := list(conv["messages"])
	if m := obj(msgs[1]); m["role"] != "customer" || m["text"] != "我的卡丢了" || m["intent"] != "card_lost" {
		t.Fatalf("transcript: %v", msgs)
	}
	if m := obj(msgs[3]); m["text"] != "1" || m["intent"] != nil {
		t.Fatalf("transcript: the key during the flow %v", m)
	}

	e.voice(t, key, map[string]any{"call_id": "menu-en", "caller": "+442071234567"})
	r = e.voice(t, key, map[string]any{"call_id": "menu-en", "dtmf": "2"})
	if say := str(action(r, "say")["text"]); say != "Your balance is on the home page of the app." {
		t.Fatalf("en key 2: %v", r)
	}
	r = e.voice(t, key, map[string]any{"call_id": "menu-en", "dtmf": "7"})
	if say := str(action(r, "say")["text"]); say != "Sorry, I didn't understand that. Could you put it another way?" { // as before the menu
		t.Fatalf("en key 7: %v", r)
	}
}
