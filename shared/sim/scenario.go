package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/strategy"
)

// Scenario is one simulated day (or window) of one voice queue.
type Scenario struct {
	Start    time.Time
	Interval time.Duration
	// Arrivals are the expected arrivals per interval (spike included): the truth the customers
	// are drawn from.
	Arrivals []float64
	// Forecast is what the engine is told (the plan without the spike); nil: Arrivals.
	Forecast []float64
	// Agents are the plan's agents per interval (one per interval of Arrivals).
	Agents []int
	// HandleSeconds and PatienceSeconds are means: lognormal handle times (coefficient of
	// variation HandleCV, 1 when 0) and exponential patience.
	HandleSeconds, PatienceSeconds float64
	HandleCV                       float64
	// TargetSeconds and TargetPercent are the service-level target (80/20 when 0).
	TargetSeconds int
	TargetPercent int
	// Divertible is the share of voice callers who can use self-service (0–1).
	Divertible float64
	// CallbackAccept is the share of callers offered a callback who accept (0.6 when 0).
	CallbackAccept float64
	// BotResolution is the share of callers the bot resolves when BotFirst is on for the intents
	// it resolves well (0.3 when 0).
	BotResolution float64
	// Reserves the strategies can bring in.
	BackupAgents, OnCallAgents, MovableAgents, OutboundAgents int
	// Settings are the engine's (strategy.Defaults() when zero).
	Settings strategy.Settings
	// Overrides are supervisors' overrides the engine policies pass to every decision while they
	// are in force (their Queue should be QueueName): forcing a strategy on with chosen params, or
	// keeping one off.
	Overrides []strategy.Override
	Seed      uint64
	// MeasureFrom and MeasureTo, when set, restrict the Result to the customers arriving between
	// them (e.g. a spike's two hours); zero: every customer.
	MeasureFrom, MeasureTo time.Time
}

// Defaults of the scenario's optional fields and the model's fixed behaviour.
const (
	DefaultTargetSeconds  = 20
	DefaultTargetPercent  = 80
	DefaultCallbackAccept = 0.6
	DefaultBotResolution  = 0.3
	DefaultHandleCV       = 1.0
	// ChatShare is the share of diverted callers who choose chat (the rest the app).
	ChatShare = 0.5
	// BalkShare is the share of callers told a wait longer than their patience who hang up at
	// once (AnnounceWait).
	BalkShare = 0.5
	// BotResolutionGood is the resolution the simulated bot reports for its routine intent (the
	// intent BotFirst can pick; the catalog needs ≥ 0.6); the routine intent's share of the
	// handoffs is BotResolution ÷ BotResolutionGood, so BotFirst resolves BotResolution of the
	// callers.
	BotResolutionGood = 0.8
	// BotResolutionOther is the resolution of the other intents.
	BotResolutionOther = 0.1
	// QueueName is the simulated queue's name in the engine's observations.
	QueueName = "voice"
)

// Join delays of the reserves once their strategy is in force.
const (
	CallInDelay   = 10 * time.Minute // on-call staff sign in
	OutboundDelay = 3 * time.Minute  // outbound agents finish their outbound call
	MoveDelay     = 2 * time.Minute  // multi-skilled agents finish their chats
)

// drainLimit bounds the time after the last interval spent serving those still queued.
const drainLimit = 4 * time.Hour

// maxIntervals bounds a scenario (a year of 5-minute intervals).
const maxIntervals = 366 * 24 * 12

// MaxCustomers bounds a scenario's expected arrivals in all (the customers are drawn up front).
const MaxCustomers = 5_000_000

// MaxAgents bounds every count of agents in a scenario (a plan's interval, each reserve).
const MaxAgents = 100_000

func agents(n int) bool { return n >= 0 && n <= MaxAgents }

// ErrScenario wraps every complaint about a scenario.
var ErrScenario = errors.New("sim: scenario")

