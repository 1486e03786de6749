// Package forecastpub makes and publishes the forecast products of every series (queue and
// channel) of a tenant, refreshes the rolling product from live counts, scores published forecasts
// against actuals and reviews them, and works out the agents and shift plans a forecast needs
// (docs/forecasting.md, docs/staffing.md). The forecast function runs it on its schedules; the
// api function's POST /v1/forecasts/publish and GET /v1/staffing call it directly.
//
// Files: publisher.go (wiring, the per-tenant loop and its bounds), products.go (the daily,
// monthly, hiring and scheduling products), rolling.go (the day's fine-step plan and the rolling
// product), publish.go (one forecast's item, latest pointer and forecast.published event),
// review.go (metrics and review once actuals exist), staffing.go (agents per interval and the
// shift plan).
package forecastpub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Counts reads a tenant's interval counters; *intervals.Counters is one.
type Counts interface {
	Series(ctx context.Context, t tenant.ID, queue string, ch events.Channel, counter string, from, to time.Time, step time.Duration) (forecast.Series, error)
	Refs(ctx context.Context, t tenant.ID) ([]intervals.SeriesRef, error)
}

var _ Counts = (*intervals.Counters)(nil)

// Calendars reads a tenant's calendar: its time zone, holidays and events (shared/forecastcal).
type Calendars interface {
	Occurrences(ctx context.Context, t tenant.ID, queue string) ([]forecast.Occurrence, error)
	Calendar(ctx context.Context, t tenant.ID) (forecast.Calendar, error)
}

// Committer writes store operations and their events together (*outbox.Outbox).
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error
}

// DB is the table access beyond forecaststore's; *store.Store is one.
type DB interface {
	forecaststore.DB
	Delete(ctx context.Context, t tenant.ID, k store.Key, version int64) error
}

var _ DB = (*store.Store)(nil)

// Defaults of Config.
const (
	DefaultSeriesTimeout = 2 * time.Minute
	DefaultTenantTimeout = 10 * time.Minute
	DefaultWorkers       = 4
)

// RollingDeadline bounds a whole run of the rolling job over every tenant: it runs every 5
// minutes, so a run must end before the next starts. RunAll takes the tenants in a random order,
// so those a run does not reach are likely reached by the next.
const RollingDeadline = 4 * time.Minute

// Config wires a Publisher.
type Config struct {
	DB     DB
	Counts Counts
	Cal    Calendars
	Commit Committer
	Log    *slog.Logger
	Source string // the events' source, e.g. "lingxi.forecast"
	// SeriesTimeout bounds the work on one series (DefaultSeriesTimeout); TenantTimeout a tenant's
	// (DefaultTenantTimeout). A series that runs out is reported and the next one goes on.
	SeriesTimeout, TenantTimeout time.Duration
	// Workers is how many tenants RunAll runs at once (DefaultWorkers).
	Workers int
	Now     func() time.Time // nil: time.Now
}

// Publisher publishes, refreshes and reviews forecasts. It is safe for concurrent use.
type Publisher struct {
	cfg   Config
	store *forecaststore.Store
}

