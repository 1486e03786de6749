package inspect

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Review bounds.
const (
	MaxSample       = 100
	MaxSampleScan   = 5000
	MaxReasonRunes  = 1000
	MaxOverrides    = MaxRules
	MaxNoteRunes    = 500
	DefaultSampleOf = 7 * 24 * time.Hour // the window a sample draws from when none is given
)

// SampleRequest asks for N contacts to review, drawn at random among those inspected in [From,
// To) and not yet in review, of one agent when AgentID is set.
type SampleRequest struct {
	N        int
	AgentID  string
	From, To time.Time
	By       string
}

// Sampled is one contact drawn for review.
type Sampled struct {
	ContactID   string         `json:"contact_id"`
	Channel     events.Channel `json:"channel"`
	AgentID     string         `json:"agent_id,omitempty"`
	Score       float64        `json:"score"`
	InspectedAt time.Time      `json:"inspected_at"`
}

// Sample draws up to req.N contacts for review and marks them sampled; it answers them and how
// many were there to draw from.
func (b *Book) Sample(ctx context.Context, t tenant.ID, req SampleRequest) ([]Sampled, int, error) {
	all, _, err := store.QueryAll[Result](ctx, b.db, t, KindResult, "", MaxSampleScan)
	if err != nil {
		return nil, 0, err
	}
	var pool []Result
	for _, r := range all {
		if r.InspectedAt.Before(req.From) || !r.InspectedAt.Before(req.To) || (req.AgentID != "" && r.AgentID != req.AgentID) {
			continue
		}
		if r.Review.State == ReviewNone || r.Review.State == "" {
			pool = append(pool, r)
		}
	}
	rand.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	out := []Sampled{}
	now := b.now().UTC()
	for _, r := range pool {
		if len(out) == req.N {
			break
		}
		ok, err := b.update(ctx, t, r.ContactID, nil, func(r *Result) (bool, error) {
			if r.Review.State != ReviewNone && r.Review.State != "" {
				return false, nil // put in review meanwhile
			}
			r.Review.State, r.Review.SampledAt, r.Review.SampledBy = ReviewSampled, &now, req.By
			return true, nil
		})
		if err != nil {
			return nil, 0, err
		}
		if ok {
			out = append(out, Sampled{ContactID: r.ContactID, Channel: r.Channel, AgentID: r.AgentID, Score: r.Score, InspectedAt: r.InspectedAt})
		}
	}
	return out, len(pool), nil
}

// Dispute records an agent's objection to contact's result. agentOnly, when set, is the agent
// disputing for themselves: a result of another agent is ErrNoResult to them. A result already
// disputed is ErrDisputed.
func (b *Book) Dispute(ctx context.Context, t tenant.ID, contactID, by, agentOnly, reason string) (Result, error) {
	var out Result
	_, err := b.update(ctx, t, contactID, nil, func(r *Result) (bool, error) {
		if agentOnly != "" && r.AgentID != agentOnly {
			return false, fmt.Errorf("contact %q: %w", contactID, ErrNoResult)
		}
		if r.Review.Dispute != nil {
			return false, fmt.Errorf("contact %q: %w", contactID, ErrDisputed)
		}
		r.Review.Dispute = &Dispute{By: by, Reason: strings.TrimSpace(reason), At: b.now().UTC()}
		if r.Review.State != ReviewRescored {
			r.Review.State = ReviewDisputed
		}
		out = *r
		return true, nil
	})
	return out, err
}

// Rescore records a supervisor's re-score of contact: overrides applied to the automatic rules
// give the new final score, kept beside the automatic one; contact.inspected (source review)
// goes out with it. An override of a rule the result lacks is ErrUnknownRule (wrapped in an
// *UnknownRulesError naming the overrides).
func (b *Book) Rescore(ctx context.Context, t tenant.ID, contactID, by string, overrides []Override, note string) (Result, error) {
	var out Result
	_, err := b.update(ctx, t, contactID, func(r Result) ([]events.Envelope, error) {
		ev, err := inspectedEvent(t, r, events.QAScoredByReview, b.source)
		return []events.Envelope{ev}, err
	}, func(r *Result) (bool, error) {
		rules, score, unknown := Rescore(r.Rules, overrides)
		if len(unknown) > 0 {
			return false, &UnknownRulesError{Indexes: unknown}
		}
		r.Review.Rescore = &Rescored{By: by, At: b.now().UTC(), Score: score, Overrides: overrides, Rules: rules, Note: strings.TrimSpace(note)}
		r.Review.State, r.FinalScore = ReviewRescored, score
		r.Revision++
		out = *r
		return true, nil
	})
	return out, err
}

// UnknownRulesError names the overrides (by index) whose rule the result lacks.
type UnknownRulesError struct{ Indexes []int }

func (e *UnknownRulesError) Error() string {
	return fmt.Sprintf("overrides %v name no rule of the result", e.Indexes)
}

// Unwrap makes errors.Is(err, ErrUnknownRule) hold.
func (e *UnknownRulesError) Unwrap() error { return ErrUnknownRule }

// update reads contact's result, lets change edit it (false: leave it), and writes it with its
// agent's series entry and the events evs builds from the changed result, retrying on
// concurrent writes. It reports whether it wrote.
func (b *Book) update(ctx context.Context, t tenant.ID, contactID string, evs func(Result) ([]events.Envelope, error), change func(*Result) (bool, error)) (bool, error) {
	for range retries {
		r, v, err := b.result(ctx, t, contactID)
		if err != nil {
			return false, err
		}
		ok, err := change(&r)
		if err != nil || !ok {
			return false, err
		}
		ops := []store.Op{store.PutOp(t, resultKey(contactID), r, v)}
		if r.AgentID != "" {
			op, err := b.agentOp(ctx, t, r)
			if err != nil {
				return false, err
			}
			ops = append(ops, op)
		}
		var out []events.Envelope
		if evs != nil {
			if out, err = evs(r); err != nil {
				return false, err
			}
		}
		err = b.commit.Commit(ctx, ops, out...)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("update the result of %s of %s: %w", contactID, t, err)
		}
		return true, nil
	}
	return false, fmt.Errorf("update the result of %s of %s: %w", contactID, t, ErrBusy)
}

// agentOp writes r's entry in its agent's series over the version it has now; the result's
// versioned write in the same transaction orders the writers.
func (b *Book) agentOp(ctx context.Context, t tenant.ID, r Result) (store.Op, error) {
	k := agentKey(r.AgentID, r.ContactID)
	var old AgentScore
	v, err := b.db.Get(ctx, t, k, &old)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Op{}, fmt.Errorf("score of %s in %s's series: %w", r.ContactID, r.AgentID, err)
	}
	return store.PutOp(t, k, r.agentScore(), v), nil
}

// inspectedEvent is contact.inspected for r.
func inspectedEvent(t tenant.ID, r Result, src events.QAScoreSource, source string) (events.Envelope, error) {
	rules, score := r.Rules, r.Score
	if src == events.QAScoredByReview && r.Review.Rescore != nil {
		rules, score = r.Review.Rescore.Rules, r.Review.Rescore.Score
	}
	var failed []string
	for _, x := range rules {
		if x.Applicable && !x.Passed {
			failed = append(failed, x.RuleID)
		}
	}
	return events.New(t, events.TypeContactInspected, r.ContactID, source, events.ContactInspected{
		ContactID: r.ContactID, Channel: r.Channel, AgentID: r.AgentID, FormID: r.FormID, FormVersion: r.FormVersion,
		Score: score, Source: src, Violations: len(r.Violations), Failed: failed, Revision: r.Revision,
	})
}
