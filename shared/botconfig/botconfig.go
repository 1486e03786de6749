// Package botconfig is a tenant's bot configuration as stored in the table: intents with their
// example utterances, knowledge-base articles, flows, settings (greeting, handoff policy, webhook
// secret, intent→queue map) and the versions of trained NLU models, whose bytes live in S3. The
// api function writes it; the chat function reads it.
package botconfig

import (
	"encoding/json"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
)

// Store kinds, one per item type (ids are the item's own id).
const (
	KindIntent   = "intent"   // id: intent slug
	KindArticle  = "article"  // id: article slug
	KindFlow     = "flow"     // id: flow slug
	KindSettings = "settings" // id: SettingsID
	KindModel    = "model"    // id: model version (sortable: time-based)
	KindActive   = "nlu"      // id: ActiveID → Active
)

// Fixed ids.
const (
	SettingsID = "bot"
	ActiveID   = "active"
)

// DefaultQueue is where handoffs go when neither the flow, the intent, a rule nor the settings
// name a queue, and the queue every tenant is provisioned with.
const DefaultQueue = "general"

// Lang is a language tag the bot answers in: the dialog engine's, so flows and the bot speak the
// same languages.
type Lang = dialog.Lang

// Languages the bot speaks.
const (
	LangZH = dialog.LangZh
	LangEN = dialog.LangEn
)

// Text is a message in each language the tenant wrote it in ({"en": "...", "zh": "..."}).
type Text map[Lang]string

