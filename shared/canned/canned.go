// Package canned holds a tenant's canned responses (话术): short texts an admin writes once and
// agents send or adapt in a chat, found by title, text and tags. The api function serves them at
// /v1/canned-responses (admins write, agents read) and ranks them beside knowledge-base articles
// in a contact's suggestions (Rank).
//
// Layout in the one table (tenant items): Kind, id = the response's id ("cr_…"): the Response.
package canned

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/randid"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Kind is the store kind of canned responses.
const Kind = "canned"

// Limits.
const (
	MaxTitleLen = 100
	MaxTextLen  = 2000
	MaxTags     = 20
	MaxTagLen   = 64
	// MaxList bounds the responses List reads for ranking (a tenant's whole set, normally far
	// fewer).
	MaxList = 2000
)

// Language is the language a response is written in (botconfig's languages); "" means any.
type Language = botconfig.Lang

// validLanguage reports whether l is a language of the bot's or "".
func validLanguage(l Language) bool { return l == "" || l.Valid() }

// Response is a canned response.
type Response struct {
	ID        string    `dynamodbav:"id" json:"id"`
	Title     string    `dynamodbav:"title" json:"title"`
	Text      string    `dynamodbav:"text" json:"text"`
	Language  Language  `dynamodbav:"language" json:"language"`
	Tags      []string  `dynamodbav:"tags" json:"tags"`
	CreatedAt time.Time `dynamodbav:"created_at" json:"created_at"`
	UpdatedAt time.Time `dynamodbav:"updated_at" json:"updated_at"`
}

// Key is the store key of response id.
func Key(id string) store.Key { return store.Key{Kind: Kind, ID: id} }

// NewID returns a fresh response id.
func NewID() (string, error) { return randid.New(idPrefix, idBytes), nil }

// ValidID reports whether id may be a response id (as NewID makes them).
func ValidID(id string) bool { return randid.Valid(id, idPrefix, idBytes) }

// A response id is "cr_" and 9 random bytes.
const (
	idPrefix = "cr_"
	idBytes  = 9
)

// Patch is a change to a response: nil fields stay. A create is a Patch over the zero Response
// with Title and Text required.
type Patch struct {
	Title    *string   `json:"title,omitempty"`
	Text     *string   `json:"text,omitempty" text:"multiline"`
	Language *Language `json:"language,omitempty"`
	Tags     *[]string `json:"tags,omitempty"`
}

// Empty reports whether p changes nothing.
func (p Patch) Empty() bool { return p == Patch{} }

// Check reports every field of p that is bad, as JSON pointers; create says whether the required
// fields must be there. Text hygiene (control characters, invalid UTF-8) is httpapi's, at decode.
func (p Patch) Check(create bool) []httpapi.FieldError {
	var fe []httpapi.FieldError
	bad := func(field, reason string) { fe = append(fe, httpapi.FieldError{Field: field, Reason: reason}) }
	text := func(s *string, field string, max int) {
		if s == nil {
			if create {
				bad(field, "is required")
			}
			return
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(*s)); n == 0 || n > max {
			bad(field, fmt.Sprintf("must be 1–%d characters", max))
		}
	}
	text(p.Title, "/title", MaxTitleLen)
	text(p.Text, "/text", MaxTextLen)
	if p.Language != nil && !validLanguage(*p.Language) {
		bad("/language", `must be "zh", "en" or "" (any)`)
	}
	if p.Tags != nil {
		if len(*p.Tags) > MaxTags {
			bad("/tags", fmt.Sprintf("must have at most %d tags", MaxTags))
		}
		seen := map[string]bool{}
		for i, tag := range *p.Tags {
			tag = strings.TrimSpace(tag)
			switch {
			case tag == "" || utf8.RuneCountInString(tag) > MaxTagLen:
				bad(fmt.Sprintf("/tags/%d", i), fmt.Sprintf("must be 1–%d characters", MaxTagLen))
			case seen[strings.ToLower(tag)]:
				bad(fmt.Sprintf("/tags/%d", i), "is listed twice")
			}
			seen[strings.ToLower(tag)] = true
		}
	}
	return fe
}

// Apply returns r changed by p (checked with Check), stamped at now.
func (p Patch) Apply(r Response, now time.Time) Response {
	if p.Title != nil {
		r.Title = strings.TrimSpace(*p.Title)
	}
	if p.Text != nil {
		r.Text = strings.TrimSpace(*p.Text)
	}
	if p.Language != nil {
		r.Language = *p.Language
	}
	if p.Tags != nil {
		r.Tags = make([]string, 0, len(*p.Tags))
		for _, tag := range *p.Tags {
			r.Tags = append(r.Tags, strings.TrimSpace(tag))
		}
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.UpdatedAt = now
	return r
}

// Reader is the store access List needs; *store.Store is one.
type Reader interface {
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
}

var _ Reader = (*store.Store)(nil)

// List reads t's responses, at most MaxList.
func List(ctx context.Context, db Reader, t tenant.ID) ([]Response, error) {
	var out []Response
	for rec, err := range store.Records(ctx, db, t, Kind, "", store.PageRequest{Limit: 100}) {
		if err != nil {
			return nil, fmt.Errorf("list canned responses of %s: %w", t, err)
		}
		var r Response
		if err := rec.Decode(&r); err != nil {
			return nil, fmt.Errorf("decode canned response %s: %w", rec.Key.ID, err)
		}
		out = append(out, r)
		if len(out) >= MaxList {
			break
		}
	}
	return out, nil
}

// Scored is a response with its relevance to a query (nlu.Hit.Match: about 1 for a verbatim
// match of its title, text or a tag, near 0 for a weak one).
type Scored struct {
	Response
	Match float64 `json:"match"`
}

// Rank returns up to k of rs that share words with query, best first (BM25 over each response's
// title, text and tags, as the knowledge base's retriever ranks articles). Responses in another
// language than lang are left out; those written for any language stay. Ties go to the smaller id.
func Rank(rs []Response, query string, lang Language, k int) []Scored {
	if k <= 0 || strings.TrimSpace(query) == "" {
		return nil
	}
	byID := make(map[string]Response, len(rs))
	x := nlu.NewIndex()
	for _, r := range rs {
		if lang != "" && r.Language != "" && r.Language != lang {
			continue
		}
		byID[r.ID] = r
		for _, s := range append([]string{r.Title, r.Text}, r.Tags...) {
			if err := x.Add(r.ID, s); err != nil {
				continue // an empty id: not a stored response
			}
		}
	}
	var out []Scored
	for _, h := range x.Search(query, k) {
		out = append(out, Scored{Response: byID[h.ArticleID], Match: h.Match})
	}
	return out
}
