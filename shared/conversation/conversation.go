// Package conversation is the bot's side of a customer conversation, over chat or voice: one turn
// at a time it understands the customer (explicit requests for a person, the active flow, the
// tenant's NLU model and knowledge base), decides (answer, run a flow, fall back, hand off) and
// replies with channel-neutral messages and actions. Conversation state lives in the table with
// optimistic concurrency; every accepted turn commits its state and its events (chat.message,
// contact.created, contact.ended) together through the outbox.
//
// # Message logic
//
//  1. A conversation in handoff only records what the customer writes (for the agent).
//  2. An explicit request for a person ("转人工", "人工客服", "找客服", "agent", "talk to a
//     person", keypad 0 outside a flow) hands off, unless the dispatch engine has bot first in
//     force for its queue and intent (steering.go): then the first such request of the
//     conversation gets the intent's answer or flow and a line saying the agents are busy (and
//     the expected wait) and that asking again reaches a person; the next one hands off.
//  3. An active flow takes the turn (dialog.Engine.TurnWith); its transfer hands off, its end returns
//     the conversation to the bot (chat) or hangs up (voice).
//  4. Else a closing turn (closing.go: thanks, goodbye, or a yes or no that answers no question,
//     in English or Chinese, and nothing else) is answered as one: welcomed, said goodbye to (a
//     call then hangs up), or asked what else; it never counts as not understood.
//  5. Else the tenant's active NLU model classifies the text: an intent with a flow starts it, an
//     intent with an answer answers, an intent with neither hands off to its queue. One
//     exception: a knowledge-base article whose match (nlu.Hit.Match, 1 for a question asked
//     word for word) is above the intent's confidence answers instead, because a small
//     classifier is often sure of an intent for a question it was never taught.
//  6. Else the knowledge base: the best article whose match clears MinArticleMatch and that is
//     valid now answers, in the channel's wording (voice variants for calls).
//  7. Else the fallback; Settings.LowConfidenceTurns such turns in a row (default 2) hand off.
//
// Customers whose attributes match one of Settings.HandoffRules go to a person at the start.
// A handoff's queue is the flow's, else the intent's, else the matching rule's, else the
// settings' default, else DefaultQueue. Where the dispatch engine announces the expected wait
// for that queue, the handoff's message tells it. The bot speaks the conversation's language, which follows
// the customer's by dialog.Follow (the flows' rule too); a call is answered in the caller's
// language (callerLanguage), a chat whose language is not known yet in both.
//
// # A turn: load, decide, commit
//
// Every request runs three phases, one file each:
//
//  1. Load (load.go): the conversation and the tenant's settings, then everything the decision
//     may read into one loaded value: the running flow and the intents the conversation and the
//     input name, read at once.
//  2. Decide (decide.go): decide is a pure function of the loaded value, the conversation, the
//     input and the time; it returns a decision (the new state, the customer's and the bot's
//     messages, the actions, the events, what to log) and does no I/O, so tests run it without a
//     store. Two things cannot be loaded before deciding, because whether the turn needs them
//     depends on the decision: the model's reading of the text (a running flow or a closing turn
//     never reaches the model) and a flow webhook's result. The decision asks for them
//     (decision.need); the service reads the text with the model and loads the intent and
//     articles the reading names, or makes the webhook call, and decides again from the start.
//  3. Commit (service.go, update and create): the new state, the live-conversation count and the
//     commit hook's ops in one transaction with the decision's events (the outbox).
//
// # Concurrency
//
// Two turns racing on one conversation both read version n; the first to commit wins, the other
// fails its condition, waits a random moment, reads the new state and runs its turn again on it
// (up to MaxAttempts times, then ErrBusy, which the API answers with 409). So racing messages are both answered, in some order, and the state is
// never written from a stale read.
package conversation

import (
	"encoding/json"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
)

// Kind is the store kind of conversations; ids are conversation ids.
const Kind = "conversation"

