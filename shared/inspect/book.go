package inspect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Store kinds of the inspection records, all per tenant:
//
//	qa-form/<form id>              a form the tenant wrote
//	qa-settings/active             which form is active (absent: "default")
//	qa-live/<contact id>           a contact's transcript as it runs, kept LiveTTL after its last turn
//	qa-result/<contact id>         a contact's result: score, rules, violations, transcript, review
//	qa-agent/<agent id>#<contact>  one contact's score in its agent's series
const (
	KindForm     = "qa-form"
	KindSettings = "qa-settings"
	KindLive     = "qa-live"
	KindResult   = "qa-result"
	KindAgent    = "qa-agent"
)

// LiveTTL is how long a contact's running transcript is kept after its last event: a contact
// that ends again (a chat the bot handed to an agent) is inspected again on the whole of it.
const LiveTTL = 7 * 24 * time.Hour

// Transcript bounds: a kept transcript stays far below DynamoDB's item size.
const (
	MaxTurns      = 400
	MaxTurnRunes  = 2000
	MaxTotalBytes = 150_000
)

var activeKey = store.Key{Kind: KindSettings, ID: "active"}

// Store is the table access inspection needs.
type Store interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
}

var _ Store = (*store.Store)(nil)

// Committer writes store operations and their events together (outbox.Outbox).
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error
}

// Book is the inspection records: forms, results, agents' scores and reviews. The api's routes
// and the Inspector share it.
type Book struct {
	db     Store
	commit Committer
	now    func() time.Time
	source string
}

// NewBook returns the records over db; writes that emit events commit through c with source as
// the events' source; now is the clock (nil: time.Now).
func NewBook(db Store, c Committer, source string, now func() time.Time) *Book {
	if now == nil {
		now = time.Now
	}
	return &Book{db: db, commit: c, now: now, source: source}
}

type activeRecord struct {
	FormID string `dynamodbav:"form_id"`
}

// ActiveFormID is the id of the form t inspects with.
func (b *Book) ActiveFormID(ctx context.Context, t tenant.ID) (string, int64, error) {
	var a activeRecord
	v, err := b.db.Get(ctx, t, activeKey, &a)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultFormID, 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("active form of %s: %w", t, err)
	}
	return a.FormID, v, nil
}

// Form reads t's form id: the stored one, or the built-in default for "default" until the
// tenant writes its own. ErrNoForm when there is none.
func (b *Book) Form(ctx context.Context, t tenant.ID, id string) (Form, error) {
	if !ValidID(id) {
		return Form{}, fmt.Errorf("form %q: %w", id, ErrNoForm)
	}
	var f Form
	v, err := b.db.Get(ctx, t, store.Key{Kind: KindForm, ID: id}, &f)
	switch {
	case errors.Is(err, store.ErrNotFound) && id == DefaultFormID:
		return DefaultForm(), nil
	case errors.Is(err, store.ErrNotFound):
		return Form{}, fmt.Errorf("form %q: %w", id, ErrNoForm)
	case err != nil:
		return Form{}, fmt.Errorf("form %q of %s: %w", id, t, err)
	}
	f.ID, f.Version = id, v
	return f, nil
}

// ActiveForm is the form t inspects with; the built-in default when the active one is gone.
func (b *Book) ActiveForm(ctx context.Context, t tenant.ID) (Form, error) {
	id, _, err := b.ActiveFormID(ctx, t)
	if err != nil {
		return Form{}, err
	}
	f, err := b.Form(ctx, t, id)
	if errors.Is(err, ErrNoForm) {
		return DefaultForm(), nil
	}
	return f, err
}

// Forms lists t's forms by id, the built-in default among them until the tenant replaces it.
func (b *Book) Forms(ctx context.Context, t tenant.ID) ([]Form, error) {
	var out []Form
	hasDefault := false
	for rec, err := range store.Records(ctx, b.db, t, KindForm, "", store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			return nil, fmt.Errorf("forms of %s: %w", t, err)
		}
		var f Form
		if err := rec.Decode(&f); err != nil {
			return nil, fmt.Errorf("decode form %s: %w", rec.Key.ID, err)
		}
		f.ID, f.Version = rec.Key.ID, rec.Version
		hasDefault = hasDefault || f.ID == DefaultFormID
		out = append(out, f)
	}
	if !hasDefault {
		out = append(out, DefaultForm())
	}
	slices.SortFunc(out, func(a, b Form) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// PutForm creates or replaces t's form f (checked by the caller with Form.Check); activate makes
// it the form contacts are inspected with from now on. It answers the form as stored and
// whether it was created.
func (b *Book) PutForm(ctx context.Context, t tenant.ID, f Form, activate bool, by string) (Form, bool, error) {
	if !ValidID(f.ID) {
		return Form{}, false, fmt.Errorf("form %q: %w", f.ID, ErrNoForm)
	}
	for range retries {
		var old Form
		v, err := b.db.Get(ctx, t, store.Key{Kind: KindForm, ID: f.ID}, &old)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Form{}, false, fmt.Errorf("put form %s of %s: %w", f.ID, t, err)
		}
		now := b.now().UTC()
		f.UpdatedAt, f.UpdatedBy, f.Name = &now, by, strings.TrimSpace(f.Name)
		ops := []store.Op{store.PutOp(t, store.Key{Kind: KindForm, ID: f.ID}, f, v)}
		if activate {
			_, av, err := b.ActiveFormID(ctx, t)
			if err != nil {
				return Form{}, false, err
			}
			ops = append(ops, store.PutOp(t, activeKey, activeRecord{FormID: f.ID}, av))
		}
		err = b.commit.Commit(ctx, ops)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return Form{}, false, fmt.Errorf("put form %s of %s: %w", f.ID, t, err)
		}
		f.Version = v + 1
		return f, v == 0, nil
	}
	return Form{}, false, fmt.Errorf("put form %s of %s: %w", f.ID, t, ErrBusy)
}

