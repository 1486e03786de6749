package handler

import (
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
	"github.com/lingxi/lingxi/shared/strategy"
)

// ActivationRecord is one activation from its start to its withdrawal and judgement, as the
// engine keeps it (GET /v1/dispatch/activations/{id}).
type ActivationRecord struct {
	strategy.Activation
	// WithdrawnAt is when it was withdrawn (absent while in force); WithdrawReason why.
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
	// Judgement is its latest judgement: what happened against what the simulator says would
	// have happened without it.
	Judgement *strategy.Judgement `json:"judgement,omitempty"`
	// Judgements counts the judgements learnt from.
	Judgements int `json:"judgements"`
}

// StrategyView is one strategy of the catalog for a tenant: its settings, its measured effect
// per context, and its activations in force now.
type StrategyView struct {
	Strategy    strategy.Kind             `json:"strategy"`
	Name        string                    `json:"name"`
	Description string                    `json:"description"`
	Channels    []string                  `json:"channels"`
	Executor    string                    `json:"executor"`
	Settings    strategy.StrategySettings `json:"settings"`
	// Effects are the measured effects per context (judged activations, mean ratio of measured
	// to modelled effect, service-level gain and abandonment drop in points).
	Effects []MeasuredEffect `json:"effects"`
	// InForce are the strategy's activations in force now.
	InForce []strategy.Activation `json:"in_force"`
}

// MeasuredEffect is what the judgements of one strategy in one context measured.
type MeasuredEffect struct {
	Context          strategy.Context `json:"context"`
	Judged           int              `json:"judged"`
	MeanRatio        float64          `json:"mean_ratio"`
	ServiceLevelGain float64          `json:"service_level_gain"`
	AbandonRateDrop  float64          `json:"abandon_rate_drop"`
}

// checkDispatchSettings checks a PUT's settings: the fields' ranges, with pointers.
func checkDispatchSettings(s strategy.Settings) []httpapi.FieldError {
	var fe []httpapi.FieldError
	bad := func(f, why string) { fe = append(fe, httpapi.FieldError{Field: f, Reason: why}) }
	if s.HorizonMinutes < 15 || s.HorizonMinutes > 240 {
		bad("/horizon_minutes", "must be from 15 to 240")
	}
	if s.DivertCapPercent < 0 || s.DivertCapPercent > 100 {
		bad("/divert_cap_percent", "must be from 0 to 100")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"activate_after_minutes", s.ActivateAfterMinutes}, {"withdraw_after_minutes", s.WithdrawAfterMinutes}, {"min_active_minutes", s.MinActiveMinutes}} {
		if f.v < 0 || f.v > 240 {
			bad("/"+f.name, "must be from 0 to 240")
		}
	}
	if s.ExplorationBudget < 0 {
		bad("/exploration_budget", "must not be negative")
	}
	for k := range s.Strategies {
		known := false
		for _, c := range kinds {
			known = known || c == k
		}
		if !known {
			bad(jsonptr.Key("/strategies", string(k)), "must be one of "+kindNames())
		}
	}
	return fe
}
