package inspect

// DefaultFormID is the id of the form a tenant inspects with until it writes its own (and of the
// built-in form it may replace).
const DefaultFormID = "default"

func ptr(f float64) *float64 { return &f }

// DefaultForm is the built-in form: an agent's greeting, identity check and closing, forbidden
// words, card numbers, the agent's and the customer's negative emotion, silence, talk-over and
// the speaking share, in Chinese and English. The customer's card numbers and emotion alert the
// supervisor without counting against the agent (weight 0).
func DefaultForm() Form {
	return Form{ID: DefaultFormID, Name: "Default inspection (zh + en)", Rules: []Rule{
		{ID: "greeting", Name: "The agent greets the customer", Kind: RequiredPhrase, Weight: 15, Speaker: Agent, Within: First, Turns: 2,
			Phrases: []string{"您好", "你好", "很高兴为您服务", "欢迎", "hello", "hi", "good morning", "good afternoon", "good evening", "welcome", "thank you for contacting"}},
		{ID: "identity-check", Name: "The agent checks the customer's identity", Kind: RequiredPhrase, Weight: 15, Speaker: Agent, Within: First, Turns: 5,
			Phrases: []string{"核实", "验证", "身份", "预留手机号", "身份证后四位", "verify your identity", "confirm your identity", "date of birth", "security question", "confirm your name"}},
		{ID: "closing", Name: "The agent closes the contact", Kind: RequiredPhrase, Weight: 15, Speaker: Agent, Within: Last, Turns: 2,
			Phrases: []string{"还有什么可以帮您", "还有其他问题吗", "感谢您的来电", "感谢您的耐心", "祝您生活愉快", "再见", "anything else", "thank you for contacting", "thanks for contacting", "have a nice day", "have a great day", "goodbye", "bye"}},
		{ID: "forbidden-words", Name: "The agent uses no forbidden words", Kind: ForbiddenPhrase, Weight: 25, Speaker: Agent,
			Phrases: []string{"不归我管", "你自己看", "投诉也没用", "闭嘴", "烦死了", "随便你", "你听不懂吗", "爱办不办", "not my problem", "not my job", "shut up", "whatever", "i don't care", "calm down", "stupid"}},
		{ID: "agent-card-number", Name: "The agent says no card number", Kind: CardNumber, Weight: 20, Speaker: Agent},
		{ID: "customer-card-number", Name: "The customer gave a card number (alert only)", Kind: CardNumber, Weight: 0, Speaker: Customer},
		{ID: "agent-negative", Name: "The agent stays courteous", Kind: NegativeEmotion, Weight: 10, Speaker: Agent, Threshold: ptr(-0.5)},
		{ID: "customer-negative", Name: "The customer is upset (alert only)", Kind: NegativeEmotion, Weight: 0, Speaker: Customer, Threshold: ptr(-0.6)},
		{ID: "silence", Name: "No silence over 60 s once the agent is on", Kind: Silence, Weight: 10, Seconds: 60},
		{ID: "talk-over", Name: "The agent does not talk over the customer", Kind: TalkOver, Weight: 5},
		{ID: "speaking-share", Name: "The agent's share of the words is 15–85%", Kind: SpeakingShare, Weight: 5, Min: ptr(0.15), Max: ptr(0.85)},
	}}
}
