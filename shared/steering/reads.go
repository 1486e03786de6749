package steering

// reads.go: the settings and what the API's GET /v1/dispatch/* routes read (functions/api): the
// state, decisions, activations with their judgements, and the strategies with their measured
// effects.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Settings returns t's engine settings: its own with the defaults filled in, or
// strategy.Defaults() when it has written none.
func (e *Engine) Settings(ctx context.Context, t tenant.ID) (strategy.Settings, error) {
	var s strategy.Settings
	_, err := e.db.Get(ctx, t, settingsKey, &s)
	if errors.Is(err, store.ErrNotFound) {
		return strategy.Defaults(), nil
	}
	if err != nil {
		return strategy.Settings{}, fmt.Errorf("steering: read the settings: %w", err)
	}
	return s.WithDefaults(), nil
}

// PutSettings replaces t's settings with s (the defaults filled in) and returns them as kept. Bad
// settings are an *httpapi.Error of kind validation listing the fields (Settings.Check).
func (e *Engine) PutSettings(ctx context.Context, t tenant.ID, s strategy.Settings) (strategy.Settings, error) {
	s = s.WithDefaults()
	if fe := s.Check(); len(fe) > 0 {
		return strategy.Settings{}, fmt.Errorf("%w: %w", ErrInvalid, httpapi.Invalid(fe...))
	}
	for try := 0; ; try++ {
		ver, err := e.db.Get(ctx, t, settingsKey, nil)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return strategy.Settings{}, fmt.Errorf("steering: read the settings: %w", err)
		}
		_, err = e.db.Put(ctx, t, settingsKey, s, ver)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, store.ErrConflict) || try == 2 {
			return strategy.Settings{}, fmt.Errorf("steering: keep the settings: %w", err)
		}
	}
}

// State returns t's state: the last decision's gaps per queue and what is in force.
func (e *Engine) State(ctx context.Context, t tenant.ID) (overlay.State, error) {
	st, _, err := overlay.Read(ctx, e.db, t)
	if err != nil {
		return overlay.State{}, err
	}
	if st.Active == nil {
		st.Active = []strategy.Activation{}
	}
	if st.Queues == nil {
		st.Queues = []strategy.QueueDecision{}
	}
	return st, nil
}

// Decisions returns one page of t's kept decisions made in [from, to), newest first, and the
// cursor of the next page ("" at the end). A page may hold fewer than page.Limit decisions (some
// read are outside the range) while the cursor is not empty.
func (e *Engine) Decisions(ctx context.Context, t tenant.ID, from, to time.Time, page store.PageRequest) ([]strategy.Decision, string, error) {
	page.Descending = true
	prefix := commonPrefix(strategy.DecisionID(from), strategy.DecisionID(to))
	res, err := e.db.Query(ctx, t, KindDecision, prefix, page)
	if err != nil {
		return nil, "", fmt.Errorf("steering: list decisions: %w", err)
	}
	out := []strategy.Decision{}
	for _, rec := range res.Items {
		var d strategy.Decision
		if err := rec.Decode(&d); err != nil {
			return nil, "", fmt.Errorf("steering: %w", err)
		}
		if !d.At.Before(from) && d.At.Before(to) {
			out = append(out, d)
		}
	}
	return out, res.Next, nil
}

// commonPrefix is the longest prefix a and b share.
func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

// Decision returns t's decision id; store.ErrNotFound when it is not kept.
func (e *Engine) Decision(ctx context.Context, t tenant.ID, id string) (strategy.Decision, error) {
	var d strategy.Decision
	if id == "" || len(id) > 64 {
		return d, fmt.Errorf("steering: decision %q: %w", id, store.ErrNotFound)
	}
	if _, err := e.db.Get(ctx, t, decisionKey(id), &d); err != nil {
		return strategy.Decision{}, fmt.Errorf("steering: decision %s: %w", id, err)
	}
	return d, nil
}

// Activations returns one page of t's activation records, newest first, and the next page's
// cursor; activeOnly returns those in force now (one page, no cursor), with their renewed Until.
func (e *Engine) Activations(ctx context.Context, t tenant.ID, activeOnly bool, page store.PageRequest) ([]ActivationRecord, string, error) {
	out := []ActivationRecord{}
	if activeOnly {
		st, _, err := overlay.Read(ctx, e.db, t)
		if err != nil {
			return nil, "", err
		}
		for _, a := range st.InForce(e.now()) {
			rec, err := e.record(ctx, t, a)
			if err != nil {
				return nil, "", err
			}
			out = append(out, rec)
		}
		slices.SortFunc(out, func(a, b ActivationRecord) int { return b.Since.Compare(a.Since) })
		return out, "", nil
	}
	page.Descending = true
	res, err := e.db.Query(ctx, t, KindActivation, "", page)
	if err != nil {
		return nil, "", fmt.Errorf("steering: list activations: %w", err)
	}
	st, _, err := overlay.Read(ctx, e.db, t)
	if err != nil {
		return nil, "", err
	}
	for _, r := range res.Items {
		var rec ActivationRecord
		if err := r.Decode(&rec); err != nil {
			return nil, "", fmt.Errorf("steering: %w", err)
		}
		out = append(out, renewed(rec, st))
	}
	return out, res.Next, nil
}

// Activation returns t's activation record id; store.ErrNotFound when there is none.
func (e *Engine) Activation(ctx context.Context, t tenant.ID, id string) (ActivationRecord, error) {
	var rec ActivationRecord
	if id == "" || len(id) > store.MaxIDLen {
		return rec, fmt.Errorf("steering: activation %q: %w", id, store.ErrNotFound)
	}
	if _, err := e.db.Get(ctx, t, activationKey(id), &rec); err != nil {
		return ActivationRecord{}, fmt.Errorf("steering: activation %s: %w", id, err)
	}
	st, _, err := overlay.Read(ctx, e.db, t)
	if err != nil {
		return ActivationRecord{}, err
	}
	return renewed(rec, st), nil
}

