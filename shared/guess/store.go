package guess

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Store kinds of this package.
const (
	// KindEvent holds business events per customer: id = escaped customer id + "#" + occurred_at
	// (fixed-width UTC) + "#" + event id, so one customer's events are one id prefix in time order.
	KindEvent = "bizevent"
	// KindCounts holds the learnt counters: id "all" (first intents of every conversation),
	// "none" (of conversations with no recent event) and "kind#<event kind>" (of conversations
	// after that kind); one number attribute "i:<intent>" per intent.
	KindCounts = "guess"
)

// Retention is how long a business event is stored (its TTL counts from when it occurred).
const Retention = 30 * 24 * time.Hour

// maxEvents is how many of a customer's most recent events Suggest reads.
const maxEvents = 50

// maxKinds is how many distinct recent kinds Suggest and Learn use (the most recent ones).
const maxKinds = 10

const (
	allID      = "all"
	noneID     = "none"
	kindPrefix = "kind#"
	fieldPfx   = "i:"
	timeLayout = "20060102T150405.000000000Z"
)

// DB is the table access the package needs; *store.Store satisfies it.
type DB interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
	Add(ctx context.Context, t tenant.ID, k store.Key, field string, delta int64, opts ...store.Option) (int64, error)
}

var _ DB = (*store.Store)(nil)

// Store keeps business events and counters in the table and ranks from them.
type Store struct {
	db  DB
	opt Options
}

// NewStore returns a Store over db with options opt (zero fields: defaults).
func NewStore(db DB, opt Options) *Store { return &Store{db: db, opt: opt.withDefaults()} }

// Options returns the options in effect.
func (s *Store) Options() Options { return s.opt }

// StoredEvent is a business event as kept per customer.
type StoredEvent struct {
	EventID    string            `dynamodbav:"event_id"`
	CustomerID string            `dynamodbav:"customer_id"`
	Kind       string            `dynamodbav:"kind"`
	Attributes map[string]string `dynamodbav:"attributes,omitempty"`
	OccurredAt time.Time         `dynamodbav:"occurred_at"`
	ReceivedAt time.Time         `dynamodbav:"received_at"`
}

// customerPrefix is the id prefix of one customer's events. PathEscape never yields '#' and is
// injective, so no customer's prefix is a prefix of another's.
func customerPrefix(customer string) string { return url.PathEscape(customer) + "#" }

// EventOp returns the op that stores ev (whose envelope id is eventID) for its customer, with a
// TTL of Retention after it occurred, and false when that TTL has already passed at now (an
// event that old is not worth storing; it is still worth emitting).
func EventOp(t tenant.ID, eventID string, ev events.BusinessEvent, now time.Time) (store.Op, bool) {
	expires := ev.OccurredAt.Add(Retention)
	if !expires.After(now) {
		return store.Op{}, false
	}
	id := customerPrefix(ev.CustomerID) + ev.OccurredAt.UTC().Format(timeLayout) + "#" + eventID
	v := StoredEvent{
		EventID: eventID, CustomerID: ev.CustomerID, Kind: ev.Kind, Attributes: ev.Attributes,
		OccurredAt: ev.OccurredAt.UTC(), ReceivedAt: now.UTC(),
	}
	return store.CreateOp(t, store.Key{Kind: KindEvent, ID: id}, v, store.WithTTL(expires)), true
}

// RecentEvents returns customer's events within the window before now, one per kind (the most
// recent), most recent first, at most maxKinds.
func (s *Store) RecentEvents(ctx context.Context, t tenant.ID, customer string, now time.Time) ([]Event, error) {
	if customer == "" {
		return nil, nil
	}
	res, err := s.db.Query(ctx, t, KindEvent, customerPrefix(customer), store.PageRequest{Limit: maxEvents, Descending: true})
	if err != nil {
		return nil, fmt.Errorf("recent events of a customer: %w", err)
	}
	evs := make([]Event, 0, len(res.Items))
	for _, rec := range res.Items {
		var se StoredEvent
		if err := rec.Decode(&se); err != nil {
			return nil, err
		}
		evs = append(evs, Event{Kind: se.Kind, At: se.OccurredAt})
	}
	recent := Recent(evs, now, s.opt.Window)
	return recent[:min(len(recent), maxKinds)], nil
}

