package events

// FeedbackSubmitted (feedback.submitted) records a customer's survey answer about a contact. At
// least one of CSAT, NPS and Comment is present. The envelope's subject is the contact id.
type FeedbackSubmitted struct {
	// ContactID is the contact the feedback is about (the envelope's subject).
	ContactID string `json:"contact_id" jsonschema:"minLength=1,maxLength=128"`
	// CustomerID is the tenant's id for the customer; omitted when the customer is not identified.
	CustomerID string `json:"customer_id,omitempty" jsonschema:"maxLength=128"`
	// CSAT is the satisfaction score from 1 (very unsatisfied) to 5 (very satisfied); omitted when
	// not asked or not answered.
	CSAT *int `json:"csat,omitempty" jsonschema:"minimum=1,maximum=5,anyof_required=csat"`
	// NPS is the likelihood to recommend, from 0 to 10; omitted when not asked or not answered.
	NPS *int `json:"nps,omitempty" jsonschema:"minimum=0,maximum=10,anyof_required=nps"`
	// Comment is the customer's free text; omitted when empty. Personal data.
	Comment string `json:"comment,omitempty" jsonschema:"minLength=1,anyof_required=comment" jsonschema_extras:"x-personal-data=true"`
	// Source is how the answer came: the chat survey's quick replies, the voice survey's keys, or
	// the partner API (POST /v1/contacts/{id}/feedback); omitted by producers that predate it.
	Source FeedbackSource `json:"source,omitempty"`
}

// FeedbackSource says how a survey answer came.
type FeedbackSource string

// Feedback sources.
const (
	FeedbackChat  FeedbackSource = "chat"
	FeedbackVoice FeedbackSource = "voice"
	FeedbackAPI   FeedbackSource = "api"
)
