package inspect

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// Speaker is who wrote or said a turn; a rule's speaker may also be "any".
type Speaker string

// Speakers.
const (
	Customer Speaker = "customer"
	Agent    Speaker = "agent"
	Bot      Speaker = "bot"
	Any      Speaker = "any"
)

// Turn is one message or utterance of a contact's transcript. StartMS and EndMS are from the
// contact's first turn; a chat message has no length (EndMS == StartMS), a call's utterance has
// its recogniser's timings.
type Turn struct {
	Speaker Speaker `json:"speaker" dynamodbav:"speaker"`
	// Text is what was said, card numbers masked (MaskCards) before it was kept. Personal data.
	Text    string `json:"text" dynamodbav:"text"`
	StartMS int64  `json:"start_ms" dynamodbav:"start_ms"`
	EndMS   int64  `json:"end_ms" dynamodbav:"end_ms"`
	// Sentiment is the turn's polarity in [-1, 1] when it was scored.
	Sentiment *float64 `json:"sentiment,omitempty" dynamodbav:"sentiment,omitempty"`
	// Cards is how many card numbers were masked out of Text.
	Cards int `json:"cards,omitempty" dynamodbav:"cards,omitempty"`
}

// timed says whether the turn carries a length (speech timings), as calls' utterances do.
func (t Turn) timed() bool { return t.EndMS > t.StartMS }

// RuleKind is what a rule checks.
type RuleKind string

// Rule kinds.
const (
	// ForbiddenPhrase: the speaker must not say any of the phrases. Live.
	ForbiddenPhrase RuleKind = "forbidden_phrase"
	// RequiredPhrase: the speaker must say one of the phrases within their first (or last) N
	// turns: a greeting, the identity-check wording, a closing. At the end.
	RequiredPhrase RuleKind = "required_phrase"
	// Silence: no gap between turns longer than Seconds once an agent is on the contact. Live (as
	// the turn after the gap arrives).
	Silence RuleKind = "silence"
	// TalkOver: the agent and the customer do not speak at once for MinOverlapMS or more; needs
	// timings on both sides. At the end.
	TalkOver RuleKind = "talk_over"
	// NegativeEmotion: no turn of the speaker scores below Threshold. Live.
	NegativeEmotion RuleKind = "negative_emotion"
	// CardNumber: the speaker says no card number. Live.
	CardNumber RuleKind = "card_number"
	// SpeakingShare: the agent's share of the words (or talk time) is within [Min, Max]. At the end.
	SpeakingShare RuleKind = "speaking_share"
)

// Kinds are the rule kinds in the order the docs list them.
var Kinds = []RuleKind{ForbiddenPhrase, RequiredPhrase, Silence, TalkOver, NegativeEmotion, CardNumber, SpeakingShare}

// Live reports whether rules of kind k can fire while the contact runs.
func (k RuleKind) Live() bool {
	return k == ForbiddenPhrase || k == CardNumber || k == NegativeEmotion || k == Silence
}

// Window is where a required phrase must be said.
type Window string

// Windows.
const (
	First Window = "first"
	Last  Window = "last"
)

// Measure is what the speaking share counts.
type Measure string

// Measures.
const (
	ByWords Measure = "words"
	ByTime  Measure = "time"
)

