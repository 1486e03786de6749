package handler

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// Limits on request fields.
const (
	maxIDLen         = 128  // customer ids, conversation ids, suggestions
	maxAttributes    = 50   // per customer or business event
	maxAttrValueLen  = 1000 // characters
	maxCallIDLen     = 256
	maxCallerLen     = 64
	maxDTMF          = 32
	maxFutureSkew    = 5 * time.Minute
	attributeKeyRule = "attribute names are 1–64 lower-case letters, digits, _, - and ., starting with a letter"
)

var (
	reAttrKey = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)
	reKind    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	reDTMF    = regexp.MustCompile(`^[0-9*#A-D]{1,32}$`)
)

// fields collects invalid fields.
type fields []httpapi.FieldError

func (f *fields) add(field, reason string) {
	*f = append(*f, httpapi.FieldError{Field: field, Reason: reason})
}

func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	return httpapi.Invalid(f...)
}

// checkID checks an identifier-like string: 1–max characters, no control characters.
func checkID(f *fields, ptr, s string, max int, required bool) {
	switch {
	case s == "" && required:
		f.add(ptr, "is required")
	case s == "":
	case utf8.RuneCountInString(s) > max:
		f.add(ptr, "must be at most "+itoa(max)+" characters")
	case strings.TrimSpace(s) != s || strings.IndexFunc(s, unicode.IsControl) >= 0:
		f.add(ptr, "must not have control characters or surrounding spaces")
	}
}

func checkAttributes(f *fields, ptr string, attrs map[string]string) {
	if len(attrs) > maxAttributes {
		f.add(ptr, "at most "+itoa(maxAttributes)+" attributes")
		return
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		at := jsonptr.Key(ptr, k)
		switch v := attrs[k]; {
		case !reAttrKey.MatchString(k):
			f.add(at, attributeKeyRule)
		case utf8.RuneCountInString(v) > maxAttrValueLen:
			f.add(at, "must be at most "+itoa(maxAttrValueLen)+" characters")
		case strings.IndexFunc(v, unicode.IsControl) >= 0:
			f.add(at, "must not have control characters")
		}
	}
}

// checkText checks a customer message: not blank, at most conversation.MaxTextRunes.
func checkText(f *fields, ptr, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		f.add(ptr, "must not be empty")
	case utf8.RuneCountInString(s) > conversation.MaxTextRunes:
		f.add(ptr, "must be at most "+itoa(conversation.MaxTextRunes)+" characters")
	}
}

type customerBody struct {
	ID         string            `json:"id" jsonschema:"maxLength=128"` // maxIDLen
	Attributes map[string]string `json:"attributes"`
}

type startBody struct {
	Customer customerBody `json:"customer"`
	Channel  string       `json:"channel"`
	Language string       `json:"language"`
}

func (b startBody) input() (conversation.StartInput, error) {
	var f fields
	in := conversation.StartInput{Channel: lxevents.ChannelChat}
	switch b.Channel {
	case "", "chat":
	case "voice":
		in.Channel = lxevents.ChannelVoice
	default:
		f.add("/channel", `must be "chat" or "voice"`)
	}
	switch b.Language {
	case "", "zh", "en":
		in.Language = botconfig.Lang(b.Language)
	default:
		f.add("/language", `must be "zh" or "en" (or omitted, to follow the customer)`)
	}
	checkID(&f, "/customer/id", b.Customer.ID, maxIDLen, false)
	checkAttributes(&f, "/customer/attributes", b.Customer.Attributes)
	in.Customer = conversation.Customer{ID: b.Customer.ID, Attributes: b.Customer.Attributes}
	return in, f.err()
}

// The jsonschema tags state the rules input() enforces in the OpenAPI contract (a test holds
// the two together: TestBodyTagsMatchLimits).
type messageBody struct {
	Text       *string `json:"text" text:"multiline" jsonschema:"maxLength=4000"`                  // conversation.MaxTextRunes
	Suggestion *string `json:"suggestion" jsonschema:"pattern=^[a-z0-9][a-z0-9_-]*$,maxLength=64"` // botconfig.ValidID
	DTMF       *string `json:"dtmf" jsonschema:"pattern=^[0-9*#A-D]+$,minLength=1,maxLength=32"`   // reDTMF
}

