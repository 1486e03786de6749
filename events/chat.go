package events

// ChatMessage (chat.message) records one message of a conversation, from the customer, the bot or
// an agent. The envelope's subject is the conversation id.
type ChatMessage struct {
	// ConversationID is the conversation the message belongs to (the envelope's subject).
	ConversationID string `json:"conversation_id" jsonschema:"minLength=1,maxLength=128"`
	// Channel is the medium: "voice" when the message is a turn of the voice bot.
	Channel Channel `json:"channel"`
	// Role is who wrote the message.
	Role Role `json:"role"`
	// Text is the message. Personal data.
	Text string `json:"text" jsonschema_extras:"x-personal-data=true"`
	// Intent is the intent the NLU classified a customer message as; omitted when none was
	// classified (and on bot and agent messages).
	Intent string `json:"intent,omitempty" jsonschema:"maxLength=128"`
	// Confidence is the NLU's confidence in Intent, from 0 to 1; omitted with Intent.
	Confidence float64 `json:"confidence,omitempty" jsonschema:"minimum=0,maximum=1"`
	// AgentID is the agent who wrote a message of role agent; omitted on other messages.
	AgentID string `json:"agent_id,omitempty" jsonschema:"maxLength=64"`
	// Strategy is the real-time dispatch engine's strategy a bot message carries out, omitted on
	// every other message: bot_first on the line that follows the bot's answer to a request for a
	// person it answered first (one per deflection: the customer was not handed off), announce_wait
	// on a handoff message that tells the expected wait.
	Strategy StrategyKind `json:"strategy,omitempty"`
	// ActivationID is the activation of Strategy (dispatch.strategy's); omitted with Strategy.
	ActivationID string `json:"activation_id,omitempty" jsonschema:"maxLength=128"`
}