// Limits.
const (
	// MaxMessages is how many turns a conversation keeps; older ones are trimmed (TotalMessages still
	// counts them).
	MaxMessages = 100
	// MaxTranscriptBytes bounds the text the kept turns hold, so the item stays well within
	// DynamoDB's 400 KB; older turns are trimmed first.
	MaxTranscriptBytes = 160 << 10
	// MaxEventTranscriptBytes bounds the transcript a contact.created event carries.
	MaxEventTranscriptBytes = 64 << 10
	// MaxTextRunes is the longest customer message.
	MaxTextRunes = 4000
	// TTL is how long a conversation is kept after its last turn.
	TTL = 30 * 24 * time.Hour
	// MaxAttempts is how many times a turn is run against a conversation that others keep
	// changing before it gives up with ErrBusy.
	MaxAttempts = 5
	// Suggestions is how many guessed questions a conversation starts with.
	Suggestions = 3
)

// State is where a conversation is.
type State string

// States.
const (
	StateActive  State = "active"  // the bot is talking
	StateHandoff State = "handoff" // queued for (or with) a person; the bot is silent
	StateEnded   State = "ended"   // closed; no more messages
)

// Customer is who the conversation is with.
type Customer struct {
	// ID is the tenant's id for the customer; empty for an anonymous chat.
	ID string `dynamodbav:"id,omitempty" json:"id,omitempty"`
	// Attributes are what the tenant knows (tier, age group, …); handoff rules read them. Personal
	// data.
	Attributes map[string]string `dynamodbav:"attributes,omitempty" json:"attributes,omitempty"`
}

// Message is one message of the transcript.
type Message struct {
	Role events.Role `dynamodbav:"role" json:"role"`
	Text string      `dynamodbav:"text" json:"text"`
	Time time.Time   `dynamodbav:"time" json:"time"`
	// Intent and Confidence are the NLU's reading of a customer message, when it had one.
	Intent     string  `dynamodbav:"intent,omitempty" json:"intent,omitempty"`
	Confidence float64 `dynamodbav:"confidence,omitempty" json:"confidence,omitempty"`
	// DTMF marks a customer turn made of keypad digits: Text holds them, or, when they picked an
	// entry of the voice menu, the picked intent's display text and Digits holds them.
	DTMF   bool   `dynamodbav:"dtmf,omitempty" json:"dtmf,omitempty"`
	Digits string `dynamodbav:"digits,omitempty" json:"digits,omitempty"`
	// AgentID is the person who wrote a message of role agent (agent.go).
	AgentID string `dynamodbav:"agent_id,omitempty" json:"agent_id,omitempty"`
}

// RunningFlow is a flow in progress: its id, its dialog.State as JSON and the intent that started
// it. The zero value is no flow.
type RunningFlow struct {
	Flow       string `dynamodbav:"flow,omitempty" json:"-"`
	FlowState  string `dynamodbav:"flow_state,omitempty" json:"-"`
	FlowIntent string `dynamodbav:"flow_intent,omitempty" json:"-"`
}

// slots are the values the flow has collected (its dialog.State's), none when no flow runs or its
// state does not read.
func (f RunningFlow) slots() map[string]string {
	if f.FlowState == "" {
		return nil
	}
	var st dialog.State
	if json.Unmarshal([]byte(f.FlowState), &st) != nil {
		return nil
	}
	return st.Slots
}

// Suggestion is a guessed question offered at the start (未问先答).
type Suggestion struct {
	Intent string `dynamodbav:"intent" json:"intent"`
	Text   string `dynamodbav:"text" json:"text"`
}