// Rule is one line of a scoring form.
type Rule struct {
	// ID names the rule within its form: 1–64 of a-z, 0-9, _ and -.
	ID string `json:"id" dynamodbav:"id" jsonschema:"minLength=1,maxLength=64,pattern=^[a-z0-9][a-z0-9_-]*$"`
	// Name is the rule as people read it.
	Name string   `json:"name,omitempty" dynamodbav:"name,omitempty" jsonschema:"maxLength=200"`
	Kind RuleKind `json:"kind" dynamodbav:"kind"`
	// Weight is the rule's share of the score, 0–100; a rule of weight 0 alerts without scoring.
	Weight int `json:"weight" dynamodbav:"weight" jsonschema:"minimum=0,maximum=100"`
	// Speaker is whose turns the rule reads (phrases, emotion, card numbers): customer, agent, bot
	// or any. Silence, talk-over and the speaking share are about the agent and take none.
	Speaker Speaker `json:"speaker,omitempty" dynamodbav:"speaker,omitempty"`
	// Phrases are a forbidden or required rule's phrases (any one of them), zh or en.
	Phrases []string `json:"phrases,omitempty" dynamodbav:"phrases,omitempty" jsonschema:"maxItems=200"`
	// Within and Turns place a required phrase: within the speaker's first (or last) Turns turns.
	Within Window `json:"within,omitempty" dynamodbav:"within,omitempty"`
	Turns  int    `json:"turns,omitempty" dynamodbav:"turns,omitempty" jsonschema:"minimum=0,maximum=100"`
	// Seconds is the longest gap a silence rule allows.
	Seconds int `json:"seconds,omitempty" dynamodbav:"seconds,omitempty" jsonschema:"minimum=0,maximum=3600"`
	// MinOverlapMS is the shortest overlap a talk-over rule counts (default 1000).
	MinOverlapMS int `json:"min_overlap_ms,omitempty" dynamodbav:"min_overlap_ms,omitempty" jsonschema:"minimum=0,maximum=60000"`
	// Threshold is the polarity below which a turn is negative, in [-1, 1].
	Threshold *float64 `json:"threshold,omitempty" dynamodbav:"threshold,omitempty" jsonschema:"minimum=-1,maximum=1"`
	// Min and Max bound the agent's speaking share, shares from 0 to 1.
	Min *float64 `json:"min,omitempty" dynamodbav:"min,omitempty" jsonschema:"minimum=0,maximum=1"`
	Max *float64 `json:"max,omitempty" dynamodbav:"max,omitempty" jsonschema:"minimum=0,maximum=1"`
	// Measure is what the share counts: words (default) or time (needs timings on both sides).
	Measure Measure `json:"measure,omitempty" dynamodbav:"measure,omitempty"`
}

// Form is a tenant's scoring form: weighted rules.
type Form struct {
	ID   string `json:"id" dynamodbav:"id"`
	Name string `json:"name" dynamodbav:"name" jsonschema:"maxLength=200"`
	// Rules are at most MaxRules, their ids unique.
	Rules []Rule `json:"rules" dynamodbav:"rules" jsonschema:"maxItems=50"`
	// Version counts the form's writes (1 on the first); results name the version they used.
	Version int64 `json:"version" dynamodbav:"-"`
	// UpdatedAt and UpdatedBy are the last write's; absent on the built-in default.
	UpdatedAt *time.Time `json:"updated_at,omitempty" dynamodbav:"updated_at,omitempty"`
	UpdatedBy string     `json:"updated_by,omitempty" dynamodbav:"updated_by,omitempty"`
}

// Limits of a form.
const (
	MaxRules       = 50
	MaxPhrases     = 200
	MaxPhraseRunes = 200
	MaxNameRunes   = 200
	MaxTurnsWindow = 100
	MaxSilence     = 3600
	// DefaultMinOverlapMS is a talk-over rule's shortest overlap when it names none.
	DefaultMinOverlapMS = 1000
)

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidID says whether id can name a form or a rule.
func ValidID(id string) bool { return idRE.MatchString(id) }

// Check returns what is wrong with the form, each with a JSON pointer under prefix.
func (f Form) Check(prefix string) []jsonptr.FieldError {
	var errs []jsonptr.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, jsonptr.FieldError{Field: prefix + field, Reason: fmt.Sprintf(format, args...)})
	}
	if n := len([]rune(strings.TrimSpace(f.Name))); n == 0 || n > MaxNameRunes {
		add("/name", "must be 1-%d characters", MaxNameRunes)
	}
	if len(f.Rules) == 0 || len(f.Rules) > MaxRules {
		add("/rules", "must hold 1-%d rules", MaxRules)
	}
	seen := map[string]bool{}
	for i, r := range f.Rules {
		p := fmt.Sprintf("/rules/%d", i)
		errs = append(errs, r.Check(prefix+p)...)
		if seen[r.ID] {
			add(p+"/id", "repeats rule id %q", r.ID)
		}
		seen[r.ID] = true
	}
	return errs
}

