package dialog

import (
	"maps"
	"slices"
)

// State is one conversation's place in a flow. It is plain data that
// marshals to JSON; the caller stores it between turns (with optimistic
// concurrency: two turns of one conversation must not both write) and
// passes it back to Turn unchanged.
type State struct {
	// FlowID and FlowVersion name the flow the conversation runs; Turn
	// refuses another.
	FlowID      string `json:"flow_id"`
	FlowVersion int    `json:"flow_version"`
	// ConversationID and CustomerID come from StartInput and are sent to
	// webhooks.
	ConversationID string `json:"conversation_id,omitempty"`
	CustomerID     string `json:"customer_id,omitempty"`
	// Step is the ask or confirm step waiting for an answer, or the end
	// step once Done.
	Step string `json:"step"`
	// Slots hold canonical values (see SlotType).
	Slots map[string]string `json:"slots,omitempty"`
	// Attempts counts the answers to Step that did not fit.
	Attempts int `json:"attempts,omitempty"`
	// Asked lists the ask steps already entered: an ask step whose slot is
	// already filled is skipped the first time only, so a flow that loops
	// back to it asks again.
	Asked []string `json:"asked,omitempty"`
	// Lang is the language the bot speaks; LangFixed stops it following
	// the customer's.
	Lang      Lang `json:"lang"`
	LangFixed bool `json:"lang_fixed,omitempty"`
	// Voice says the conversation is a call: steps speak their voice
	// words (Step.Voice).
	Voice bool `json:"voice,omitempty"`
	// Turns counts the calls to Start and Turn; webhook idempotency keys
	// include it.
	Turns int `json:"turns"`
	// Done is set when an end step ran.
	Done bool `json:"done,omitempty"`
	// Outcome, Queue and Reason are the end step's.
	Outcome Outcome `json:"outcome,omitempty"`
	Queue   string  `json:"queue,omitempty"`  // handoff only
	Reason  string  `json:"reason,omitempty"` // handoff only
}

func (s State) clone() State {
	s.Slots = maps.Clone(s.Slots)
	if s.Slots == nil {
		s.Slots = map[string]string{}
	}
	s.Asked = slices.Clone(s.Asked)
	return s
}

// StartInput starts a conversation on a flow.
type StartInput struct {
	// ConversationID identifies the chat or call; webhooks receive it and
	// their idempotency keys include it.
	ConversationID string
	// CustomerID is the tenant's customer, when known; webhooks receive it.
	CustomerID string
	// Text is the customer's first utterance, the one that chose the flow.
	// It sets the language and may fill slots ("I lost my card ending
	// 1234").
	Text string
	// Lang fixes the conversation's language (a hotline's language menu;
	// the flow's first language if the flow does not speak it); empty:
	// follow the customer's words, turn by turn.
	Lang Lang
	// Voice says the conversation is a call, whose steps speak their voice
	// words (Step.Voice); a chat shows the steps' own.
	Voice bool
	// Slots known before the flow starts (a caller's number for a slot
	// listed in the flow's inputs, an NLU entity). Values of typed slots
	// are read like answers and stored in canonical form.
	Slots map[string]string
}

// Input is one customer turn: what they said or typed, or the keys they
// pressed. Both empty means no input (a voice timeout) and counts as an
// answer that did not fit.
type Input struct {
	// Text is what the customer said (speech recognised) or typed.
	Text string
	// DTMF is the keypad digits pressed ("1234", "2#").
	DTMF string
	// Lang is a hint (the ASR engine's language); empty: detect from Text.
	Lang Lang
}

// OutputType is the kind of a channel-neutral action.
type OutputType string

// Output types.
const (
	// OutputSay: say Text.
	OutputSay OutputType = "say"
	// OutputGather: ask Prompt and wait for the customer. Voice channels
	// bias recognition towards Hints and accept up to MaxDigits keypad
	// digits when DTMF is set.
	OutputGather OutputType = "gather"
	// OutputTransfer: hand the customer to Queue (empty: the tenant's
	// default) for Reason.
	OutputTransfer OutputType = "transfer"
	// OutputEnd: the flow is over with Outcome; voice hangs up unless a
	// transfer came first, chat returns to its default handling.
	OutputEnd OutputType = "end"
)

// Output is one action for the channel. Which fields are set depends on
// Type; Lang is always set.
type Output struct {
	// Type says which action this is.
	Type OutputType `json:"type"`
	// Lang is the language of the text (and of the voice to speak it in).
	Lang Lang `json:"lang"`
	// Text is what a say action says.
	Text string `json:"text,omitempty"`
	// Prompt is the question of a gather.
	Prompt string `json:"prompt,omitempty"`
	// Hints are phrases a gather expects (enum synonyms, yes and no), for
	// speech recognition.
	Hints []string `json:"hints,omitempty"`
	// Options are the answers a chat offers as buttons, one per option
	// (an enum's labels, yes and no, day words for a future date), in
	// Lang.
	Options []string `json:"options,omitempty"`
	// DTMF says whether a gather accepts keypad digits, and MaxDigits how
	// many ("#" ends earlier).
	DTMF      bool `json:"dtmf,omitempty"`
	MaxDigits int  `json:"max_digits,omitempty"`
	// Slot and SlotType say what a gather is for (empty for confirm
	// steps).
	Slot     string   `json:"slot,omitempty"`
	SlotType SlotType `json:"slot_type,omitempty"`
	// Queue and Reason say where a transfer goes and why.
	Queue  string `json:"queue,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Outcome is how the flow ended, on an end action.
	Outcome Outcome `json:"outcome,omitempty"`
}
