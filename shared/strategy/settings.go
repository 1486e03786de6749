package strategy

import (
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// The settings' defaults and bounds (Defaults, Check).
const (
	DefaultDivertCapPercent     = 20
	DefaultHorizonMinutes       = 60
	DefaultActivateAfterMinutes = 1
	DefaultWithdrawAfterMinutes = 5
	DefaultMinActiveMinutes     = 10
	DefaultExplorationBudget    = 2

	MinHorizonMinutes = 15
	MaxHorizonMinutes = 240
	// MaxHysteresisMinutes bounds ActivateAfter, WithdrawAfter and MinActive minutes.
	MaxHysteresisMinutes = 240
	// MaxActivationMinutes bounds a strategy's MaxMinutes (a day).
	MaxActivationMinutes = 1440
	// MaxCost bounds a strategy's cost per customer and the exploration budget.
	MaxCost = 1000
	// MaxOnCall bounds the on-call list; MaxIDLength a user id; MaxLinkLength the divert link.
	MaxOnCall     = 100
	MaxIDLength   = 128
	MaxLinkLength = 2048
)

// Defaults are the settings of a tenant that never set any: the engine on, every strategy of the
// catalog enabled with its catalog cost and duration, a divert cap of 20 %, a one-hour horizon,
// activation after one decision with a gap, withdrawal after five minutes without one and no
// earlier than ten minutes after activation, and an exploration budget of 2 (cost per hour).
func Defaults() Settings {
	s := Settings{
		Enabled:              true,
		Strategies:           make(map[Kind]StrategySettings, len(catalog)),
		DivertCapPercent:     DefaultDivertCapPercent,
		HorizonMinutes:       DefaultHorizonMinutes,
		ActivateAfterMinutes: DefaultActivateAfterMinutes,
		WithdrawAfterMinutes: DefaultWithdrawAfterMinutes,
		MinActiveMinutes:     DefaultMinActiveMinutes,
		ExplorationBudget:    DefaultExplorationBudget,
	}
	for _, sp := range catalog {
		s.Strategies[sp.Kind] = StrategySettings{Enabled: true}
	}
	return s
}

// WithDefaults returns s with its zero fields filled from Defaults(): the zero Settings is
// Defaults(); otherwise DivertCapPercent, HorizonMinutes, ActivateAfterMinutes,
// WithdrawAfterMinutes and MinActiveMinutes of 0 take the default, and every strategy of the
// catalog missing from Strategies is enabled. Enabled and ExplorationBudget are kept as they are
// (false and 0 are meaningful: the engine off, no exploration). The map is a copy.
func (s Settings) WithDefaults() Settings {
	if s.isZero() {
		return Defaults()
	}
	d := Defaults()
	if s.DivertCapPercent == 0 {
		s.DivertCapPercent = d.DivertCapPercent
	}
	if s.HorizonMinutes == 0 {
		s.HorizonMinutes = d.HorizonMinutes
	}
	if s.ActivateAfterMinutes == 0 {
		s.ActivateAfterMinutes = d.ActivateAfterMinutes
	}
	if s.WithdrawAfterMinutes == 0 {
		s.WithdrawAfterMinutes = d.WithdrawAfterMinutes
	}
	if s.MinActiveMinutes == 0 {
		s.MinActiveMinutes = d.MinActiveMinutes
	}
	m := make(map[Kind]StrategySettings, len(catalog)+len(s.Strategies))
	for k, v := range d.Strategies {
		m[k] = v
	}
	for k, v := range s.Strategies {
		m[k] = v
	}
	s.Strategies = m
	return s
}

func (s Settings) isZero() bool {
	return !s.Enabled && len(s.Strategies) == 0 && s.DivertCapPercent == 0 && s.HorizonMinutes == 0 &&
		s.ActivateAfterMinutes == 0 && s.WithdrawAfterMinutes == 0 && s.MinActiveMinutes == 0 &&
		s.ExplorationBudget == 0 && len(s.OnCall) == 0 && s.DivertLink == ""
}

// Check says what is wrong with s, one FieldError per field at fault (a JSON pointer into the
// settings document, as PUT /v1/dispatch/settings answers 400); nil when s can be used. It checks
// s as given: call WithDefaults first to accept zero fields.
func (s Settings) Check() []jsonptr.FieldError {
	var errs []jsonptr.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, jsonptr.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if bad(s.DivertCapPercent) || s.DivertCapPercent < 0 || s.DivertCapPercent > 100 {
		add("/divert_cap_percent", "must be a percentage from 0 to 100")
	}
	if s.HorizonMinutes < MinHorizonMinutes || s.HorizonMinutes > MaxHorizonMinutes {
		add("/horizon_minutes", "must be from %d to %d minutes", MinHorizonMinutes, MaxHorizonMinutes)
	}
	if s.ActivateAfterMinutes < 1 || s.ActivateAfterMinutes > MaxHysteresisMinutes {
		add("/activate_after_minutes", "must be from 1 to %d minutes", MaxHysteresisMinutes)
	}
	if s.WithdrawAfterMinutes < 1 || s.WithdrawAfterMinutes > MaxHysteresisMinutes {
		add("/withdraw_after_minutes", "must be from 1 to %d minutes", MaxHysteresisMinutes)
	}
	if s.MinActiveMinutes < 0 || s.MinActiveMinutes > MaxHysteresisMinutes {
		add("/min_active_minutes", "must be from 0 to %d minutes", MaxHysteresisMinutes)
	}
	if bad(s.ExplorationBudget) || s.ExplorationBudget < 0 || s.ExplorationBudget > MaxCost {
		add("/exploration_budget", "must be from 0 to %d (experience cost per hour)", MaxCost)
	}
	for _, k := range sortedKinds(s.Strategies) {
		v := s.Strategies[k]
		ptr := jsonptr.Key("/strategies", string(k))
		if _, ok := specOf(k); !ok {
			add(ptr, "is not a strategy of the catalog (%s)", KindList())
			continue
		}
		if v.Cost != nil && (bad(*v.Cost) || *v.Cost < 0 || *v.Cost > MaxCost) {
			add(ptr+"/cost", "must be from 0 to %d", MaxCost)
		}
		if v.MaxMinutes < 0 || v.MaxMinutes > MaxActivationMinutes {
			add(ptr+"/max_minutes", "must be from 0 (the catalog's) to %d minutes", MaxActivationMinutes)
		}
	}
	if len(s.OnCall) > MaxOnCall {
		add("/on_call", "must list at most %d users", MaxOnCall)
	} else {
		seen := make(map[string]bool, len(s.OnCall))
		for i, u := range s.OnCall {
			switch {
			case strings.TrimSpace(u) == "" || len(u) > MaxIDLength:
				add(jsonptr.Index("/on_call", i), "must be a user id of 1 to %d characters", MaxIDLength)
			case seen[u]:
				add(jsonptr.Index("/on_call", i), "repeats %q", u)
			}
			seen[u] = true
		}
	}
	if s.DivertLink != "" {
		if reason := checkLink(s.DivertLink); reason != "" {
			add("/divert_link", "%s", reason)
		}
	}
	return errs
}

func checkLink(link string) string {
	if len(link) > MaxLinkLength {
		return fmt.Sprintf("must be at most %d characters", MaxLinkLength)
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "must be an absolute http(s) link without credentials"
	}
	return ""
}

func bad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

// strategy returns k's settings in s (disabled when the map lacks it: Decide calls WithDefaults
// first, which lists every kind).
func (s Settings) strategy(k Kind) StrategySettings { return s.Strategies[k] }

// maxMinutes is how long one activation of k may last under s.
func (s Settings) maxMinutes(k Kind) int {
	if m := s.strategy(k).MaxMinutes; m > 0 {
		return m
	}
	sp, _ := specOf(k)
	return sp.DefaultMaxMinutes
}

// costPerCustomer is k's experience cost per customer touched under s.
func (s Settings) costPerCustomer(k Kind) float64 {
	if c := s.strategy(k).Cost; c != nil {
		return *c
	}
	sp, _ := specOf(k)
	return sp.CostPerCustomer
}
