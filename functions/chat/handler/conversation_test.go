package handler

import (
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/store"
)

// One English conversation, end to end: greeting, an FAQ answered from the knowledge base, an
// intent answered, an intent flow run to its end, an explicit request for a person with the
// contact.created event read back from the stream, then the customer leaving.
func TestConversationEnglish(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")

	start := e.start(t, key, `{"customer":{"id":"cust-1","attributes":{"tier":"gold","city":"Hangzhou"}},"channel":"chat","language":"en"}`)
	id := str(start["id"])
	if got := texts(start); len(got) != 1 || got[0] != "Hi, I'm Lingxi. How can I help?" || start["state"] != "active" {
		t.Fatalf("start: %v", start)
	}
	if _, ok := start["suggestions"].([]any); !ok {
		t.Fatalf("start has no suggestions list: %v", start)
	}

	// FAQ: the knowledge base answers (the classifier would have said "balance").
	r := e.say(t, key, id, "how do I reset my PIN")
	if got := texts(r); len(got) != 1 || got[0] != "You can reset your PIN in the app under Cards > PIN." {
		t.Fatalf("FAQ: %v", r)
	}
	// An intent with an answer.
	r = e.say(t, key, id, "what is my balance")
	if got := texts(r); len(got) != 1 || got[0] != "Your balance is on the home page of the app." {
		t.Fatalf("balance: %v", r)
	}
	// An expired article does not answer: the fallback does.
	r = e.say(t, key, id, "spring promotion details")
	if got := texts(r); len(got) != 1 || got[0] != "Sorry, I didn't get that. Could you rephrase?" {
		t.Fatalf("expired article: %v", r)
	}
	// An intent with a flow: ask, confirm, end.
	r = e.say(t, key, id, "I lost my card")
	if got := texts(r); len(got) != 1 || got[0] != "What are the last 4 digits of the card?" {
		t.Fatalf("flow start: %v", r)
	}
	r = e.say(t, key, id, "it ends in 1234")
	if got := texts(r); len(got) != 1 || got[0] != "Lock the card ending 1234?" {
		t.Fatalf("flow confirm: %v", r)
	}
	if len(list(r["quick_replies"])) == 0 {
		t.Errorf("a confirm question offers no quick replies: %v", r)
	}
	r = e.say(t, key, id, "yes")
	if got := texts(r); len(got) != 1 || got[0] != "The card ending 1234 is locked." || r["state"] != "active" {
		t.Fatalf("flow end: %v", r)
	}
	// A person, please.
	r = e.say(t, key, id, "talk to a person")
	if got := texts(r); len(got) != 1 || got[0] != "Sure, I'm connecting you with a person now. Please hold on." || r["state"] != "handoff" {
		t.Fatalf("handoff: %v", r)
	}
	if acts := list(r["actions"]); len(acts) != 1 || obj(acts[0])["type"] != "transfer" || obj(acts[0])["queue"] != "cards" {
		t.Fatalf("handoff actions: %v", r["actions"])
	}
	cc := one[lxevents.ContactCreated](t, e, lxevents.TypeContactCreated, id)
	if cc.Queue != "cards" || cc.Reason != lxevents.ReasonCustomerRequest || cc.Intent != "card_lost" || cc.CustomerID != "cust-1" || cc.Channel != lxevents.ChannelChat {
		t.Fatalf("contact.created: %+v", cc)
	}
	if cc.Attributes["tier"] != "gold" || cc.Attributes["city"] != "Hangzhou" || cc.Attributes["language"] != "en" {
		t.Fatalf("contact.created attributes: %v", cc.Attributes)
	}
	if n := len(cc.Transcript); n != 15 || cc.Transcript[1].Text != "how do I reset my PIN" || cc.Transcript[n-2].Text != "talk to a person" || cc.Transcript[n-1].Role != lxevents.RoleBot {
		t.Fatalf("contact.created transcript (%d): %+v", n, cc.Transcript)
	}
	// In handoff the bot is silent but keeps the transcript for the agent.
	r = e.say(t, key, id, "hello? anyone there?")
	if len(texts(r)) != 0 || r["state"] != "handoff" {
		t.Fatalf("message in handoff: %v", r)
	}
	// The customer leaves.
	end := e.must(t, 200, "POST", "/v1/conversations/"+id+"/end", key, "")
	if end["state"] != "ended" || end["outcome"] != "handed_off" {
		t.Fatalf("end: %v", end)
	}
	ce := one[lxevents.ContactEnded](t, e, lxevents.TypeContactEnded, id)
	if ce.Outcome != lxevents.OutcomeHandedOff || ce.Intent != "card_lost" || ce.Channel != lxevents.ChannelChat {
		t.Fatalf("contact.ended: %+v", ce)
	}
	// Every message is a chat.message event, in order.
	msgs := e.eventsOf(t, lxevents.TypeChatMessage, id)
	got := e.must(t, 200, "GET", "/v1/conversations/"+id, key, "")
	transcript := list(got["messages"])
	if len(msgs) != len(transcript) || len(transcript) != 16 || got["total_messages"] != float64(16) || got["truncated"] != false {
		t.Fatalf("%d chat.message events, transcript %d: %v", len(msgs), len(transcript), got)
	}
	for i, ev := range msgs {
		m, _ := lxevents.DataAs[lxevents.ChatMessage](ev)
		if m.Text != str(obj(transcript[i])["text"]) || string(m.Role) != str(obj(transcript[i])["role"]) {
			t.Fatalf("event %d %+v does not match transcript %v", i, m, transcript[i])
		}
		if m.Text == "what is my balance" && (m.Intent != "balance" || m.Confidence <= 0) {
			t.Fatalf("customer message lacks its intent: %+v", m)
		}
	}
	// The summary names the intent that decided the outcome (the card the customer was handed off
	// about), not the first one (issue 8).
	if got["intent"] != "card_lost" || got["queue"] != "cards" || got["handoff_reason"] != "customer_request" {
		t.Fatalf("transcript summary: %v", got)
	}
	// Conversations expire 30 days after their last turn.
	item := e.rawItem(t, "acme", id)
	ttl, _ := strconv.ParseInt(item[store.AttrTTL].(*types.AttributeValueMemberN).Value, 10, 64)
	if want := time.Now().Add(conversation.TTL).Unix(); ttl < want-60 || ttl > want+60 {
		t.Fatalf("ttl %d, want about %d", ttl, want)
	}
	// An ended conversation takes no more messages.
	if r := e.do(t, "POST", "/v1/conversations/"+id+"/messages", key, `{"text":"hi"}`); r.code != 409 {
		t.Fatalf("message after end: %d %s", r.code, r.raw)
	}
}

