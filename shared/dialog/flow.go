package dialog

import "slices"

// Flow is a tenant-defined multi-turn dialog: a list of steps joined by
// step ids. Build one with ParseFlow, which validates it; a Flow is
// read-only afterwards and safe to share between goroutines. It marshals
// back to the JSON it was parsed from (up to field order and spacing).
type Flow struct {
	// ID names the flow within its tenant ([a-z0-9_-], at most 64).
	ID string `json:"id" jsonschema:"pattern=^[a-z0-9][a-z0-9_-]*$,maxLength=64"`
	// Version is set by whoever stores the flow; a State remembers the
	// version it was started on.
	Version int `json:"version,omitempty"`
	// Name is for people (the console), per language.
	Name Text `json:"name,omitempty"`
	// Languages the flow speaks, the first being the default. Every
	// message has a text in each of them. Default: ["en", "zh"].
	Languages []Lang `json:"languages,omitempty"`
	// Start is the id of the first step; default: the first in Steps.
	Start string `json:"start,omitempty"`
	// OnFail is where ask and confirm steps go when the customer's answers
	// fail max_attempts times, unless the step says otherwise.
	OnFail string `json:"on_fail,omitempty"`
	// MaxAttempts is the default number of answers an ask or confirm step
	// takes before giving up (1–10; default 3).
	MaxAttempts *int `json:"max_attempts,omitempty" jsonschema:"minimum=1,maximum=10"`
	// Inputs names slots the channel may fill before the flow starts (a
	// caller's number, a logged-in customer's phone).
	Inputs []string `json:"inputs,omitempty"`
	// Steps are the flow's steps (1 to MaxSteps); ids are unique.
	Steps []Step `json:"steps" jsonschema:"minItems=1,maxItems=200"` // MaxSteps

	index map[string]int       // step id → position in Steps
	specs map[string]*SlotSpec // slot name → the first ask step's slot
	known map[string]bool      // every slot the flow can fill
}

// Text is a message in each language, keyed by language ("en", "zh"). It
// may reference slots as {{slot_name}}.
type Text map[Lang]string

// StepKind is what a step does.
type StepKind string

// Step kinds.
const (
	KindSay     StepKind = "say"     // say Text, go to Next
	KindAsk     StepKind = "ask"     // fill Slot, go to Next
	KindConfirm StepKind = "confirm" // ask yes or no, go to OnYes or OnNo
	KindBranch  StepKind = "branch"  // go to the first case whose condition holds, else Default
	KindWebhook StepKind = "webhook" // call the tenant's system, go to OnSuccess or OnFailure
	KindEnd     StepKind = "end"     // say Text and finish with Outcome
)

// VoiceWords are a step's words for calls (Step.Voice); each one left out is
// the step's own.
type VoiceWords struct {
	Text     Text `json:"text,omitempty"`
	Prompt   Text `json:"prompt,omitempty"`
	Reprompt Text `json:"reprompt,omitempty"`
}

// words returns the step's text, prompt and reprompt for a call (voice) or
// a chat.
func (s *Step) words(voice bool) (text, prompt, reprompt Text) {
	text, prompt, reprompt = s.Text, s.Prompt, s.Reprompt
	if !voice || s.Voice == nil {
		return text, prompt, reprompt
	}
	if len(s.Voice.Text) > 0 {
		text = s.Voice.Text
	}
	if len(s.Voice.Prompt) > 0 {
		prompt = s.Voice.Prompt
	}
	if len(s.Voice.Reprompt) > 0 {
		reprompt = s.Voice.Reprompt
	}
	return text, prompt, reprompt
}

