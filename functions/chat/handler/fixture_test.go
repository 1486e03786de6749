package handler

import (
	"encoding/json"
	"time"

	"github.com/lingxi/lingxi/shared/botconfig"
)

// The test bot: a bank's customer service in English and Chinese.

func testIntents() []botconfig.Intent {
	return []botconfig.Intent{
		{ID: "card_lost", Description: "Lost or stolen card", Flow: "lock_card", Queue: "cards", Examples: []string{
			"I lost my card", "my card was stolen", "I can't find my bank card", "lock my card", "freeze my card please",
			"someone stole my debit card", "block my lost card",
			"我的卡丢了", "银行卡被偷了", "帮我冻结银行卡", "卡找不到了", "挂失银行卡", "我的信用卡丢了", "卡被盗了怎么办"}},
		{ID: "balance", Description: "Account balance", Examples: []string{
			"what is my balance", "how much money do I have", "check my account balance", "show my balance",
			"how much is in my account", "balance inquiry",
			"我的余额是多少", "查余额", "账户里还有多少钱", "查询账户余额", "我还剩多少钱", "余额查询"},
			Answer: botconfig.Text{"en": "Your balance is on the home page of the app.", "zh": "您可以在App首页查看账户余额。"}},
		{ID: "opening_hours", Description: "Opening hours", Examples: []string{
			"when are you open", "what are your opening hours", "are you open on sunday", "what time do you close",
			"branch opening times", "are you open today",
			"营业时间", "你们几点开门", "周末营业吗", "几点下班", "网点营业时间是什么", "今天营业吗"},
			Answer: botconfig.Text{"en": "Branches are open 9:00–17:00, Monday to Saturday.", "zh": "网点营业时间为周一至周六 9:00–17:00。"}},
		{ID: "complaint", Description: "Make a complaint", Queue: "complaints", Examples: []string{
			"I want to make a complaint", "I am not happy with your service", "file a complaint", "your service is terrible",
			"complain about a staff member",
			"投诉", "我要投诉", "服务太差了", "我对你们的服务很不满意", "投诉工作人员"}},
		{ID: botconfig.OutOfScopeIntent, Examples: []string{
			"what's the weather", "tell me a joke", "who won the football", "play some music", "what is the meaning of life",
			"recommend a movie", "今天天气怎么样", "讲个笑话", "谁赢了比赛", "放首歌", "推荐一部电影", "人生的意义是什么"}},
	}
}

func testArticles(now time.Time) []botconfig.Article {
	past := now.Add(-24 * time.Hour)
	return []botconfig.Article{
		{ID: "pin-reset", Questions: []string{"how do I reset my PIN", "forgot my PIN", "change my PIN code", "忘记密码怎么办", "如何重置密码", "修改银行卡密码"},
			Answer: botconfig.Text{"en": "You can reset your PIN in the app under Cards > PIN.", "zh": "您可以在App的“卡片 > 密码”中重置密码。"},
			ChannelAnswers: map[botconfig.Channel]botconfig.Text{botconfig.ChannelVoice: {
				"en": "You can reset your PIN in our app, on the Cards page.", "zh": "您可以在App的卡片页面重置密码。"}}},
		{ID: "fees-overseas", Questions: []string{"what are the fees for overseas payments", "foreign transaction fee", "境外消费手续费", "国外刷卡收费吗"},
			Answer: botconfig.Text{"en": "Overseas card payments cost 1.5%.", "zh": "境外刷卡收取1.5%手续费。"}},
		{ID: "spring-promo", Questions: []string{"spring promotion details", "what is the spring promotion", "春季优惠活动", "春季活动详情"},
			Answer:     botconfig.Text{"en": "The spring promotion gives double points.", "zh": "春季活动积分翻倍。"},
			ValidUntil: &past},
	}
}

// lockCardFlow asks for the card's last four digits, confirms, and locks it (or hands off).
var lockCardFlow = json.RawMessage(`{
  "id": "lock_card",
  "languages": ["en", "zh"],
  "on_fail": "handoff",
  "steps": [
    {"id": "ask_last4", "kind": "ask", "slot": {"name": "card_last4", "type": "card_last4"},
     "prompt": {"en": "What are the last 4 digits of the card?", "zh": "请问卡号后四位是多少？"}, "next": "confirm"},
    {"id": "confirm", "kind": "confirm",
     "prompt": {"en": "Lock the card ending {{card_last4}}?", "zh": "确认冻结尾号{{card_last4}}的卡吗？"},
     "on_yes": "done", "on_no": "handoff"},
    {"id": "done", "kind": "end", "outcome": "resolved",
     "text": {"en": "The card ending {{card_last4}} is locked.", "zh": "尾号{{card_last4}}的卡已冻结。"}},
    {"id": "handoff", "kind": "end", "outcome": "handoff", "queue": "cards", "reason": "card not locked",
     "text": {"en": "Let me get a colleague to help you.", "zh": "为您转接同事处理。"}}
  ]
}`)

func testSettings() botconfig.Settings {
	return botconfig.Settings{
		Greeting:     botconfig.Text{"en": "Hi, I'm Lingxi. How can I help?", "zh": "您好，我是灵犀，请问有什么可以帮您？"},
		Fallback:     botconfig.Text{"en": "Sorry, I didn't get that. Could you rephrase?", "zh": "抱歉，我没听懂，您能换个说法吗？"},
		DefaultQueue: "general",
		HandoffRules: []botconfig.AttributeRule{
			{Attribute: "tier", Values: []string{"vip"}, Queue: "vip"},
			{Attribute: "age_group", Values: []string{"elderly"}, Queue: "elderly-care"},
		},
		LowConfidenceTurns: 2,
		VoiceMenu: []botconfig.MenuEntry{
			{Digit: "1", Intent: "card_lost", Label: botconfig.Text{"en": "a lost or stolen card", "zh": "银行卡挂失"}},
			{Digit: "2", Intent: "balance"},
		},
	}
}
