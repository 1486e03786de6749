// Package dialog is Lingxi's multi-turn flow engine: the channel-neutral
// logic that chat and the voice hotline both run, turn by turn, over
// flows that tenants define in JSON. It is pure logic: no AWS, no storage.
// The caller keeps the conversation's State (in DynamoDB, written with
// optimistic concurrency) and calls the Engine once per customer turn.
//
// # Flows
//
// ParseFlow reads and strictly validates a flow. A flow is a list of steps
// joined by ids:
//
//	{
//	  "id": "lost_card",
//	  "languages": ["zh", "en"],
//	  "on_fail": "to_agent",
//	  "steps": [
//	    {"id": "ask_card", "kind": "ask",
//	     "slot": {"name": "card_last4", "type": "card_last4"},
//	     "prompt": {"en": "What are the last four digits of the card?", "zh": "请说一下卡号后四位。"},
//	     "next": "lock"},
//	    {"id": "lock", "kind": "webhook", "url": "https://bank.example.com/lingxi/lock",
//	     "slots": ["card_last4"], "result": {"lock_ref": "reference"},
//	     "on_success": "done", "on_failure": "to_agent"},
//	    {"id": "done", "kind": "end", "outcome": "resolved",
//	     "text": {"en": "Card ending {{card_last4}} is locked.", "zh": "尾号{{card_last4}}的卡已冻结。"}},
//	    {"id": "to_agent", "kind": "end", "outcome": "handoff", "queue": "cards",
//	     "text": {"en": "Let me put you through to a colleague.", "zh": "正在为您转接人工客服。"}}
//	  ]
//	}
//
// Step kinds: say (a message), ask (fill a typed slot, with re-prompts and
// max attempts), confirm (yes or no), branch (conditions on slots),
// webhook (call the tenant's system) and end (resolved, or handoff to a
// queue). Messages are given in every language the flow speaks and may
// reference slots as {{name}}; an enum slot reads as its value's label (its
// first synonym in the language). A step may word itself for calls with
// "voice" ({"prompt": …, "reprompt": …} or {"text": …}: "press 1", "thank
// you for calling"), which a call speaks and a chat never shows. See Flow,
// Step and SlotSpec for every field.
//
// # Turns
//
// Engine.Start begins a conversation and Engine.Turn feeds it one customer
// input (text, or DTMF digits from a keypad). Both return the new State and
// a list of Outputs for the channel: say, gather (a question, with
// recognition hints and DTMF settings for voice, and one option per answer
// for a chat's buttons), transfer and end. The bot speaks the customer's
// language and follows it by Follow (a short Latin reply keeps a Chinese
// conversation Chinese) unless the caller fixes it. One turn runs a bounded number of steps and
// ParseFlow refuses loops that never wait for the customer, so a turn
// always finishes.
//
// Start and Turn call the flow's webhooks as they reach them. StartWith and
// TurnWith are the same without any I/O: at a webhook step they stop with a
// *WebhookNeeded holding the call; the caller makes it (Engine.Call) and
// runs them again with the result, keyed by the call's Key. A caller that
// decides a whole turn without I/O (shared/conversation) uses these.
//
// # Language helpers
//
// The extractors the engine uses are exported for the chat function's own
// use: DetectLanguage, IsYes, IsNo, ExtractNumber, ExtractAmount,
// ExtractDate, ExtractPhone, ExtractCardLast4 and MatchEnum. They read
// Chinese and English alike, Chinese numerals (一二三, 三百五十, 两千, 一万二)
// and full-width digits (１２３) included.
//
// # Webhooks, for tenants
//
// A webhook step POSTs a JSON body (WebhookPayload: flow id and version,
// step, conversation id, customer id, language, and the selected slots) to
// the tenant's https URL with these headers:
//
//	Content-Type: application/json
//	X-Lingxi-Timestamp: 1763712000
//	X-Lingxi-Signature: v1=<64 hex digits>
//	Idempotency-Key: <32 hex digits, the same for every retry of one call>
//	X-Lingxi-Attempt: 1   (2, 3, … on retries)
//	User-Agent: Lingxi-Webhook/1
//
// The signature is the lower-case hex HMAC-SHA256, keyed with the tenant's
// webhook secret, of the timestamp, a ".", and the raw body bytes. To
// verify: read the raw body, recompute the HMAC over
// timestamp + "." + body, compare in constant time with the value after
// "v1=" (several comma-separated signatures may come while a secret
// rotates; any match is enough), and refuse timestamps more than a few
// minutes from your clock. Go code can call VerifySignature.
//
// Any 2xx response is success; its JSON fields are copied into slots as
// the step's "result" maps them. Network errors, timeouts (default 3 s per
// attempt, at most 10 s) and 5xx responses are retried (default 2 retries,
// at most 3) with exponential backoff; any other status fails at once.
// After the last attempt the step goes to on_failure.
//
// Webhooks go to public addresses only (package egress): ParseFlow refuses
// URLs whose host is a non-public IP address or a numeric spelling of one
// (127.1, 2130706433), the engine checks again with Config.Egress, and the
// chat function's HTTP client checks every connection after DNS.
package dialog