// Counts reads the counters for kinds (and the popularity counters).
func (s *Store) Counts(ctx context.Context, t tenant.ID, kinds []string) (*Counts, error) {
	c := &Counts{Intent: map[string]int64{}, Pair: map[string]map[string]int64{}, Kind: map[string]int64{}}
	all, err := s.read(ctx, t, allID)
	if err != nil {
		return nil, err
	}
	for i, n := range all {
		c.Intent[i] = n
		c.Total += n
	}
	if len(distinct(kinds)) == 0 {
		if c.None, err = s.read(ctx, t, noneID); err != nil {
			return nil, err
		}
		for _, n := range c.None {
			c.NoneTotal += n
		}
	}
	for _, k := range distinct(kinds) {
		m, err := s.read(ctx, t, kindPrefix+k)
		if err != nil {
			return nil, err
		}
		c.Pair[k] = m
		for _, n := range m {
			c.Kind[k] += n
		}
	}
	return c, nil
}

// read returns one counter item as intent → count; empty when absent.
func (s *Store) read(ctx context.Context, t tenant.ID, id string) (map[string]int64, error) {
	var raw map[string]int64
	_, err := s.db.Get(ctx, t, store.Key{Kind: KindCounts, ID: id}, &raw)
	if errors.Is(err, store.ErrNotFound) {
		return map[string]int64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read guess counters %s: %w", id, err)
	}
	out := make(map[string]int64, len(raw))
	for f, n := range raw {
		if i, ok := strings.CutPrefix(f, fieldPfx); ok {
			out[i] = n
		}
	}
	return out, nil
}

// Suggest ranks up to n intents for customer at now. It returns the ranking and the kinds of the
// customer's recent events, which the caller keeps to Learn from later.
func (s *Store) Suggest(ctx context.Context, t tenant.ID, customer string, now time.Time, n int) ([]Scored, []string, error) {
	evs, err := s.RecentEvents(ctx, t, customer, now)
	if err != nil {
		return nil, nil, err
	}
	kinds := Kinds(evs)
	c, err := s.Counts(ctx, t, kinds)
	if err != nil {
		return nil, kinds, err
	}
	return Rank(c, evs, now, s.opt, n), kinds, nil
}

// Learn records that a conversation whose customer had recent events of kinds had intent as its
// first recognised intent: one atomic Add per counter, run concurrently. Add is not idempotent;
// callers learn once per conversation, after the conversation's write that marks it learnt.
func (s *Store) Learn(ctx context.Context, t tenant.ID, kinds []string, intent string) error {
	if intent == "" || len(fieldPfx+intent) > store.MaxFieldLen {
		return fmt.Errorf("learn: invalid intent id of %d bytes", len(intent))
	}
	ids := []string{allID}
	if len(distinct(kinds)) == 0 {
		ids = append(ids, noneID)
	}
	for _, k := range distinct(kinds) {
		if len(ids) > maxKinds {
			break
		}
		ids = append(ids, kindPrefix+k)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, id := range ids {
		wg.Go(func() {
			if _, err := s.db.Add(ctx, t, store.Key{Kind: KindCounts, ID: id}, fieldPfx+intent, 1); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("learn %s: %w", id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Querier is the table access CustomerEvents needs; *store.Store satisfies it.
type Querier interface {
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page store.PageRequest) (store.QueryResult, error)
}

// CustomerEvents returns customer's stored business events, most recent first, at most n (and at
// most maxEvents): the agent desktop's view of what the customer did lately.
func CustomerEvents(ctx context.Context, db Querier, t tenant.ID, customer string, n int) ([]StoredEvent, error) {
	if customer == "" || n <= 0 {
		return nil, nil
	}
	res, err := db.Query(ctx, t, KindEvent, customerPrefix(customer), store.PageRequest{Limit: int32(min(n, maxEvents)), Descending: true})
	if err != nil {
		return nil, fmt.Errorf("events of a customer: %w", err)
	}
	out := make([]StoredEvent, 0, len(res.Items))
	for _, rec := range res.Items {
		var se StoredEvent
		if err := rec.Decode(&se); err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, nil
}