// Conversation is the stored state of one conversation.
type Conversation struct {
	ID       string         `dynamodbav:"id" json:"id"`
	Channel  events.Channel `dynamodbav:"channel" json:"channel"`
	Language botconfig.Lang `dynamodbav:"language,omitempty" json:"language,omitempty"`
	Customer Customer       `dynamodbav:"customer" json:"customer"`
	CallID   string         `dynamodbav:"call_id,omitempty" json:"call_id,omitempty"`
	State    State          `dynamodbav:"state" json:"state"`
	Messages []Message      `dynamodbav:"turns" json:"messages"`
	// TotalMessages counts every message, including those trimmed from Messages. (The stored
	// attribute names, "turns" and "total_turns", predate the names.)
	TotalMessages int `dynamodbav:"total_turns" json:"total_messages"`

	// RunningFlow is the flow the conversation is in, if any: one value, set when a flow starts
	// and dropped whole (stored as the conversation's flow, flow_state and flow_intent).
	RunningFlow `json:"-"`

	// Intent is the intent that decided the outcome: the one handed off for, else the one whose
	// answer or flow resolved the request, else (while undecided) the first recognised.
	// LastIntent is the latest.
	Intent     string `dynamodbav:"intent,omitempty" json:"intent,omitempty"`
	LastIntent string `dynamodbav:"last_intent,omitempty" json:"-"`
	// LowConfidence counts the not-understood turns in a row.
	LowConfidence int `dynamodbav:"low_confidence" json:"-"`
	// Resolved is set once the bot has answered a request (an intent, an article, a flow's end).
	Resolved bool `dynamodbav:"resolved" json:"-"`
	// BotFirst is set once the bot answered a request for a person first (the dispatch engine's
	// bot first, steering.go): the next request reaches a person.
	BotFirst bool `dynamodbav:"bot_first,omitempty" json:"-"`

	// Queue and Reason say where and why the conversation was handed off.
	Queue  string               `dynamodbav:"queue,omitempty" json:"queue,omitempty"`
	Reason events.HandoffReason `dynamodbav:"reason,omitempty" json:"handoff_reason,omitempty"`
	// HandoffSlots are the slots the running flow had collected when the conversation was handed
	// off (the flow itself stops there), so the agent need not ask again. Personal data.
	HandoffSlots map[string]string `dynamodbav:"handoff_slots,omitempty" json:"-"`

	Suggestions []Suggestion `dynamodbav:"suggestions,omitempty" json:"suggestions,omitempty"`
	// GuessKinds are the kinds of the customer's recent business events at the start, and
	// Learned is set once the first intent was counted against them (shared/guess).
	GuessKinds []string `dynamodbav:"guess_kinds,omitempty" json:"-"`
	Learned    bool     `dynamodbav:"learned" json:"-"`

	CreatedAt time.Time      `dynamodbav:"created_at" json:"created_at"`
	UpdatedAt time.Time      `dynamodbav:"updated_at" json:"updated_at"`
	EndedAt   *time.Time     `dynamodbav:"ended_at,omitempty" json:"ended_at,omitempty"`
	Outcome   events.Outcome `dynamodbav:"outcome,omitempty" json:"outcome,omitempty"`
	// IdleEnded is set when the conversation was ended for having no turn within its idle timeout
	// (idle.go) rather than by the customer or the bot.
	IdleEnded bool `dynamodbav:"idle_ended,omitempty" json:"idle_ended,omitempty"`

	// Survey is the survey question waiting for the customer's answer (survey.go); "" for none.
	// Surveyed is set once the survey was offered: a conversation asks once.
	Survey   SurveyQuestion `dynamodbav:"survey,omitempty" json:"-"`
	Surveyed bool           `dynamodbav:"surveyed,omitempty" json:"-"`
}

// Truncated reports whether older messages were trimmed from the transcript.
func (c *Conversation) Truncated() bool { return c.TotalMessages > len(c.Messages) }

// add appends messages and trims the transcript to MaxMessages and MaxTranscriptBytes.
func (c *Conversation) add(msgs ...Message) {
	c.Messages = append(c.Messages, msgs...)
	c.TotalMessages += len(msgs)
	if n := len(c.Messages) - MaxMessages; n > 0 {
		c.Messages = append([]Message(nil), c.Messages[n:]...)
	}
	size := 0
	for i := len(c.Messages) - 1; i >= 0; i-- {
		size += len(c.Messages[i].Text)
		if size > MaxTranscriptBytes {
			c.Messages = append([]Message(nil), c.Messages[i+1:]...)
			return
		}
	}
}

// eventTranscript is the tail of the transcript that fits MaxEventTranscriptBytes.
func (c *Conversation) eventTranscript() []events.Turn {
	size, from := 0, len(c.Messages)
	for from > 0 {
		// JSON may escape a character to at most 6 bytes; count generously for the envelope.
		n := 2*len(c.Messages[from-1].Text) + 64
		if size+n > MaxEventTranscriptBytes {
			break
		}
		size += n
		from--
	}
	out := make([]events.Turn, 0, len(c.Messages)-from)
	for _, t := range c.Messages[from:] {
		out = append(out, events.Turn{Role: t.Role, Text: t.Text, Time: t.Time})
	}
	return out
}

// outcome is how the conversation ends now.
func (c *Conversation) outcome() events.Outcome {
	switch {
	case c.State == StateHandoff:
		return events.OutcomeHandedOff
	case c.Resolved:
		return events.OutcomeResolvedByBot
	}
	return events.OutcomeAbandoned
}
