package satisfaction

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// KindFeedback is the store kind of a contact's feedback; the id is the contact id.
const KindFeedback = "feedback"

// Rules of an answer.
const (
	MinCSAT, MaxCSAT = 1, 5
	MinNPS, MaxNPS   = 0, 10
	// MaxCommentRunes is the longest comment, in characters.
	MaxCommentRunes = 2000
	// Keep is how long a contact's feedback is kept after its last answer.
	Keep = 400 * 24 * time.Hour
)

// FeedbackKey is the store key of contactID's feedback.
func FeedbackKey(contactID string) store.Key { return store.Key{Kind: KindFeedback, ID: contactID} }

// Answer is what a customer answers: at least one of the three.
type Answer struct {
	CSAT    *int
	NPS     *int
	Comment string
}

// Problem is one rule an answer breaks: the JSON pointer of its field and why.
type Problem struct{ Field, Reason string }

// Problems lists the rules a breaks (none: a is good): CSAT 1–5, NPS 0–10, a comment not blank and
// at most MaxCommentRunes characters without control characters other than line breaks and tabs,
// and at least one of them.
func (a Answer) Problems() []Problem {
	var out []Problem
	if a.CSAT == nil && a.NPS == nil && a.Comment == "" {
		return []Problem{{"", "send at least one of csat, nps and comment"}}
	}
	if a.CSAT != nil && (*a.CSAT < MinCSAT || *a.CSAT > MaxCSAT) {
		out = append(out, Problem{"/csat", fmt.Sprintf("must be a whole number from %d to %d", MinCSAT, MaxCSAT)})
	}
	if a.NPS != nil && (*a.NPS < MinNPS || *a.NPS > MaxNPS) {
		out = append(out, Problem{"/nps", fmt.Sprintf("must be a whole number from %d to %d", MinNPS, MaxNPS)})
	}
	switch c := a.Comment; {
	case c == "":
	case strings.TrimSpace(c) == "":
		out = append(out, Problem{"/comment", "must not be blank (omit it instead)"})
	case !utf8.ValidString(c):
		out = append(out, Problem{"/comment", "must be UTF-8"})
	case utf8.RuneCountInString(c) > MaxCommentRunes:
		out = append(out, Problem{"/comment", fmt.Sprintf("must be at most %d characters", MaxCommentRunes)})
	case strings.IndexFunc(c, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		out = append(out, Problem{"/comment", "must not have control characters other than line breaks and tabs"})
	}
	return out
}

// Feedback is a contact's survey answers as stored: one item per contact, created by the first
// answer; the chat survey's NPS answer completes its CSAT answer's item.
type Feedback struct {
	ContactID  string `dynamodbav:"contact_id" json:"contact_id"`
	CustomerID string `dynamodbav:"customer_id,omitempty" json:"customer_id,omitempty"`
	CSAT       *int   `dynamodbav:"csat,omitempty" json:"csat,omitempty"`
	NPS        *int   `dynamodbav:"nps,omitempty" json:"nps,omitempty"`
	// Comment is personal data.
	Comment     string                `dynamodbav:"comment,omitempty" json:"comment,omitempty"`
	Source      events.FeedbackSource `dynamodbav:"source" json:"source"`
	SubmittedAt time.Time             `dynamodbav:"submitted_at" json:"submitted_at"`
}

// Getter reads items; *store.Store is one.
type Getter interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
}

var _ Getter = (*store.Store)(nil)

// Get reads contactID's feedback and its version; version 0 and no error when there is none.
func Get(ctx context.Context, db Getter, t tenant.ID, contactID string) (Feedback, int64, error) {
	var f Feedback
	ver, err := db.Get(ctx, t, FeedbackKey(contactID), &f)
	if errors.Is(err, store.ErrNotFound) {
		return Feedback{}, 0, nil
	}
	if err != nil {
		return Feedback{}, 0, fmt.Errorf("read feedback of %s: %w", contactID, err)
	}
	return f, ver, nil
}

// Record returns the contact's feedback with answer a added, the write and the feedback.submitted event (from producer, about the contact
// f.ContactID) that record answer a on top of f, the contact's feedback at version (the zero
// Feedback with only ContactID, CustomerID and Source set, and version 0, when it has none). The
// write is conditional on that version, so of two racing answers one fails with store.ErrConflict.
// An answer to a question f already holds is ErrAnswered; a breaking the rules is ErrInvalid. The
// event carries a's answers only.
func Record(t tenant.ID, f Feedback, version int64, a Answer, src events.FeedbackSource, producer string, now time.Time) (Feedback, store.Op, events.Envelope, error) {
	if p := a.Problems(); len(p) > 0 {
		return Feedback{}, store.Op{}, events.Envelope{}, fmt.Errorf("%w: feedback of %s: %s %s", ErrInvalid, f.ContactID, p[0].Field, p[0].Reason)
	}
	if a.CSAT != nil && f.CSAT != nil || a.NPS != nil && f.NPS != nil || a.Comment != "" && f.Comment != "" {
		return Feedback{}, store.Op{}, events.Envelope{}, fmt.Errorf("feedback of %s: %w", f.ContactID, ErrAnswered)
	}
	if a.CSAT != nil {
		f.CSAT = a.CSAT
	}
	if a.NPS != nil {
		f.NPS = a.NPS
	}
	if a.Comment != "" {
		f.Comment = a.Comment
	}
	if f.Source == "" {
		f.Source = src
	}
	f.SubmittedAt = now.UTC()
	ev, err := events.New(t, events.TypeFeedbackSubmitted, f.ContactID, producer, events.FeedbackSubmitted{
		ContactID: f.ContactID, CustomerID: f.CustomerID, CSAT: a.CSAT, NPS: a.NPS, Comment: a.Comment, Source: src,
	})
	if err != nil {
		return Feedback{}, store.Op{}, events.Envelope{}, fmt.Errorf("feedback of %s: %w", f.ContactID, err)
	}
	ttl := store.WithTTL(now.Add(Keep))
	if version == 0 {
		return f, store.CreateOp(t, FeedbackKey(f.ContactID), f, ttl), ev, nil
	}
	return f, store.PutOp(t, FeedbackKey(f.ContactID), f, version, ttl), ev, nil
}
