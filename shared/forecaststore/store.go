package forecaststore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// How long published forecasts are kept: rolling ones a few days (one every 5 minutes per
// series), the others over a year (their accuracy is reviewed as their period passes).
const (
	KeepRolling = 3 * 24 * time.Hour
	KeepOthers  = 400 * 24 * time.Hour
)

// DB is the table access of Store; *store.Store is one.
type DB interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	Put(ctx context.Context, t tenant.ID, k store.Key, v any, version int64, opts ...store.Option) (int64, error)
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
	PlatformGet(ctx context.Context, k store.Key, out any) (int64, error)
	PlatformCreate(ctx context.Context, k store.Key, v any, opts ...store.Option) error
	PlatformQuery(ctx context.Context, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
}

var _ DB = (*store.Store)(nil)

// Store reads and writes the items of this package.
type Store struct{ db DB }

// New returns a Store over db.
func New(db DB) *Store { return &Store{db: db} }

// Latest points at a series' latest forecast of a product.
type Latest struct {
	ID          string    `dynamodbav:"id" json:"id"`
	Start       time.Time `dynamodbav:"start" json:"start"`
	End         time.Time `dynamodbav:"end" json:"end"`
	PublishedAt time.Time `dynamodbav:"published_at" json:"published_at"`
}

// Accuracy is one entry of a queue's accuracy history: a forecast's metrics as last scored.
type Accuracy struct {
	ForecastID string    `dynamodbav:"forecast_id" json:"forecast_id"`
	Queue      string    `dynamodbav:"queue" json:"queue"`
	Channel    string    `dynamodbav:"channel" json:"channel"`
	Product    Product   `dynamodbav:"product" json:"product"`
	Start      time.Time `dynamodbav:"start" json:"start"`
	End        time.Time `dynamodbav:"end" json:"end"`
	Through    time.Time `dynamodbav:"through" json:"through"` // actuals up to here were scored
	Metrics    Metrics   `dynamodbav:"metrics" json:"metrics"`
	ScoredAt   time.Time `dynamodbav:"scored_at" json:"scored_at"`
}

// Key is a forecast's item key.
func Key(id string) store.Key { return store.Key{Kind: KindForecast, ID: id} }

// LatestKey is the key of a series' latest forecast of product p.
func LatestKey(queue, channel string, p Product) store.Key {
	return store.Key{Kind: KindLatest, ID: LatestID(queue, channel, p)}
}

// PublishOps are the writes of publishing f: the forecast item (kept KeepRolling or KeepOthers),
// its summary in the product's index (listings by product, queue and channel read it) and the
// series' latest pointer, replaced at latestVersion (0: there was none).
func PublishOps(t tenant.ID, f Forecast, latestVersion int64) []store.Op {
	keep := KeepOthers
	if f.Product == Rolling {
		keep = KeepRolling
	}
	return []store.Op{
		store.CreateOp(t, Key(f.ID), f, store.WithTTL(f.PublishedAt.Add(keep))),
		store.CreateOp(t, store.Key{Kind: KindIndex, ID: IndexPrefix(f.Product, f.Queue, f.Channel) + f.ID}, f.Summary(), store.WithTTL(f.PublishedAt.Add(keep))),
		store.PutOp(t, LatestKey(f.Queue, f.Channel, f.Product), Latest{ID: f.ID, Start: f.Start, End: f.End, PublishedAt: f.PublishedAt}, latestVersion),
	}
}

// Get reads forecast id; store.ErrNotFound when there is none.
func (s *Store) Get(ctx context.Context, t tenant.ID, id string) (Forecast, int64, error) {
	var f Forecast
	v, err := s.db.Get(ctx, t, Key(id), &f)
	if err != nil {
		return Forecast{}, 0, fmt.Errorf("read forecast %s: %w", id, err)
	}
	return f, v, nil
}

// Latest reads a series' latest pointer of a product and its version (0 and no error when there
// is none).
func (s *Store) Latest(ctx context.Context, t tenant.ID, queue, channel string, p Product) (Latest, int64, error) {
	var l Latest
	v, err := s.db.Get(ctx, t, LatestKey(queue, channel, p), &l)
	if errors.Is(err, store.ErrNotFound) {
		return Latest{}, 0, nil
	}
	if err != nil {
		return Latest{}, 0, fmt.Errorf("read the latest %s forecast of %s/%s: %w", p, queue, channel, err)
	}
	return l, v, nil
}

// LatestForecast reads a series' latest forecast of a product; store.ErrNotFound when there is none.
func (s *Store) LatestForecast(ctx context.Context, t tenant.ID, queue, channel string, p Product) (Forecast, error) {
	l, v, err := s.Latest(ctx, t, queue, channel, p)
	if err != nil {
		return Forecast{}, err
	}
	if v == 0 {
		return Forecast{}, fmt.Errorf("no %s forecast of %s/%s: %w", p, queue, channel, store.ErrNotFound)
	}
	f, _, err := s.Get(ctx, t, l.ID)
	return f, err
}