// record reads a's record; one is made from a when missing.
func (e *Engine) record(ctx context.Context, t tenant.ID, a strategy.Activation) (ActivationRecord, error) {
	var rec ActivationRecord
	_, err := e.db.Get(ctx, t, activationKey(a.ID), &rec)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ActivationRecord{Activation: a}, nil
	case err != nil:
		return ActivationRecord{}, fmt.Errorf("steering: activation %s: %w", a.ID, err)
	}
	rec.Until = a.Until
	return rec, nil
}

// renewed is rec with the Until of the state when it is in force there (decisions renew it in
// the state, not in the record).
func renewed(rec ActivationRecord, st overlay.State) ActivationRecord {
	if rec.WithdrawnAt != nil {
		return rec
	}
	for _, a := range st.Active {
		if a.ID == rec.ID {
			rec.Until = a.Until
		}
	}
	return rec
}

// StrategyView is one strategy of the catalog for a tenant (GET /v1/dispatch/strategies): the
// catalog's entry, the tenant's settings of it, its measured effect per context and whether it is
// in force now.
type StrategyView struct {
	strategy.Spec
	Enabled    bool    `json:"enabled"`
	Cost       float64 `json:"cost"` // experience cost per customer touched, the tenant's or the catalog's
	MaxMinutes int     `json:"max_minutes"`
	// Measured is the effect measured per context, from the judgements.
	Measured []MeasuredEffect `json:"measured"`
	// InForce are its activations in force now.
	InForce []strategy.Activation `json:"in_force"`
}

// MeasuredEffect is what the judgements of a strategy in one context say.
type MeasuredEffect struct {
	Context strategy.Context `json:"context"`
	// Judged counts the judgements; MeanRatio is the learnt ratio of measured to modelled effect,
	// MeanReward the mean reward (the scores').
	Judged     int     `json:"judged"`
	MeanRatio  float64 `json:"mean_ratio"`
	MeanReward float64 `json:"mean_reward"`
	// ServiceLevelGain and AbandonRateDrop are the mean, over the judgements kept in the
	// activation records (the latest MeasuredRead), of observed minus counterfactual (points).
	ServiceLevelGain float64   `json:"service_level_gain"`
	AbandonRateDrop  float64   `json:"abandon_rate_drop"`
	Updated          time.Time `json:"updated"`
}

// MeasuredRead is how many of the latest activation records Strategies reads for the gains.
const MeasuredRead = 500

// Strategies returns the catalog for t: settings, measured effects and what is in force.
func (e *Engine) Strategies(ctx context.Context, t tenant.ID) ([]StrategyView, error) {
	set, err := e.Settings(ctx, t)
	if err != nil {
		return nil, err
	}
	scores, _, err := e.scores(ctx, t)
	if err != nil {
		return nil, err
	}
	st, _, err := overlay.Read(ctx, e.db, t)
	if err != nil {
		return nil, err
	}
	type gains struct {
		n            int
		sl, abandons float64
	}
	byArm := map[string]*gains{}
	read := 0
	for rec, err := range store.Records(ctx, e.db, t, KindActivation, "", store.PageRequest{Limit: 200, Descending: true}) {
		if err != nil {
			return nil, fmt.Errorf("steering: read judgements: %w", err)
		}
		if read++; read > MeasuredRead {
			break
		}
		var r ActivationRecord
		if err := rec.Decode(&r); err != nil || r.Judgement == nil {
			continue
		}
		k := strategy.ArmKey(r.Strategy, r.Judgement.Context)
		g := byArm[k]
		if g == nil {
			g = &gains{}
			byArm[k] = g
		}
		g.n++
		g.sl += r.Judgement.ServiceLevelGain
		g.abandons += r.Judgement.AbandonRateDrop
	}
	now := e.now()
	var out []StrategyView
	for _, spec := range strategy.Catalog() {
		ss, ok := set.Strategies[spec.Kind]
		v := StrategyView{Spec: spec, Enabled: set.Enabled && (!ok || ss.Enabled), Cost: spec.CostPerCustomer,
			MaxMinutes: spec.DefaultMaxMinutes, Measured: []MeasuredEffect{}, InForce: []strategy.Activation{}}
		if ok {
			if ss.Cost != nil {
				v.Cost = *ss.Cost
			}
			if ss.MaxMinutes > 0 {
				v.MaxMinutes = ss.MaxMinutes
			}
		}
		for key, arm := range scores.Arms {
			if arm.Strategy != spec.Kind {
				continue
			}
			m := MeasuredEffect{Context: arm.Context, Judged: arm.Judged, MeanRatio: arm.MeanRatio, MeanReward: arm.MeanReward, Updated: arm.Updated}
			if g := byArm[key]; g != nil && g.n > 0 {
				m.ServiceLevelGain, m.AbandonRateDrop = round2(g.sl/float64(g.n)), round2(g.abandons/float64(g.n))
			}
			v.Measured = append(v.Measured, m)
		}
		slices.SortFunc(v.Measured, func(a, b MeasuredEffect) int {
			return strings.Compare(a.Context.Channel+"/"+a.Context.Gap, b.Context.Channel+"/"+b.Context.Gap)
		})
		for _, a := range st.InForce(now) {
			if a.Strategy == spec.Kind {
				v.InForce = append(v.InForce, a)
			}
		}
		out = append(out, v)
	}
	return out, nil
}
