package steering

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/sim"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Source is the envelope source of the engine's events.
const Source = "lingxi.steer"

// Bounds of a run.
const (
	// DefaultWorkers is how many tenants RunAll decides at once. A tenant's minute is I/O (about
	// 25 reads and one transaction for a queue; BenchmarkRunTenant: 60 ms on the emulators), so
	// 32 workers take 10,000 tenants in about 20 s of a 50 s run at that pace.
	DefaultWorkers = 32
	// DefaultTenantTimeout bounds one tenant's minute (perceive, decide, persist, apply, judge).
	DefaultTenantTimeout = 20 * time.Second
	// JudgeEvery is how often a long activation is judged (and learnt from) while in force.
	JudgeEvery = 30 * time.Minute
	// stateTries bounds the decisions of one RunTenant whose state write lost a race (an override
	// or another run wrote the state meanwhile): each decides again from fresh reads.
	stateTries = 3
)

// Committer writes store ops and their events in one transaction; *outbox.Outbox is one.
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error
}

var _ Committer = (*outbox.Outbox)(nil)

// FloorReader reads the queues and the agents' presence; *floor.Floor is one.
type FloorReader interface {
	Queues(ctx context.Context, t tenant.ID) ([]floor.Queue, error)
	Presences(ctx context.Context, t tenant.ID) ([]floor.Presence, error)
}

var _ FloorReader = (*floor.Floor)(nil)

// Counts reads the interval counters; *intervals.Counters is one.
type Counts interface {
	Series(ctx context.Context, t tenant.ID, queue string, ch events.Channel, counter string, from, to time.Time, step time.Duration) (forecast.Series, error)
}

// Pusher notifies a user's WebSocket connections; *push.Sender is one.
type Pusher interface {
	NotifyUser(ctx context.Context, t tenant.ID, userID string, msg any) error
}

// Counterfactual says what would have happened on a queue over a window without a strategy: the
// judge's counterfactual (sim.Counterfactual).
type Counterfactual func(ctx context.Context, w sim.Window) strategy.Outcome

// Config wires an Engine. DB, Commit, Floor, Counts and Forecasts are required.
type Config struct {
	DB        *store.Store
	Commit    Committer
	Floor     FloorReader
	Counts    Counts
	Forecasts *forecaststore.Store
	// Push sends CallIn's notifications to the on-call users; nil sends none (the event still
	// reaches the tenant's webhooks).
	Push Pusher
	// Counterfactual is the judge's (sim.Counterfactual when nil).
	Counterfactual Counterfactual
	// Decide is the decision core (strategy.Decide when nil).
	Decide func(strategy.Input) strategy.Decision
	Log    *slog.Logger
	Now    func() time.Time // nil: time.Now
	// Workers and TenantTimeout bound RunAll (DefaultWorkers, DefaultTenantTimeout when 0).
	Workers       int
	TenantTimeout time.Duration
}

// Engine perceives, decides, persists, applies and judges, tenant by tenant. It is safe for
// concurrent use.
type Engine struct {
	cfg Config
	db  *store.Store
}