// SaveReview stores f's metrics and review (f read at version) and its entry in the accuracy
// history of its queue.
func (s *Store) SaveReview(ctx context.Context, t tenant.ID, f Forecast, version int64) error {
	keep := KeepOthers
	if f.Product == Rolling {
		keep = KeepRolling
	}
	if _, err := s.db.Put(ctx, t, Key(f.ID), f, version, store.WithTTL(f.PublishedAt.Add(keep))); err != nil {
		return fmt.Errorf("store the review of forecast %s: %w", f.ID, err)
	}
	ik := store.Key{Kind: KindIndex, ID: IndexPrefix(f.Product, f.Queue, f.Channel) + f.ID}
	var sum Summary
	iv, err := s.db.Get(ctx, t, ik, &sum)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read the index entry of forecast %s: %w", f.ID, err)
	}
	if _, err := s.db.Put(ctx, t, ik, f.Summary(), iv, store.WithTTL(f.PublishedAt.Add(keep))); err != nil {
		return fmt.Errorf("store the index entry of forecast %s: %w", f.ID, err)
	}
	if f.Metrics == nil || f.Review == nil {
		return nil
	}
	a := Accuracy{ForecastID: f.ID, Queue: f.Queue, Channel: f.Channel, Product: f.Product, Start: f.Start, End: f.End,
		Through: f.Review.Through, Metrics: *f.Metrics, ScoredAt: f.Review.ReviewedAt}
	k := store.Key{Kind: KindAccuracy, ID: AccuracyID(f.Queue, f.ID)}
	var old Accuracy
	cur, err := s.db.Get(ctx, t, k, &old)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read the accuracy of forecast %s: %w", f.ID, err)
	}
	if _, err := s.db.Put(ctx, t, k, a, cur, store.WithTTL(f.PublishedAt.Add(keep))); err != nil {
		return fmt.Errorf("store the accuracy of forecast %s: %w", f.ID, err)
	}
	return nil
}

// Page is one page of a listing.
type Page[T any] struct {
	Items []T
	Next  string
}

// Accuracy reads one page of a queue's accuracy history, newest forecasts first.
func (s *Store) Accuracy(ctx context.Context, t tenant.ID, queue string, page store.PageRequest) (Page[Accuracy], error) {
	page.Descending = true
	res, err := s.db.Query(ctx, t, KindAccuracy, AccuracyPrefix(queue), page)
	if err != nil {
		return Page[Accuracy]{}, fmt.Errorf("read the accuracy history of %s: %w", queue, err)
	}
	out := Page[Accuracy]{Items: []Accuracy{}, Next: res.Next}
	for _, rec := range res.Items {
		var a Accuracy
		if err := rec.Decode(&a); err != nil {
			return Page[Accuracy]{}, err
		}
		out.Items = append(out.Items, a)
	}
	return out, nil
}

// Since yields t's forecasts published at or after since, newest first.
func (s *Store) Since(ctx context.Context, t tenant.ID, since time.Time) iter.Seq2[Forecast, error] {
	return func(yield func(Forecast, error) bool) {
		from := "fc_" + since.UTC().Format("20060102T150405")
		// Newest first, stopping at the first one older than since.
		for rec, err := range store.Records(ctx, s.db, t, KindForecast, "fc_", store.PageRequest{Limit: 50, Descending: true}) {
			if err != nil {
				yield(Forecast{}, fmt.Errorf("list forecasts of %s: %w", t, err))
				return
			}
			if rec.Key.ID < from {
				return
			}
			var f Forecast
			if err := rec.Decode(&f); err != nil {
				yield(Forecast{}, err)
				return
			}
			if !yield(f, nil) {
				return
			}
		}
	}
}

// tenantItem is the platform's record of a tenant that forecasts.
type tenantItem struct {
	Tenant string    `dynamodbav:"tenant"`
	Since  time.Time `dynamodbav:"since"`
}

// Register records that t has series to forecast, once; the schedules go through the recorded
// tenants.
func (s *Store) Register(ctx context.Context, t tenant.ID, at time.Time) error {
	err := s.db.PlatformCreate(ctx, store.Key{Kind: KindTenant, ID: t.String()}, tenantItem{Tenant: t.String(), Since: at.UTC()})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("register %s for forecasting: %w", t, err)
	}
	return nil
}

// Tenants yields the registered tenants.
func (s *Store) Tenants(ctx context.Context) iter.Seq2[tenant.ID, error] {
	return func(yield func(tenant.ID, error) bool) {
		for rec, err := range store.PlatformRecords(ctx, s.db, KindTenant, "", store.PageRequest{Limit: 100}) {
			if err != nil {
				yield(tenant.ID{}, err)
				return
			}
			id, err := tenant.Parse(rec.Key.ID)
			if err != nil {
				continue
			}
			if !yield(id, nil) {
				return
			}
		}
	}
}