// The same in Chinese: the knowledge base, a flow with Chinese answers, an intent that goes to
// people (complaint), and "转人工".
func TestConversationChinese(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")

	start := e.start(t, key, `{"customer":{"id":"cust-zh"}}`)
	id := str(start["id"])
	if got := texts(start); len(got) != 1 || got[0] != "您好，我是灵犀，请问有什么可以帮您？\nHi, I'm Lingxi. How can I help?" {
		t.Fatalf("greeting without a language is in both: %v", got)
	}
	r := e.say(t, key, id, "忘记密码怎么办")
	if got := texts(r); len(got) != 1 || got[0] != "您可以在App的“卡片 > 密码”中重置密码。" || r["language"] != "zh" {
		t.Fatalf("FAQ: %v", r)
	}
	r = e.say(t, key, id, "你们几点开门")
	if got := texts(r); len(got) != 1 || got[0] != "网点营业时间为周一至周六 9:00–17:00。" {
		t.Fatalf("opening hours: %v", r)
	}
	r = e.say(t, key, id, "我的银行卡丢了")
	if got := texts(r); len(got) != 1 || got[0] != "请问卡号后四位是多少？" {
		t.Fatalf("flow start: %v", r)
	}
	r = e.say(t, key, id, "尾号5678")
	if got := texts(r); len(got) != 1 || got[0] != "确认冻结尾号5678的卡吗？" {
		t.Fatalf("flow confirm: %v", r)
	}
	r = e.say(t, key, id, "是的")
	if got := texts(r); len(got) != 1 || got[0] != "尾号5678的卡已冻结。" {
		t.Fatalf("flow end: %v", r)
	}
	r = e.say(t, key, id, "转人工")
	if got := texts(r); len(got) != 1 || got[0] != "好的，正在为您转接人工客服，请稍候。" || r["state"] != "handoff" {
		t.Fatalf("转人工: %v", r)
	}
	cc := one[lxevents.ContactCreated](t, e, lxevents.TypeContactCreated, id)
	if cc.Queue != "cards" || cc.Reason != lxevents.ReasonCustomerRequest || cc.Attributes["language"] != "zh" {
		t.Fatalf("contact.created: %+v", cc)
	}
	if n := len(cc.Transcript); cc.Transcript[n-2].Text != "转人工" || cc.Transcript[n-1].Text != "好的，正在为您转接人工客服，请稍候。" {
		t.Fatalf("transcript: %+v", cc.Transcript)
	}

	// An intent with neither flow nor answer goes to its queue.
	id2 := str(e.start(t, key, `{"customer":{"id":"cust-zh-2"},"language":"zh"}`)["id"])
	r = e.say(t, key, id2, "我要投诉")
	if got := texts(r); len(got) != 1 || got[0] != "好的，正在为您转接人工客服，请稍候。" || r["state"] != "handoff" {
		t.Fatalf("complaint: %v", r)
	}
	if cc := one[lxevents.ContactCreated](t, e, lxevents.TypeContactCreated, id2); cc.Queue != "complaints" || cc.Intent != "complaint" || cc.Reason != lxevents.ReasonPolicy {
		t.Fatalf("complaint contact.created: %+v", cc)
	}

	// Outcomes: answered then left is resolved by the bot; greeted then left is abandoned.
	id3 := str(e.start(t, key, `{"language":"zh"}`)["id"])
	e.say(t, key, id3, "境外消费手续费")
	if end := e.must(t, 200, "POST", "/v1/conversations/"+id3+"/end", key, ""); end["outcome"] != "resolved_by_bot" {
		t.Fatalf("end after an answer: %v", end)
	}
	id4 := str(e.start(t, key, `{}`)["id"])
	if end := e.must(t, 200, "POST", "/v1/conversations/"+id4+"/end", key, ""); end["outcome"] != "abandoned" {
		t.Fatalf("end without a question: %v", end)
	}
	if ce := one[lxevents.ContactEnded](t, e, lxevents.TypeContactEnded, id4); ce.Outcome != lxevents.OutcomeAbandoned {
		t.Fatalf("contact.ended: %+v", ce)
	}
}

