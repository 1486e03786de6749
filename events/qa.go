package events

// QARuleKind is what a quality-inspection rule checks (shared/inspect, docs/quality.md).
type QARuleKind string

// Quality-inspection rule kinds.
const (
	QAForbiddenPhrase QARuleKind = "forbidden_phrase"
	QARequiredPhrase  QARuleKind = "required_phrase"
	QASilence         QARuleKind = "silence"
	QATalkOver        QARuleKind = "talk_over"
	QANegativeEmotion QARuleKind = "negative_emotion"
	QACardNumber      QARuleKind = "card_number"
	QASpeakingShare   QARuleKind = "speaking_share"
)

// QAScoreSource is who scored a contact.
type QAScoreSource string

// Score sources.
const (
	// QAScoredAutomatically: the inspection at the contact's end.
	QAScoredAutomatically QAScoreSource = "automatic"
	// QAScoredByReview: a supervisor re-scored the contact in review.
	QAScoredByReview QAScoreSource = "review"
)

// QAViolation (qa.violation) records that a running contact broke a live rule of the tenant's
// inspection form (a forbidden phrase, a card number, negative emotion, a silence): raised at
// once, while the contact runs. It carries no customer text. The envelope's subject is the
// contact id (the conversation id of a chat, the call id of a call).
type QAViolation struct {
	// ContactID is the contact (the envelope's subject).
	ContactID string `json:"contact_id" jsonschema:"minLength=1,maxLength=128"`
	// Channel is the contact's medium.
	Channel Channel `json:"channel"`
	// AgentID is the agent on the contact when known; omitted otherwise.
	AgentID string `json:"agent_id,omitempty" jsonschema:"maxLength=64"`
	// FormID is the inspection form whose rule was broken.
	FormID string `json:"form_id" jsonschema:"minLength=1,maxLength=64"`
	// RuleID is the rule of the form.
	RuleID string `json:"rule_id" jsonschema:"minLength=1,maxLength=64"`
	// Kind is what the rule checks.
	Kind QARuleKind `json:"kind"`
	// Speaker is whose turn broke the rule.
	Speaker Role `json:"speaker"`
	// Turn is the index of that turn in the contact's transcript, from 0.
	Turn int `json:"turn" jsonschema:"minimum=0"`
	// Detail says what was found: the form's phrase, a count, a score or a gap; never the
	// customer's words.
	Detail string `json:"detail" jsonschema:"maxLength=500"`
	// AtMS is when, in milliseconds from the contact's first turn.
	AtMS int64 `json:"at_ms" jsonschema:"minimum=0"`
}

// ContactInspected (contact.inspected) records a contact's quality score: the whole contact
// inspected with the tenant's active form when it ended (again if it ends again, as a chat the
// bot handed to an agent does), or re-scored by a supervisor in review. The envelope's subject is
// the contact id.
type ContactInspected struct {
	// ContactID is the contact (the envelope's subject).
	ContactID string `json:"contact_id" jsonschema:"minLength=1,maxLength=128"`
	// Channel is the contact's medium.
	Channel Channel `json:"channel"`
	// AgentID is the agent who handled the contact; omitted when none is known.
	AgentID string `json:"agent_id,omitempty" jsonschema:"maxLength=64"`
	// FormID and FormVersion are the form scored with (version 0: the built-in default).
	FormID      string `json:"form_id" jsonschema:"minLength=1,maxLength=64"`
	FormVersion int64  `json:"form_version" jsonschema:"minimum=0"`
	// Score is the weighted score, 0–100.
	Score float64 `json:"score" jsonschema:"minimum=0,maximum=100"`
	// Source says whether Score is the automatic inspection's or a review's.
	Source QAScoreSource `json:"source"`
	// Violations counts the breaches found.
	Violations int `json:"violations" jsonschema:"minimum=0"`
	// Failed are the ids of the applicable rules not passed; omitted when none.
	Failed []string `json:"failed,omitempty" jsonschema:"maxItems=50"`
	// Revision counts the contact's inspections and re-scores, from 1.
	Revision int `json:"revision" jsonschema:"minimum=1"`
}