// New returns a Publisher.
func New(cfg Config) *Publisher {
	if cfg.SeriesTimeout <= 0 {
		cfg.SeriesTimeout = DefaultSeriesTimeout
	}
	if cfg.TenantTimeout <= 0 {
		cfg.TenantTimeout = DefaultTenantTimeout
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{cfg: cfg, store: forecaststore.New(cfg.DB)}
}

// Store is the forecast store the Publisher writes.
func (p *Publisher) Store() *forecaststore.Store { return p.store }

// Request says what to publish for a tenant.
type Request struct {
	Queue    string                  // only this queue's series; "" for every series
	Products []forecaststore.Product // nil: every product but rolling
	// Force publishes every product asked for; otherwise only those due (docs/forecasting.md: a
	// product is due once its latest forecast is from before the tenant's current day).
	Force bool
	// Plans also makes the rolling plans of the current and the next local day where missing (the
	// hourly publish job), so the 5-minute rolling job only reads them.
	Plans bool
}

// SeriesError is a series that could not be published.
type SeriesError struct {
	Queue   string `json:"queue"`
	Channel string `json:"channel"`
	Product string `json:"product"`
	Err     error  `json:"-"`
}

// Result is what a run published and what failed.
type Result struct {
	Published []forecaststore.Forecast
	Failed    []SeriesError
}

// ErrNoSeries is returned when a tenant (or the queue asked for) has no counted or imported
// series.
var ErrNoSeries = errors.New("no series to forecast")

// series lists the series of t (of queue, when set).
func (p *Publisher) series(ctx context.Context, t tenant.ID, queue string) ([]intervals.SeriesRef, error) {
	refs, err := p.cfg.Counts.Refs(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("list the series of %s: %w", t, err)
	}
	var out []intervals.SeriesRef
	for _, r := range refs {
		if queue == "" || r.Queue == queue {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoSeries
	}
	return out, nil
}

// calendar reads t's calendar; its Location is never nil.
func (p *Publisher) calendar(ctx context.Context, t tenant.ID) (forecast.Calendar, error) {
	cal, err := p.cfg.Cal.Calendar(ctx, t)
	if err != nil {
		return forecast.Calendar{}, fmt.Errorf("read the calendar of %s: %w", t, err)
	}
	if cal.Location == nil {
		cal.Location = time.UTC
	}
	return cal, nil
}

// occurrences reads the events of queue.
func (p *Publisher) occurrences(ctx context.Context, t tenant.ID, queue string) ([]forecast.Occurrence, error) {
	occ, err := p.cfg.Cal.Occurrences(ctx, t, queue)
	if err != nil {
		return nil, fmt.Errorf("read the events of %s: %w", queue, err)
	}
	return occ, nil
}

// queueEvents reads each queue's events of a tenant once within one run (a run's series and due
// forecasts share their queues' events); a failed read is not kept, so the next asks again.
type queueEvents struct {
	p   *Publisher
	t   tenant.ID
	occ map[string][]forecast.Occurrence
}

func (p *Publisher) queueEvents(t tenant.ID) *queueEvents {
	return &queueEvents{p: p, t: t, occ: map[string][]forecast.Occurrence{}}
}

// of returns the events of queue, read on first use.
func (q *queueEvents) of(ctx context.Context, queue string) ([]forecast.Occurrence, error) {
	if occ, ok := q.occ[queue]; ok {
		return occ, nil
	}
	occ, err := q.p.occurrences(ctx, q.t, queue)
	if err != nil {
		return nil, err
	}
	q.occ[queue] = occ
	return occ, nil
}

// Publish publishes the products req asks for, for every series of t (or req.Queue's), within
// the tenant's bound; one series' failure is reported in Result.Failed and the others go on.
func (p *Publisher) Publish(ctx context.Context, t tenant.ID, req Request) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.TenantTimeout)
	defer cancel()
	if err := p.store.Register(ctx, t, p.cfg.Now()); err != nil {
		return Result{}, err
	}
	refs, err := p.series(ctx, t, req.Queue)
	if err != nil {
		return Result{}, err
	}
	cal, err := p.calendar(ctx, t)
	if err != nil {
		return Result{}, err
	}
	products := req.Products
	if products == nil {
		products = []forecaststore.Product{forecaststore.Daily, forecaststore.Monthly, forecaststore.Hiring, forecaststore.Scheduling}
	}
	var res Result
	qe := p.queueEvents(t) // a queue's events, read once for its channels, products and plans
	for _, ref := range refs {
		if ctx.Err() != nil {
			res.Failed = append(res.Failed, SeriesError{Queue: ref.Queue, Channel: string(ref.Channel), Err: ctx.Err()})
			continue
		}
		out, failed := p.publishSeries(ctx, t, ref, cal, qe, products, req.Force)
		res.Published = append(res.Published, out...)
		res.Failed = append(res.Failed, failed...)
		if req.Plans {
			sctx, cancel := context.WithTimeout(ctx, p.cfg.SeriesTimeout)
			err := p.planAhead(sctx, t, ref, cal, qe)
			cancel()
			if err != nil {
				res.Failed = append(res.Failed, SeriesError{Queue: ref.Queue, Channel: string(ref.Channel), Product: string(forecaststore.Rolling), Err: err})
			}
		}
	}
	return res, nil
}

// RunAll runs f for every registered tenant, Config.Workers tenants at a time, each within its
// bound; a tenant's failure is logged and the others go on, and a slow tenant holds up only its
// worker. The tenants go in a new random order each run, so when runs are cut short by their
// deadline it is not always the same tenants that are left out. Once ctx is done no tenant is
// started; RunAll returns when every started one has returned, with how many tenants failed (and
// ctx's error when it ended the run early). f must be safe for concurrent use.
func (p *Publisher) RunAll(ctx context.Context, what string, f func(ctx context.Context, t tenant.ID) error) (int, error) {
	var (
		mu     sync.Mutex
		failed int
		wg     sync.WaitGroup
	)
	todo := make(chan tenant.ID)
	for range p.cfg.Workers {
		wg.Go(func() {
			for t := range todo {
				tctx, cancel := context.WithTimeout(ctx, p.cfg.TenantTimeout)
				err := f(tctx, t)
				cancel()
				if err != nil && !errors.Is(err, ErrNoSeries) {
					mu.Lock()
					failed++
					mu.Unlock()
					p.cfg.Log.WarnContext(ctx, "forecast: a tenant's run failed", "what", what, "tenant", t.String(), "err", err)
				}
			}
		})
	}
	var (
		listErr error
		all     []tenant.ID
	)
	for t, err := range p.store.Tenants(ctx) {
		if err != nil {
			listErr = fmt.Errorf("%s: list the tenants: %w", what, err)
			break
		}
		all = append(all, t)
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for _, t := range all {
		if ctx.Err() != nil {
			break
		}
		select {
		case todo <- t:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(todo)
	wg.Wait()
	if listErr == nil {
		listErr = ctx.Err()
	}
	return failed, listErr
}

// logFailed logs a run's failed series.
func (p *Publisher) logFailed(ctx context.Context, t tenant.ID, what string, failed []SeriesError) {
	for _, f := range failed {
		p.cfg.Log.WarnContext(ctx, "forecast: a series failed", "what", what, "tenant", t.String(),
			"queue", f.Queue, "channel", f.Channel, "product", f.Product, "err", f.Err)
	}
}

// UTCCalendar is a calendar of UTC days with no holidays and no events, for every tenant (tests,
// and a stack without tenant calendars).
type UTCCalendar struct{}

// Occurrences returns none.
func (UTCCalendar) Occurrences(context.Context, tenant.ID, string) ([]forecast.Occurrence, error) {
	return nil, nil
}

// Calendar returns UTC with no holidays.
func (UTCCalendar) Calendar(context.Context, tenant.ID) (forecast.Calendar, error) {
	return forecast.Calendar{Location: time.UTC}, nil
}