// Two turns the bot does not understand, in a row, go to a person.
func TestLowConfidenceHandoff(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	id := str(e.start(t, key, `{"customer":{"id":"c1","attributes":{"segment":"retail"}},"language":"en"}`)["id"])
	r := e.say(t, key, id, "asdkj qwe zzz")
	if got := texts(r); len(got) != 1 || got[0] != "Sorry, I didn't get that. Could you rephrase?" || r["state"] != "active" {
		t.Fatalf("first miss: %v", r)
	}
	// An understood turn resets the count.
	e.say(t, key, id, "what is my balance")
	r = e.say(t, key, id, "purple elephants dance")
	if r["state"] != "active" {
		t.Fatalf("a miss after an answer handed off: %v", r)
	}
	r = e.say(t, key, id, "blah blah")
	if got := texts(r); len(got) != 1 || got[0] != "Sorry I couldn't help with that. I'm connecting you with a person now. Please hold on." || r["state"] != "handoff" {
		t.Fatalf("second miss in a row: %v", r)
	}
	cc := one[lxevents.ContactCreated](t, e, lxevents.TypeContactCreated, id)
	if cc.Reason != lxevents.ReasonLowConfidence || cc.Queue != "general" || cc.Attributes["segment"] != "retail" || cc.Intent != "balance" {
		t.Fatalf("contact.created: %+v", cc)
	}
}

// Customers a handoff rule matches go to people at once, in the queue the rule names.
func TestPolicyHandoff(t *testing.T) {
	e := newEnv(t)
	key := e.tenant(t, "acme")
	for _, tc := range []struct{ body, queue, text string }{
		{`{"customer":{"id":"v1","attributes":{"tier":"VIP"}},"language":"en"}`, "vip", "Hello! I'm connecting you with a member of our team now. Please hold on."},
		{`{"customer":{"id":"e1","attributes":{"age_group":"elderly"}},"language":"zh"}`, "elderly-care", "您好，正在为您安排专属人工客服，请稍候。"},
	} {
		r := e.start(t, key, tc.body)
		id := str(r["id"])
		if got := texts(r); r["state"] != "handoff" || len(got) != 1 || got[0] != tc.text {
			t.Fatalf("start %s: %v", tc.body, r)
		}
		if acts := list(r["actions"]); len(acts) != 1 || obj(acts[0])["queue"] != tc.queue {
			t.Fatalf("actions: %v", r["actions"])
		}
		cc := one[lxevents.ContactCreated](t, e, lxevents.TypeContactCreated, id)
		if cc.Reason != lxevents.ReasonPolicy || cc.Queue != tc.queue || len(cc.Transcript) != 1 {
			t.Fatalf("contact.created: %+v", cc)
		}
	}
}