func (b messageBody) input() (conversation.Input, error) {
	var f fields
	n := 0
	for _, p := range []*string{b.Text, b.Suggestion, b.DTMF} {
		if p != nil {
			n++
		}
	}
	switch {
	case n == 0:
		f.add("/text", "send one of text, suggestion or dtmf")
	case n > 1:
		f.add("", "send only one of text, suggestion and dtmf")
	case b.Text != nil:
		checkText(&f, "/text", *b.Text)
	case b.Suggestion != nil:
		if !botconfig.ValidID(*b.Suggestion) {
			f.add("/suggestion", "must be an intent id offered in suggestions")
		}
	case b.DTMF != nil:
		if !reDTMF.MatchString(*b.DTMF) {
			f.add("/dtmf", "must be 1–32 keypad keys (0-9, *, #, A-D)")
		}
	}
	var in conversation.Input
	if b.Text != nil {
		in.Text = *b.Text
	}
	if b.Suggestion != nil {
		in.Suggestion = *b.Suggestion
	}
	if b.DTMF != nil {
		in.DTMF = *b.DTMF
	}
	return in, f.err()
}

type voiceBody struct {
	CallID         string  `json:"call_id" jsonschema:"pattern=^[!-~]+$,minLength=1,maxLength=256"`  // maxCallIDLen
	ConversationID string  `json:"conversation_id" jsonschema:"maxLength=128"`                       // maxIDLen
	Text           *string `json:"text" text:"multiline" jsonschema:"maxLength=4000"`                // conversation.MaxTextRunes
	DTMF           *string `json:"dtmf" jsonschema:"pattern=^[0-9*#A-D]+$,minLength=1,maxLength=32"` // reDTMF
	Caller         string  `json:"caller" jsonschema:"maxLength=64"`                                 // maxCallerLen
}

func (b voiceBody) input() (conversation.VoiceInput, error) {
	var f fields
	switch {
	case b.CallID == "":
		f.add("/call_id", "is required")
	case len(b.CallID) > maxCallIDLen || strings.IndexFunc(b.CallID, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
		f.add("/call_id", "must be 1–256 visible ASCII characters")
	}
	checkID(&f, "/conversation_id", b.ConversationID, maxIDLen, false)
	checkID(&f, "/caller", b.Caller, maxCallerLen, false)
	in := conversation.VoiceInput{CallID: b.CallID, ConversationID: b.ConversationID, Caller: b.Caller}
	switch {
	case b.Text != nil && b.DTMF != nil:
		f.add("/dtmf", "send text or dtmf, not both")
	case b.Text != nil:
		// An empty utterance is a timeout, like no text at all.
		if utf8.RuneCountInString(*b.Text) > conversation.MaxTextRunes {
			f.add("/text", "must be at most "+itoa(conversation.MaxTextRunes)+" characters")
		}
		in.Text = strings.TrimSpace(*b.Text)
	case b.DTMF != nil:
		if !reDTMF.MatchString(*b.DTMF) {
			f.add("/dtmf", "must be 1–32 keypad keys (0-9, *, #, A-D)")
		}
		in.DTMF = *b.DTMF
	}
	return in, f.err()
}

type businessEventBody struct {
	CustomerID string            `json:"customer_id" jsonschema:"minLength=1,maxLength=128"`       // maxIDLen
	Kind       string            `json:"kind" jsonschema:"pattern=^[a-z][a-z0-9_]*$,maxLength=64"` // reKind
	Attributes map[string]string `json:"attributes"`
	OccurredAt string            `json:"occurred_at" jsonschema:"minLength=1"`
}

func (b businessEventBody) event(now time.Time) (lxevents.BusinessEvent, error) {
	var f fields
	checkID(&f, "/customer_id", b.CustomerID, maxIDLen, true)
	if !reKind.MatchString(b.Kind) {
		f.add("/kind", "must be 1–64 characters of snake_case (a-z, 0-9, _), starting with a letter")
	}
	checkAttributes(&f, "/attributes", b.Attributes)
	at, err := time.Parse(time.RFC3339Nano, b.OccurredAt)
	switch {
	case b.OccurredAt == "":
		f.add("/occurred_at", "is required (RFC 3339)")
	case err != nil:
		f.add("/occurred_at", "must be an RFC 3339 time, e.g. 2025-06-03T09:13:41Z")
	case at.After(now.Add(maxFutureSkew)):
		f.add("/occurred_at", "is in the future")
	}
	if err := f.err(); err != nil {
		return lxevents.BusinessEvent{}, err
	}
	return lxevents.BusinessEvent{CustomerID: b.CustomerID, Kind: b.Kind, Attributes: b.Attributes, OccurredAt: at.UTC()}, nil
}