// Step is one step of a flow. Which fields apply depends on Kind; ParseFlow
// rejects fields that do not.
type Step struct {
	// ID names the step within the flow ([A-Za-z0-9_-], at most 64).
	ID string `json:"id"`
	// Kind is what the step does.
	Kind StepKind `json:"kind"`

	// Text is the message of say and end steps.
	Text Text `json:"text,omitempty"`
	// Next follows say and ask steps.
	Next string `json:"next,omitempty"`

	// Slot is what an ask step fills.
	Slot *SlotSpec `json:"slot,omitempty"`
	// Prompt asks the question of ask and confirm steps; Reprompt replaces
	// it after an answer that did not fit (default: "Sorry, I didn't get
	// that." and the prompt).
	Prompt   Text `json:"prompt,omitempty"`
	Reprompt Text `json:"reprompt,omitempty"`
	// Voice is what a call says instead, where a call needs other words
	// ("press 1", "thank you for calling"): its text for say and end
	// steps, its prompt and reprompt for ask and confirm steps. Without
	// it, calls and chats get the same words, which should then fit both.
	Voice *VoiceWords `json:"voice,omitempty"`
	// MaxAttempts overrides the flow's for ask and confirm steps (1–10).
	MaxAttempts *int `json:"max_attempts,omitempty"`
	// OnFail overrides the flow's for ask and confirm steps.
	OnFail string `json:"on_fail,omitempty"`

	// OnYes and OnNo follow a confirm step.
	OnYes string `json:"on_yes,omitempty"`
	OnNo  string `json:"on_no,omitempty"`

	// Cases of a branch step are tried in order; Default follows when
	// none holds.
	Cases   []Case `json:"cases,omitempty"`
	Default string `json:"default,omitempty"`

	// URL of a webhook step: https (http only to a loopback host, for
	// tests and the local stack).
	URL string `json:"url,omitempty"`
	// Slots are the slots a webhook step sends.
	Slots []string `json:"slots,omitempty"`
	// Result maps slot names to fields of the webhook's JSON response,
	// written as dotted paths ("verified", "data.customer.name",
	// "items.0.id").
	Result map[string]string `json:"result,omitempty"`
	// TimeoutMS bounds each webhook attempt (100–10000; default 3000).
	TimeoutMS *int `json:"timeout_ms,omitempty"`
	// Retries is how many times a webhook is tried again after a network
	// error, a timeout or a 5xx response (0–3; default 2).
	Retries *int `json:"retries,omitempty"`
	// OnSuccess follows a 2xx response; OnFailure anything else.
	OnSuccess string `json:"on_success,omitempty"`
	OnFailure string `json:"on_failure,omitempty"`

	// Outcome of an end step.
	Outcome Outcome `json:"outcome,omitempty"`
	// Queue and Reason say where a handoff goes (empty: the tenant's
	// default queue) and why.
	Queue  string `json:"queue,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// SlotType is the type of a slot, which decides how answers are read.
type SlotType string

// Slot types. The canonical slot values are in brackets.
const (
	SlotEnum      SlotType = "enum"       // one of Values [the value]
	SlotNumber    SlotType = "number"     // [shortest decimal: "12.5"]
	SlotAmount    SlotType = "amount"     // money ["500.00 CNY"; "500.00" without a currency]
	SlotDate      SlotType = "date"       // ["2025-11-21"]
	SlotPhone     SlotType = "phone"      // [E.164: "+8613812345678"]
	SlotCardLast4 SlotType = "card_last4" // ["1234"]
	SlotText      SlotType = "text"       // free text [trimmed]
)

// SlotSpec declares the slot an ask step fills and what answers it takes.
type SlotSpec struct {
	// Name of the slot ([a-z][a-z0-9_]*, at most 64), as used in
	// {{templates}}, conditions and webhooks.
	Name string `json:"name"`
	// Type decides how answers are read and stored.
	Type SlotType `json:"type"`
	// Values of an enum slot (1–100).
	Values []EnumValue `json:"values,omitempty"`
	// Min and Max bound number and amount slots (amounts in currency
	// units).
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Integer makes a number slot take whole numbers only.
	Integer bool `json:"integer,omitempty"`
	// Currency is the ISO 4217 code an amount slot assumes when the answer
	// names none, and the only one it accepts when set.
	Currency string `json:"currency,omitempty"`
	// Range limits a date slot to "past" (today or before: a birthday) or
	// "future" (today or after: an appointment); dates said without a year
	// or week resolve that way too.
	Range string `json:"range,omitempty"`
	// MinLength and MaxLength bound a text slot in characters (defaults 1
	// and 500, at most 2000).
	MinLength *int `json:"min_length,omitempty"`
	MaxLength *int `json:"max_length,omitempty"`
	// Prefill lets the slot be filled from the first utterance and from
	// answers to other questions ("I lost my card ending 1234"). Default:
	// true for enum, phone and card_last4 slots, false for the others,
	// whose values are too easy to mistake (a year for a number, the day
	// of the loss for a birthday). Card numbers prefill only after a cue
	// ("ending 1234", "尾号1234").
	Prefill *bool `json:"prefill,omitempty"`
}

// Case is one condition of a branch step and where it leads.
type Case struct {
	// Slot is the slot tested, Op the test.
	Slot string `json:"slot"`
	Op   Op     `json:"op"`
	// Value is the operand of eq, ne and the numeric comparisons: a JSON
	// string, number or boolean, compared with the slot's canonical text
	// (numerically when both are numbers).
	Value any `json:"value,omitempty"`
	// Values are the operands of in and not_in.
	Values []any `json:"values,omitempty"`
	// Next is the step the case leads to.
	Next string `json:"next"`
}

// Op is a branch condition operator.
type Op string

// Operators. A condition on an empty slot is false, except missing.
const (
	OpEq      Op = "eq"
	OpNe      Op = "ne"
	OpIn      Op = "in"
	OpNotIn   Op = "not_in"
	OpGt      Op = "gt"
	OpGte     Op = "gte"
	OpLt      Op = "lt"
	OpLte     Op = "lte"
	OpExists  Op = "exists"
	OpMissing Op = "missing"
)

// Outcome is how a conversation ended.
type Outcome string

// Outcomes.
const (
	OutcomeResolved Outcome = "resolved" // the flow did what the customer needed
	OutcomeHandoff  Outcome = "handoff"  // a person takes over
)

// Step returns the step with the given id.
func (f *Flow) Step(id string) (*Step, bool) {
	i, ok := f.index[id]
	if !ok {
		return nil, false
	}
	return &f.Steps[i], true
}

// StartStep is the id of the first step.
func (f *Flow) StartStep() string {
	if f.Start != "" {
		return f.Start
	}
	return f.Steps[0].ID
}

// Offers reports whether the flow speaks l.
func (f *Flow) Offers(l Lang) bool { return slices.Contains(f.langs(), l) }

// SlotType returns the type of the ask steps that fill slot name; slots
// filled only by webhooks or inputs are text.
func (f *Flow) SlotType(name string) SlotType {
	if sp, ok := f.specs[name]; ok {
		return sp.Type
	}
	return SlotText
}

func (f *Flow) langs() []Lang {
	if len(f.Languages) == 0 {
		return []Lang{LangEn, LangZh}
	}
	return f.Languages
}

func (f *Flow) defaultLang() Lang { return f.langs()[0] }

func (f *Flow) maxAttempts(s *Step) int {
	switch {
	case s.MaxAttempts != nil:
		return *s.MaxAttempts
	case f.MaxAttempts != nil:
		return *f.MaxAttempts
	}
	return defaultMaxAttempts
}

func (f *Flow) onFail(s *Step) string {
	if s.OnFail != "" {
		return s.OnFail
	}
	return f.OnFail
}

// prefill says whether the slot may be filled from other utterances.
func (sp *SlotSpec) prefill() bool {
	if sp.Prefill != nil {
		return *sp.Prefill
	}
	switch sp.Type {
	case SlotEnum, SlotPhone, SlotCardLast4:
		return true
	}
	return false
}

// Limits of a flow definition.
const (
	MaxFlowBytes       = 256 << 10 // the JSON document
	MaxSteps           = 200
	MaxTextRunes       = 1000 // one message in one language
	MaxEnumValues      = 100
	MaxSynonyms        = 50 // per value and language
	MaxCases           = 50 // per branch step
	MaxWebhookSlots    = 50 // sent or mapped by one webhook step
	MaxWebhookTimeout  = 10000
	MinWebhookTimeout  = 100
	MaxWebhookRetries  = 3
	defaultMaxAttempts = 3
	defaultTimeoutMS   = 3000
	defaultRetries     = 2
	maxAttemptsLimit   = 10
	maxIDLen           = 64
	maxPhraseRunes     = 100
	maxURLLen          = 2048
	maxReasonRunes     = 200
	maxPathLen         = 200
	maxTextSlotRunes   = 2000
	defaultTextMaxLen  = 500
	maxInputs          = 50
	maxIssues          = 50
)