// Check returns what is wrong with the rule, each with a JSON pointer under prefix.
func (r Rule) Check(prefix string) []jsonptr.FieldError {
	var errs []jsonptr.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, jsonptr.FieldError{Field: prefix + field, Reason: fmt.Sprintf(format, args...)})
	}
	if !ValidID(r.ID) {
		add("/id", "must be 1-64 of a-z, 0-9, _ and -, starting with a letter or digit")
	}
	if len([]rune(r.Name)) > MaxNameRunes {
		add("/name", "must be at most %d characters", MaxNameRunes)
	}
	if r.Weight < 0 || r.Weight > 100 {
		add("/weight", "must be from 0 to 100")
	}
	known := false
	for _, k := range Kinds {
		known = known || r.Kind == k
	}
	if !known {
		add("/kind", "must be one of %s", kindList())
		return errs
	}
	phrases := r.Kind == ForbiddenPhrase || r.Kind == RequiredPhrase
	bySpeaker := phrases || r.Kind == NegativeEmotion || r.Kind == CardNumber
	switch {
	case bySpeaker && r.Speaker != Customer && r.Speaker != Agent && r.Speaker != Bot && r.Speaker != Any:
		add("/speaker", "must be customer, agent, bot or any")
	case !bySpeaker && r.Speaker != "":
		add("/speaker", "a %s rule is about the agent and takes no speaker", r.Kind)
	}
	if phrases {
		if len(r.Phrases) == 0 || len(r.Phrases) > MaxPhrases {
			add("/phrases", "must hold 1-%d phrases", MaxPhrases)
		}
		for i, s := range r.Phrases {
			if n := len([]rune(s)); n > MaxPhraseRunes || Fold(s) == "" {
				add(fmt.Sprintf("/phrases/%d", i), "must be 1-%d characters with a letter or digit", MaxPhraseRunes)
			}
		}
	} else if len(r.Phrases) > 0 {
		add("/phrases", "only forbidden_phrase and required_phrase rules take phrases")
	}
	if r.Kind == RequiredPhrase {
		if r.Within != First && r.Within != Last {
			add("/within", "must be first or last")
		}
		if r.Turns < 1 || r.Turns > MaxTurnsWindow {
			add("/turns", "must be from 1 to %d", MaxTurnsWindow)
		}
	} else if r.Within != "" || r.Turns != 0 {
		add("/within", "only required_phrase rules take within and turns")
	}
	if r.Kind == Silence {
		if r.Seconds < 1 || r.Seconds > MaxSilence {
			add("/seconds", "must be from 1 to %d", MaxSilence)
		}
	} else if r.Seconds != 0 {
		add("/seconds", "only silence rules take seconds")
	}
	if r.Kind != TalkOver && r.MinOverlapMS != 0 {
		add("/min_overlap_ms", "only talk_over rules take min_overlap_ms")
	} else if r.MinOverlapMS < 0 || r.MinOverlapMS > 60000 {
		add("/min_overlap_ms", "must be from 0 to 60000")
	}
	if r.Kind == NegativeEmotion {
		if r.Threshold == nil || bad(*r.Threshold) || *r.Threshold < -1 || *r.Threshold > 1 {
			add("/threshold", "must be a polarity from -1 to 1")
		}
	} else if r.Threshold != nil {
		add("/threshold", "only negative_emotion rules take a threshold")
	}
	if r.Kind == SpeakingShare {
		if r.Min == nil && r.Max == nil {
			add("/min", "a speaking_share rule needs min, max or both")
		}
		for _, b := range []struct {
			name string
			v    *float64
		}{{"/min", r.Min}, {"/max", r.Max}} {
			if b.v != nil && (bad(*b.v) || *b.v < 0 || *b.v > 1) {
				add(b.name, "must be a share from 0 to 1")
			}
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			add("/max", "must not be below min")
		}
		if r.Measure != "" && r.Measure != ByWords && r.Measure != ByTime {
			add("/measure", "must be words or time")
		}
	} else {
		if r.Min != nil || r.Max != nil {
			add("/min", "only speaking_share rules take min and max")
		}
		if r.Measure != "" {
			add("/measure", "only speaking_share rules take a measure")
		}
	}
	return errs
}

func bad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