// withDefaults fills the optional fields.
func (sc Scenario) withDefaults() Scenario {
	if sc.TargetSeconds == 0 {
		sc.TargetSeconds = DefaultTargetSeconds
	}
	if sc.TargetPercent == 0 {
		sc.TargetPercent = DefaultTargetPercent
	}
	if sc.CallbackAccept == 0 {
		sc.CallbackAccept = DefaultCallbackAccept
	}
	if sc.BotResolution == 0 {
		sc.BotResolution = DefaultBotResolution
	}
	if sc.HandleCV == 0 {
		sc.HandleCV = DefaultHandleCV
	}
	if sc.Forecast == nil {
		sc.Forecast = sc.Arrivals
	}
	if settingsZero(sc.Settings) {
		sc.Settings = strategy.Defaults()
	}
	return sc
}

func settingsZero(s strategy.Settings) bool {
	return !s.Enabled && s.Strategies == nil && s.DivertCapPercent == 0 && s.HorizonMinutes == 0 &&
		s.ActivateAfterMinutes == 0 && s.WithdrawAfterMinutes == 0 && s.MinActiveMinutes == 0 &&
		s.ExplorationBudget == 0 && s.OnCall == nil && s.DivertLink == ""
}

// Validate says what is wrong with the scenario (after defaults), naming the field.
func (sc Scenario) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrScenario}, a...)...)
	}
	share := func(v float64) bool { return !math.IsNaN(v) && v >= 0 && v <= 1 }
	positive := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v > 0 }
	switch {
	case sc.Interval < time.Minute || sc.Interval > 24*time.Hour:
		return bad("interval must be from 1m to 24h, got %v", sc.Interval)
	case len(sc.Arrivals) == 0:
		return bad("no arrivals")
	case len(sc.Arrivals) > maxIntervals:
		return bad("%d intervals, at most %d", len(sc.Arrivals), maxIntervals)
	case len(sc.Agents) != len(sc.Arrivals):
		return bad("%d agent counts for %d intervals", len(sc.Agents), len(sc.Arrivals))
	case sc.Forecast != nil && len(sc.Forecast) != len(sc.Arrivals):
		return bad("%d forecast intervals for %d intervals", len(sc.Forecast), len(sc.Arrivals))
	case !positive(sc.HandleSeconds) || sc.HandleSeconds > 86400:
		return bad("handle_seconds must be in (0, 86400], got %v", sc.HandleSeconds)
	case !positive(sc.PatienceSeconds) || sc.PatienceSeconds > 86400:
		return bad("patience_seconds must be in (0, 86400], got %v", sc.PatienceSeconds)
	case sc.HandleCV < 0 || math.IsNaN(sc.HandleCV) || sc.HandleCV > 10:
		return bad("handle_cv must be in [0, 10], got %v", sc.HandleCV)
	case sc.TargetSeconds < 0 || sc.TargetSeconds > 3600:
		return bad("target_seconds must be in [0, 3600], got %d", sc.TargetSeconds)
	case sc.TargetPercent < 0 || sc.TargetPercent > 100:
		return bad("target_percent must be in [0, 100], got %d", sc.TargetPercent)
	case !share(sc.Divertible):
		return bad("divertible must be a share in [0, 1], got %v", sc.Divertible)
	case !share(sc.CallbackAccept):
		return bad("callback_accept must be a share in [0, 1], got %v", sc.CallbackAccept)
	case !share(sc.BotResolution) || sc.BotResolution > BotResolutionGood:
		return bad("bot_resolution must be in [0, %v], got %v", BotResolutionGood, sc.BotResolution)
	case !agents(sc.BackupAgents) || !agents(sc.OnCallAgents) || !agents(sc.MovableAgents) || !agents(sc.OutboundAgents):
		return bad("reserve agents must be from 0 to %d", MaxAgents)
	case !sc.MeasureTo.IsZero() && !sc.MeasureTo.After(sc.MeasureFrom):
		return bad("measure_to must be after measure_from")
	}
	var total float64
	for i, a := range sc.Arrivals {
		if math.IsNaN(a) || math.IsInf(a, 0) || a < 0 || a > 1e6 {
			return bad("arrivals[%d] = %v: want a count in [0, 1e6]", i, a)
		}
		total += a
	}
	if total > MaxCustomers {
		return bad("%.0f expected arrivals in all, at most %d", total, MaxCustomers)
	}
	for i, a := range sc.Forecast {
		if math.IsNaN(a) || math.IsInf(a, 0) || a < 0 || a > 1e6 {
			return bad("forecast[%d] = %v: want a count in [0, 1e6]", i, a)
		}
	}
	for i, n := range sc.Agents {
		if !agents(n) {
			return bad("agents[%d] = %d: want 0–%d", i, n, MaxAgents)
		}
	}
	if fe := sc.Settings.Check(); len(fe) > 0 {
		var msgs []string
		for _, e := range fe {
			msgs = append(msgs, fmt.Sprintf("%v", e))
		}
		return bad("settings: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// Policy is how the simulated floor is run: "static" (the plan, no strategy), "engine" (Decide
// with the scenario's settings) or "only:<kind>" (Decide with that one strategy enabled).
type Policy struct {
	Name   string
	Engine bool
	Only   strategy.Kind
}

// Static, EngineAll and Only are the policies by kind.
var (
	Static    = Policy{Name: "static"}
	EngineAll = Policy{Name: "engine", Engine: true}
)

// Only is the engine with one strategy enabled.
func Only(k strategy.Kind) Policy {
	return Policy{Name: "only:" + string(k), Engine: true, Only: k}
}

// Policies are static and engine, and with all each strategy of the catalog alone.
func Policies(all bool) []Policy {
	ps := []Policy{Static, EngineAll}
	if all {
		for _, s := range strategy.Catalog() {
			ps = append(ps, Only(s.Kind))
		}
	}
	return ps
}

// ParsePolicy reads a policy's name: "static", "engine" or "only:<kind>".
func ParsePolicy(name string) (Policy, error) {
	switch name {
	case "static":
		return Static, nil
	case "engine":
		return EngineAll, nil
	}
	if k, ok := strings.CutPrefix(name, "only:"); ok {
		for _, s := range strategy.Catalog() {
			if string(s.Kind) == k {
				return Only(s.Kind), nil
			}
		}
	}
	return Policy{}, fmt.Errorf("%w: policy %q: want static, engine or only:<strategy>", ErrScenario, name)
}

// Result is what a policy achieved on a scenario (over the measured customers). Shares are
// fractions.
type Result struct {
	Policy       string  `json:"policy"`
	ServiceLevel float64 `json:"service_level"`
	ASASeconds   float64 `json:"asa_s"`
	AbandonRate  float64 `json:"abandon_rate"`
	// Diverted counts the callers taken off voice: to chat, to the app, or resolved by the bot.
	Diverted  int     `json:"diverted"`
	Callbacks int     `json:"callbacks"`
	Occupancy float64 `json:"occupancy"`
	Arrived   int     `json:"arrived"`
	Answered  int     `json:"answered"`
	Abandoned int     `json:"abandoned"`
	// Decisions counts Decide's calls; DecideNanos is each one's wall time.
	Decisions   int     `json:"decisions"`
	DecideNanos []int64 `json:"-"`

	// Detail (additive to the contract's fields).
	AnsweredInTarget     int `json:"answered_in_target"`
	AbandonedAfterTarget int `json:"abandoned_after_target"`
	// Balked are the abandoned callers who hung up on hearing the wait (AnnounceWait).
	Balked int `json:"balked"`
	// DivertedChat and BotResolved are parts of Diverted.
	DivertedChat int `json:"diverted_chat"`
	BotResolved  int `json:"bot_resolved"`
	// CallbacksServed were called back; CallbacksLate after their promise (or never, when the
	// run ended first).
	CallbacksServed int `json:"callbacks_served"`
	CallbacksLate   int `json:"callbacks_late"`
	// StrategyMinutes is, per strategy, the minutes it was in force after the minute's decision
	// (inside the measured window).
	StrategyMinutes map[strategy.Kind]int `json:"strategy_minutes,omitempty"`
}

// DivertShare is the share of arrivals taken off voice (Diverted ÷ Arrived), for the cap.
func (r Result) DivertShare() float64 {
	if r.Arrived == 0 {
		return 0
	}
	return float64(r.Diverted) / float64(r.Arrived)
}