// New returns an Engine.
func New(cfg Config) *Engine {
	if cfg.Decide == nil {
		cfg.Decide = strategy.Decide
	}
	if cfg.Counterfactual == nil {
		cfg.Counterfactual = sim.Counterfactual
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.TenantTimeout <= 0 {
		cfg.TenantTimeout = DefaultTenantTimeout
	}
	return &Engine{cfg: cfg, db: cfg.DB.WithClock(cfg.Now)}
}

func (e *Engine) now() time.Time { return e.cfg.Now().UTC() }

// RunReport is what a RunAll did.
type RunReport struct {
	Tenants   int  `json:"tenants"`   // tenants decided
	Failed    int  `json:"failed"`    // tenants whose run failed
	Skipped   int  `json:"skipped"`   // tenants not reached before the deadline
	Activated int  `json:"activated"` // activations started
	Withdrawn int  `json:"withdrawn"` // activations withdrawn
	Decisions int  `json:"decisions"` // decisions kept (an open gap, something in force, a change)
	TimedOut  bool `json:"timed_out"` // the deadline cut the run
}

// RunAll decides the minute of every tenant of forecaststore's registry (the tenants with contact
// activity), Workers at a time, each within TenantTimeout, in a new random order each run so a
// slow tenant does not always starve the same others. Once ctx is done no tenant is started; it
// returns when every started one has returned. A tenant's failure is logged and counted, not
// returned; the error is the registry's, or ctx's when the deadline cut the run.
func (e *Engine) RunAll(ctx context.Context) (RunReport, error) {
	var (
		rep    RunReport
		all    []tenant.ID
		mu     sync.Mutex
		wg     sync.WaitGroup
		lister error
	)
	for t, err := range e.cfg.Forecasts.Tenants(ctx) {
		if err != nil {
			lister = fmt.Errorf("steering: list the tenants: %w", err)
			break
		}
		all = append(all, t)
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	todo := make(chan tenant.ID)
	for range e.cfg.Workers {
		wg.Go(func() {
			for t := range todo {
				tctx, cancel := context.WithTimeout(ctx, e.cfg.TenantTimeout)
				d, err := e.RunTenant(tctx, t)
				cancel()
				mu.Lock()
				rep.Tenants++
				if err != nil {
					rep.Failed++
				} else {
					rep.Activated += len(d.Activate)
					rep.Withdrawn += len(d.Withdraw)
					if kept(d) {
						rep.Decisions++
					}
				}
				mu.Unlock()
				if err != nil {
					e.cfg.Log.WarnContext(ctx, "steer: a tenant's minute failed", "tenant", t.String(), "err", err)
				}
			}
		})
	}
	sent := 0
	for _, t := range all {
		if ctx.Err() != nil {
			break
		}
		select {
		case todo <- t:
			sent++
			continue
		case <-ctx.Done():
		}
		break
	}
	close(todo)
	wg.Wait()
	rep.Skipped = len(all) - sent
	if lister != nil {
		return rep, lister
	}
	if err := ctx.Err(); err != nil {
		rep.TimedOut = true
		return rep, err
	}
	return rep, nil
}

// RunTenant decides t's minute now: it perceives every queue, decides (strategy.Decide), keeps the
// decision, the state and the activation records with their dispatch.strategy events in one
// transaction, notifies the on-call staff of a CallIn, and judges what was withdrawn or has run
// JudgeEvery since its last judgement. A state write that lost a race (an override applied
// meanwhile) decides again from fresh reads, so a decision never undoes an override.
func (e *Engine) RunTenant(ctx context.Context, t tenant.ID) (strategy.Decision, error) {
	var err error
	for try := 0; try < stateTries; try++ {
		var d strategy.Decision
		var res runResult
		d, res, err = e.decideOnce(ctx, t)
		if err == nil {
			e.apply(ctx, t, res)
			if jerr := e.judgeDue(ctx, t, res); jerr != nil {
				e.cfg.Log.WarnContext(ctx, "steer: judging failed; the next minute tries again", "tenant", t.String(), "err", jerr)
			}
			return d, nil
		}
		if !stateRace(err) {
			break
		}
	}
	return strategy.Decision{}, fmt.Errorf("steer %s: %w", t, err)
}

// stateRace reports whether err is a minute's commit that lost a race for the state (or the
// minute's decision item): deciding again from fresh reads helps. Another conflict (an activation
// record that exists already) would only repeat.
func stateRace(err error) bool {
	if errors.Is(err, store.ErrTxConflict) {
		return true
	}
	ce, ok := errors.AsType[*store.ConflictError](err)
	return ok && (ce.Key == overlay.Key || ce.Key.Kind == KindDecision)
}

// kept reports whether a decision is worth keeping: an open gap, anything in force, or a change.
func kept(d strategy.Decision) bool {
	if len(d.Activate) > 0 || len(d.Withdraw) > 0 || len(d.Active) > 0 {
		return true
	}
	for _, q := range d.Queues {
		if q.Gap.Open {
			return true
		}
	}
	return false
}
