package voc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Spike checks' settings.
const (
	// RecentIntervals is how many intervals a check reads (the latest, possibly partial, last).
	RecentIntervals = 6
	// BaselineTTL is how long a key's learnt baseline is kept before it is learnt again.
	BaselineTTL = 30 * time.Minute
	// MinNegativeShare is the share of a channel's messages that must be negative in the latest
	// interval for a negative spike to alert (a busy hour's negatives alone are no spike).
	MinNegativeShare = 0.3
	// maxBaselines bounds the cache; when full it starts afresh.
	maxBaselines = 4096
)

// Spikes is the feedback function's spike part: after a batch is counted, each key it touched is
// checked, and a spike raises the key's alert unless one is open.
type Spikes struct {
	counts *Counters
	alerts *Alerts
	det    Detector
	fc     QueueForecast // nil: queues have only their own past
	log    *slog.Logger
	now    func() time.Time

	mu        sync.Mutex
	baselines map[string]cachedBaseline // tenant|key
}

type cachedBaseline struct {
	b  Baseline
	at time.Time
}

// NewSpikes returns the spike part deciding with det.
func NewSpikes(c *Counters, a *Alerts, det Detector, log *slog.Logger) *Spikes {
	return &Spikes{counts: c, alerts: a, det: det, log: log, now: c.now, baselines: map[string]cachedBaseline{}}
}

// WithForecasts makes queue keys heed the tenant's queue forecasts: where a queue has one, a
// spike alerts only when its count is at least ForecastRatio times the forecast, and the alert's
// expectation is the larger of the baseline's and the forecast's.
func (s *Spikes) WithForecasts(f QueueForecast) *Spikes {
	s.fc = f
	return s
}

// CheckBatch checks every key b touched; one key's failure does not stop the others.
func (s *Spikes) CheckBatch(ctx context.Context, b *Batch) error {
	var errs []error
	for t, keys := range b.Keys() {
		for _, key := range keys {
			if _, err := s.Check(ctx, t, key); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Check checks key of t now and raises its alert on a spike; it returns the alert raised.
func (s *Spikes) Check(ctx context.Context, t tenant.ID, key string) (*Alert, error) {
	kind, name, ok := KindOf(key)
	if !ok {
		return nil, nil
	}
	if _, open, err := s.alerts.OpenAlert(ctx, t, key); err != nil || open {
		return nil, err
	}
	recent, elapsed, err := s.counts.Recent(ctx, t, key, RecentIntervals)
	if err != nil {
		return nil, err
	}
	if recent[len(recent)-1].N == 0 {
		return nil, nil
	}
	b, err := s.baseline(ctx, t, key)
	if err != nil {
		return nil, err
	}
	sp, spiking := s.det.Check(b, recent, elapsed)
	if !spiking {
		return nil, nil
	}
	if kind == events.AlertQueue && s.fc != nil {
		n, ok, err := s.fc.Expected(ctx, t, name, sp.At)
		if err != nil {
			return nil, err
		}
		if ok && sp.Count < ForecastRatio*n {
			return nil, nil // the forecast expected this
		}
		if ok {
			sp.Expected = max(sp.Expected, n)
		}
	}
	if kind == events.AlertNegative {
		totals, _, err := s.counts.Recent(ctx, t, totalOfNegative(key), 1)
		if err != nil {
			return nil, err
		}
		if tot := totals[0].N; tot <= 0 || sp.Count/tot < MinNegativeShare {
			return nil, nil
		}
	}
	examples := []string{}
	if hasExamples(kind) {
		exs, err := s.counts.Examples(ctx, t, key, MaxExamples)
		if err != nil {
			return nil, err
		}
		for _, ex := range exs {
			if !ex.At.Before(sp.Onset) { // the spike's own messages, not last week's
				examples = append(examples, ex.Text)
			}
		}
		if kind == events.AlertTopic && len(exs) > 0 && exs[0].Name != "" {
			name = exs[0].Name
		}
	}
	al, raised, err := s.alerts.Raise(ctx, t, Alert{Key: key, Kind: kind, Name: name, Examples: examples, Count: sp.Count,
		Expected: sp.Expected, Score: sp.Score, Onset: sp.Onset, IntervalSeconds: int(Step / time.Second)})
	if err != nil || !raised {
		return nil, err
	}
	s.log.InfoContext(ctx, "voc: alert raised", "tenant", t.String(), "alert_id", al.ID, "key", key, "count", sp.Count, "expected", sp.Expected, "onset", sp.Onset)
	return &al, nil
}

// baseline returns key's baseline, learnt from its past weeks at most BaselineTTL ago.
func (s *Spikes) baseline(ctx context.Context, t tenant.ID, key string) (Baseline, error) {
	ck := t.String() + "|" + key
	now := s.now()
	s.mu.Lock()
	c, ok := s.baselines[ck]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < BaselineTTL {
		return c.b, nil
	}
	hist, err := s.counts.History(ctx, t, key, HistoryWeeks)
	if err != nil {
		return nil, fmt.Errorf("baseline of %s for %s: %w", key, t, err)
	}
	b := s.det.Learn(hist)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.baselines) >= maxBaselines {
		clear(s.baselines)
	}
	s.baselines[ck] = cachedBaseline{b: b, at: now}
	return b, nil
}

// Pusher sends a message to a tenant's people of a role; *push.Sender is one (supervisors'
// messages reach admins too).
type Pusher interface {
	NotifyRole(ctx context.Context, t tenant.ID, role auth.Role, msg any) error
}

// TypeAlert is the WebSocket message type of an alert (docs/voc.md).
const TypeAlert = "alert"

// AlertMessage is the "alert" WebSocket message: the alert as it is now, on every step.
type AlertMessage struct {
	Type  string `json:"type"`
	Alert Alert  `json:"alert"`
}

// Notifier is the feedback function's push part: on alert.raised and alert.changed it pushes
// the alert as it is to the tenant's supervisors and admins. A failed push is logged, not
// retried: a console that missed one reads GET /v1/voc/alerts when it reconnects.
type Notifier struct {
	alerts *Alerts
	push   Pusher
	log    *slog.Logger
}

// NewNotifier returns the push part.
func NewNotifier(a *Alerts, p Pusher, log *slog.Logger) *Notifier {
	return &Notifier{alerts: a, push: p, log: log}
}

// Event pushes the alert of an alert.raised or alert.changed event.
func (n *Notifier) Event(ctx context.Context, env events.Envelope) error {
	if env.Type != events.TypeAlertRaised && env.Type != events.TypeAlertChanged {
		return nil
	}
	t, err := env.TenantID()
	if err != nil {
		return err
	}
	al, err := n.alerts.Get(ctx, t, env.Subject)
	if errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if err := n.push.NotifyRole(ctx, t, auth.RoleSupervisor, AlertMessage{Type: TypeAlert, Alert: al}); err != nil {
		n.log.WarnContext(ctx, "voc: push alert failed", "tenant", env.Tenant, "alert_id", al.ID, "err", err)
	}
	return nil
}