// retries bounds the read-modify-write loops that lose to concurrent writers.
const retries = 5

// Result is a contact's inspection: the automatic score with its rules and violations, the
// transcript they point into, and the review's verdicts kept beside them.
type Result struct {
	ContactID string         `json:"contact_id" dynamodbav:"contact_id"`
	Channel   events.Channel `json:"channel" dynamodbav:"channel"`
	AgentID   string         `json:"agent_id,omitempty" dynamodbav:"agent_id,omitempty"`
	// FormID and FormVersion are the form inspected with (version 0: the built-in default).
	FormID      string `json:"form_id" dynamodbav:"form_id"`
	FormVersion int64  `json:"form_version" dynamodbav:"form_version"`
	// Score is the automatic score, 0–100; FinalScore is the review's when re-scored, else Score.
	Score      float64      `json:"score" dynamodbav:"score"`
	FinalScore float64      `json:"final_score" dynamodbav:"final_score"`
	Rules      []RuleResult `json:"rules" dynamodbav:"rules"`
	// Violations point into Transcript by index (Turn); Excerpt is that turn's text as kept
	// (card numbers masked), cut to 200 characters.
	Violations []ResultViolation `json:"violations" dynamodbav:"violations"`
	// Transcript is the contact's turns as inspected. Personal data.
	Transcript  []Turn    `json:"transcript" dynamodbav:"transcript"`
	InspectedAt time.Time `json:"inspected_at" dynamodbav:"inspected_at"`
	// Revision counts inspections and re-scores, from 1.
	Revision int    `json:"revision" dynamodbav:"revision"`
	Review   Review `json:"review" dynamodbav:"review"`
	// DroppedTurns counts turns past the transcript's bounds, not inspected.
	DroppedTurns int `json:"dropped_turns,omitempty" dynamodbav:"dropped_turns,omitempty"`
}

// ResultViolation is a violation with the text of the turn that triggered it.
type ResultViolation struct {
	Violation
	Excerpt string `json:"excerpt,omitempty" dynamodbav:"excerpt,omitempty"`
}

// ReviewState is where a contact is in review.
type ReviewState string

// Review states: none until sampled; an agent may dispute a sampled or unsampled result; a
// supervisor re-scores either.
const (
	ReviewNone     ReviewState = "none"
	ReviewSampled  ReviewState = "sampled"
	ReviewDisputed ReviewState = "disputed"
	ReviewRescored ReviewState = "rescored"
)

// Review is the human side of a contact's inspection.
type Review struct {
	State     ReviewState `json:"state" dynamodbav:"state"`
	SampledAt *time.Time  `json:"sampled_at,omitempty" dynamodbav:"sampled_at,omitempty"`
	SampledBy string      `json:"sampled_by,omitempty" dynamodbav:"sampled_by,omitempty"`
	Dispute   *Dispute    `json:"dispute,omitempty" dynamodbav:"dispute,omitempty"`
	Rescore   *Rescored   `json:"rescore,omitempty" dynamodbav:"rescore,omitempty"`
}

// Dispute is an agent's objection to a result.
type Dispute struct {
	By     string    `json:"by" dynamodbav:"by"`
	Reason string    `json:"reason" dynamodbav:"reason"`
	At     time.Time `json:"at" dynamodbav:"at"`
}

// Rescored is a supervisor's re-score: the per-rule overrides, the rules with them applied and
// the new score. The automatic score stays in Result.Score.
type Rescored struct {
	By        string       `json:"by" dynamodbav:"by"`
	At        time.Time    `json:"at" dynamodbav:"at"`
	Score     float64      `json:"score" dynamodbav:"score"`
	Overrides []Override   `json:"overrides" dynamodbav:"overrides"`
	Rules     []RuleResult `json:"rules" dynamodbav:"rules"`
	Note      string       `json:"note,omitempty" dynamodbav:"note,omitempty"`
}