// In returns the text in lang, falling back to the other language.
func (t Text) In(lang Lang) string {
	if s := t[lang]; s != "" {
		return s
	}
	for _, l := range []Lang{LangEN, LangZH} {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Intent is something a customer wants, learnt from example utterances. When recognised, the bot
// starts Flow if set, else answers with Answer if set, else hands off to Queue.
type Intent struct {
	ID          string    `dynamodbav:"id" json:"id"`
	Description string    `dynamodbav:"description" json:"description,omitempty"`
	Examples    []string  `dynamodbav:"examples" json:"examples"`
	Answer      Text      `dynamodbav:"answer" json:"answer,omitempty"`
	Flow        string    `dynamodbav:"flow" json:"flow,omitempty"`
	Queue       string    `dynamodbav:"queue" json:"queue,omitempty"` // handoff queue for this intent
	UpdatedAt   time.Time `dynamodbav:"updated_at" json:"updated_at"`
}

// Channel names a channel with its own answer wording.
type Channel string

// Channels.
const (
	ChannelChat  Channel = "chat"
	ChannelVoice Channel = "voice"
)

// Article is a knowledge-base entry: the ways customers ask it, and the answer, optionally worded
// per channel (voice answers are short and have no links), valid within a period.
type Article struct {
	ID             string           `dynamodbav:"id" json:"id"`
	Questions      []string         `dynamodbav:"questions" json:"questions"`
	Answer         Text             `dynamodbav:"answer" json:"answer"`
	ChannelAnswers map[Channel]Text `dynamodbav:"channel_answers" json:"channel_answers,omitempty"`
	ValidFrom      *time.Time       `dynamodbav:"valid_from" json:"valid_from,omitempty"`
	ValidUntil     *time.Time       `dynamodbav:"valid_until" json:"valid_until,omitempty"`
	Tags           []string         `dynamodbav:"tags" json:"tags,omitempty"`
	UpdatedAt      time.Time        `dynamodbav:"updated_at" json:"updated_at"`
}

// ValidAt reports whether the article may be served at t.
func (a Article) ValidAt(t time.Time) bool {
	return (a.ValidFrom == nil || !t.Before(*a.ValidFrom)) && (a.ValidUntil == nil || t.Before(*a.ValidUntil))
}

// AnswerFor returns the article's answer for a channel and language.
func (a Article) AnswerFor(ch Channel, lang Lang) string {
	if s := a.ChannelAnswers[ch].In(lang); s != "" {
		return s
	}
	return a.Answer.In(lang)
}

// Flow is a tenant-defined multi-turn flow; Definition is the flow JSON that shared/dialog parses.
type Flow struct {
	ID         string          `dynamodbav:"id" json:"id"`
	Definition json.RawMessage `dynamodbav:"definition" json:"definition"`
	UpdatedAt  time.Time       `dynamodbav:"updated_at" json:"updated_at"`
}

// AttributeRule routes customers with an attribute value to people from the first turn (e.g.
// {"attribute": "tier", "values": ["vip"], "queue": "vip"}).
type AttributeRule struct {
	Attribute string   `dynamodbav:"attribute" json:"attribute"`
	Values    []string `dynamodbav:"values" json:"values"`
	Queue     string   `dynamodbav:"queue" json:"queue"`
}

// Settings are the tenant's bot-wide settings.
type Settings struct {
	Greeting Text `dynamodbav:"greeting" json:"greeting,omitempty"`
	// Fallback is said when the bot does not understand.
	Fallback Text `dynamodbav:"fallback" json:"fallback,omitempty"`
	// DefaultQueue receives handoffs no intent or rule routes elsewhere.
	DefaultQueue string `dynamodbav:"default_queue" json:"default_queue,omitempty"`
	// HandoffRules send some customers to people at once (VIP, elderly, …).
	HandoffRules []AttributeRule `dynamodbav:"handoff_rules" json:"handoff_rules,omitempty"`
	// LowConfidenceTurns is how many not-understood turns in a row hand off (default 2).
	LowConfidenceTurns int `dynamodbav:"low_confidence_turns" json:"low_confidence_turns,omitempty"`
	// IdleTimeoutSeconds is how long a chat conversation may go without a turn before it is ended
	// as the customer having left (default DefaultIdleTimeout; see shared/conversation's idle.go).
	IdleTimeoutSeconds int `dynamodbav:"idle_timeout_seconds,omitempty" json:"idle_timeout_seconds,omitempty"`
	// WebhookSecret signs flow webhook calls (HMAC-SHA256). Never returned by the API.
	WebhookSecret string `dynamodbav:"webhook_secret" json:"-"`
	// WebhookHosts lists hosts flow webhooks may call; empty allows any https host.
	WebhookHosts []string `dynamodbav:"webhook_hosts" json:"webhook_hosts,omitempty"`
	// VoiceMenu is the voice channel's keypad menu: at the top of a call (no flow running), a key
	// listed here picks its intent as if the caller had said it, and the call's greeting reads the
	// menu out. "0" is always the operator and is never listed.
	VoiceMenu []MenuEntry `dynamodbav:"voice_menu,omitempty" json:"voice_menu,omitempty"`
	// Survey says which satisfaction surveys customers are asked after a contact (docs/surveys.md).
	Survey    SurveySettings `dynamodbav:"survey" json:"survey"`
	UpdatedAt time.Time      `dynamodbav:"updated_at" json:"updated_at"`
}

// SurveySettings switch the satisfaction surveys on. All off by default.
type SurveySettings struct {
	// Chat asks a chat's customer for a CSAT score (quick replies 1–5) when the bot resolved the
	// conversation and the customer says goodbye or leaves, and when an agent wraps the chat up.
	Chat bool `dynamodbav:"chat" json:"chat"`
	// NPS follows the chat's CSAT question with the NPS question (0–10).
	NPS bool `dynamodbav:"nps" json:"nps"`
	// Voice asks a caller for a CSAT score by keypad after the agent leaves a transferred call
	// (the media edge reads it).
	Voice bool `dynamodbav:"voice" json:"voice"`
}

// MenuEntry is one key of the voice menu: pressing Digit picks Intent.
type MenuEntry struct {
	Digit  string `dynamodbav:"digit" json:"digit" jsonschema:"pattern=^[1-9]$"`
	Intent string `dynamodbav:"intent" json:"intent"`
	// Label is what the menu calls the intent in each language ("a lost or stolen card",
	// "银行卡挂失"); in a language it lacks, the intent's display text (its first example in that
	// language, else its description).
	Label Text `dynamodbav:"label,omitempty" json:"label,omitempty"`
}

// MenuIntent is the voice menu's entry for key (one keypad key, "1"–"9"); false when the menu
// lists none.
func (s Settings) MenuIntent(key string) (MenuEntry, bool) {
	for _, e := range s.VoiceMenu {
		if e.Digit == key {
			return e, true
		}
	}
	return MenuEntry{}, false
}

// Model describes one trained NLU model version; its bytes are in S3 at ModelKey.
type Model struct {
	Version   string    `dynamodbav:"version" json:"version"`
	CreatedAt time.Time `dynamodbav:"created_at" json:"created_at"`
	Intents   int       `dynamodbav:"intents" json:"intents"`
	Examples  int       `dynamodbav:"examples" json:"examples"`
	Articles  int       `dynamodbav:"articles" json:"articles"`
	// Evaluation is the training run's report (nlu.Report as JSON).
	Evaluation json.RawMessage `dynamodbav:"evaluation" json:"evaluation"`
	Key        string          `dynamodbav:"key" json:"-"` // S3 object key
}

// Active points at the model version the bot uses.
type Active struct {
	Version     string    `dynamodbav:"version" json:"version"`
	ActivatedAt time.Time `dynamodbav:"activated_at" json:"activated_at"`
}

// ArticleClass prefixes the classifier label under which an article's question variants are
// trained, so the classifier weighs "which FAQ" against "which intent" in one decision. Ids never
// hold ':', so no intent can collide with it.
const ArticleClass = "kb:"

// ModelKey is the S3 key of a tenant's model version.
func ModelKey(tenant, version string) string { return "models/" + tenant + "/nlu/" + version + ".bin" }