// AgentScore is one contact in an agent's series.
type AgentScore struct {
	ContactID   string         `json:"contact_id" dynamodbav:"contact_id"`
	Channel     events.Channel `json:"channel" dynamodbav:"channel"`
	InspectedAt time.Time      `json:"inspected_at" dynamodbav:"inspected_at"`
	Score       float64        `json:"score" dynamodbav:"score"`
	FinalScore  float64        `json:"final_score" dynamodbav:"final_score"`
	Review      ReviewState    `json:"review" dynamodbav:"review"`
}

func agentKey(agentID, contactID string) store.Key {
	return store.Key{Kind: KindAgent, ID: agentID + "#" + contactID}
}

func resultKey(contactID string) store.Key { return store.Key{Kind: KindResult, ID: contactID} }

func (r Result) agentScore() AgentScore {
	return AgentScore{ContactID: r.ContactID, Channel: r.Channel, InspectedAt: r.InspectedAt, Score: r.Score, FinalScore: r.FinalScore, Review: r.Review.State}
}

// Result reads the result of t's contact; ErrNoResult when it was not inspected.
func (b *Book) Result(ctx context.Context, t tenant.ID, contactID string) (Result, error) {
	r, _, err := b.result(ctx, t, contactID)
	return r, err
}

func (b *Book) result(ctx context.Context, t tenant.ID, contactID string) (Result, int64, error) {
	var r Result
	v, err := b.db.Get(ctx, t, resultKey(contactID), &r)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return Result{}, 0, fmt.Errorf("contact %q: %w", contactID, ErrNoResult)
	}
	if err != nil {
		return Result{}, 0, fmt.Errorf("result of %s of %s: %w", contactID, t, err)
	}
	return r, v, nil
}

// MaxSeries bounds the scores one agent's series reads.
const MaxSeries = 5000

// AgentSeries is an agent's scores over a window: every contact oldest first, the mean, and the
// mean per day (UTC).
type AgentSeries struct {
	AgentID string       `json:"agent_id"`
	From    time.Time    `json:"from"`
	To      time.Time    `json:"to"`
	Count   int          `json:"count"`
	Mean    *float64     `json:"mean"`
	Days    []DayScore   `json:"days"`
	Items   []AgentScore `json:"items"`
	// Truncated is true when the agent had more than MaxSeries scores: the oldest read are shown.
	Truncated bool `json:"truncated"`
}

// DayScore is one day's mean final score.
type DayScore struct {
	Day   string  `json:"day"`
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
}

// Agent reads agentID's scores inspected in [from, to).
func (b *Book) Agent(ctx context.Context, t tenant.ID, agentID string, from, to time.Time) (AgentSeries, error) {
	all, more, err := store.QueryAll[AgentScore](ctx, b.db, t, KindAgent, agentID+"#", MaxSeries)
	if err != nil {
		return AgentSeries{}, err
	}
	out := AgentSeries{AgentID: agentID, From: from, To: to, Items: []AgentScore{}, Days: []DayScore{}, Truncated: more}
	for _, s := range all {
		if !s.InspectedAt.Before(from) && s.InspectedAt.Before(to) {
			out.Items = append(out.Items, s)
		}
	}
	slices.SortFunc(out.Items, func(a, b AgentScore) int {
		return cmp.Or(a.InspectedAt.Compare(b.InspectedAt), strings.Compare(a.ContactID, b.ContactID))
	})
	sum := 0.0
	for _, s := range out.Items {
		sum += s.FinalScore
		day := s.InspectedAt.UTC().Format(time.DateOnly)
		if n := len(out.Days); n == 0 || out.Days[n-1].Day != day {
			out.Days = append(out.Days, DayScore{Day: day})
		}
		d := &out.Days[len(out.Days)-1]
		d.Mean = (d.Mean*float64(d.Count) + s.FinalScore) / float64(d.Count+1)
		d.Count++
	}
	for i := range out.Days {
		out.Days[i].Mean = round1(out.Days[i].Mean)
	}
	if out.Count = len(out.Items); out.Count > 0 {
		m := round1(sum / float64(out.Count))
		out.Mean = &m
	}
	return out, nil
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

// excerpt is a turn's kept text cut to 200 characters.
func excerpt(tr []Turn, i int) string {
	if i < 0 || i >= len(tr) {
		return ""
	}
	r := []rune(tr[i].Text)
	if len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return string(r)
}

func withExcerpts(vs []Violation, tr []Turn) []ResultViolation {
	out := make([]ResultViolation, len(vs))
	for i, v := range vs {
		out[i] = ResultViolation{Violation: v, Excerpt: excerpt(tr, v.Turn)}
	}
	return out
}
