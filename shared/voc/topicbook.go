package voc

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/topics"
)

// TopicBook keeps each tenant's emerging topics (shared/topics' Tracker) in the table: the
// cluster job (Cluster, every 15 minutes) clusters the messages the bot did not understand and
// updates the tracker; the counting part (Assign) puts each new such message in its nearest known
// topic. The tracker is one item per tenant, gzipped JSON, bounded by TrackOptions (at most
// MaxTopics topics with their centroids and per-day sizes) so it stays well inside an item's
// 400 KB. Instances cache a tenant's tracker for CacheFor.
type TopicBook struct {
	db  *store.Store
	now func() time.Time

	mu    sync.Mutex
	cache map[tenant.ID]cachedTracker
}

type cachedTracker struct {
	tr *topics.Tracker
	at time.Time
}

// CacheFor is how long an instance reuses a tenant's tracker for Assign.
const CacheFor = time.Minute

// kindTopics is the tracker's item kind; its id is trackerID.
const (
	kindTopics = "voc-topics"
	trackerID  = "tracker"
)

// TrackOptions bound the stored tracker.
func TrackOptions() topics.TrackOptions {
	o := topics.DefaultTrackOptions()
	o.MaxTopics, o.MaxPeriods, o.CentroidTerms = 100, 30, 40
	return o
}

// trackerItem is the stored tracker.
type trackerItem struct {
	Gz []byte `dynamodbav:"gz"`
}

// NewTopicBook returns the book over db.
func NewTopicBook(db *store.Store, now func() time.Time) *TopicBook {
	if now == nil {
		now = time.Now
	}
	return &TopicBook{db: db, now: now, cache: map[tenant.ID]cachedTracker{}}
}

// load reads t's tracker and its version (0 and an empty tracker when it has none).
func (b *TopicBook) load(ctx context.Context, t tenant.ID) (*topics.Tracker, int64, error) {
	var it trackerItem
	v, err := b.db.Get(ctx, t, store.Key{Kind: kindTopics, ID: trackerID}, &it)
	if errors.Is(err, store.ErrNotFound) {
		return topics.NewTracker(TrackOptions()), 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("topic tracker of %s: %w", t, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(it.Gz))
	if err != nil {
		return nil, 0, fmt.Errorf("topic tracker of %s: %w", t, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, 0, fmt.Errorf("topic tracker of %s: %w", t, err)
	}
	tr := topics.NewTracker(TrackOptions())
	if err := json.Unmarshal(raw, tr); err != nil {
		return nil, 0, fmt.Errorf("topic tracker of %s: %w", t, err)
	}
	return tr, v, nil
}

// Assign puts a message in t's nearest known topic; ok is false when none is near enough (or t
// has no topics yet).
func (b *TopicBook) Assign(ctx context.Context, t tenant.ID, text string) (id, name string, ok bool) {
	b.mu.Lock()
	c, hit := b.cache[t]
	b.mu.Unlock()
	if !hit || b.now().Sub(c.at) > CacheFor {
		tr, _, err := b.load(ctx, t)
		if err != nil {
			return "", "", false
		}
		c = cachedTracker{tr: tr, at: b.now()}
		b.mu.Lock()
		b.cache[t] = c
		b.mu.Unlock()
	}
	return c.tr.Assign(text)
}

// Cluster clusters t's candidate messages and updates its tracker (stable ids for topics seen
// before, new ones for the rest). A concurrent update of the same tracker makes it try again.
func (b *TopicBook) Cluster(ctx context.Context, t tenant.ID, msgs []Candidate, at time.Time) error {
	in := make([]topics.Message, len(msgs))
	for i, m := range msgs {
		in[i] = topics.Message{ID: m.ID, Text: m.Text, Lang: m.Lang, At: m.At}
	}
	found, err := topics.ClusterContext(ctx, in, topics.DefaultOptions())
	if err != nil {
		return fmt.Errorf("cluster the messages of %s: %w", t, err)
	}
	for range 3 {
		tr, v, err := b.load(ctx, t)
		if err != nil {
			return err
		}
		tr.Update(found, at)
		raw, err := json.Marshal(tr)
		if err != nil {
			return fmt.Errorf("topic tracker of %s: %w", t, err)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		if _, err := zw.Write(raw); err != nil {
			return fmt.Errorf("topic tracker of %s: %w", t, err)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("topic tracker of %s: %w", t, err)
		}
		_, err = b.db.Put(ctx, t, store.Key{Kind: kindTopics, ID: trackerID}, trackerItem{Gz: gz.Bytes()}, v)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("topic tracker of %s: %w", t, err)
		}
		b.mu.Lock()
		b.cache[t] = cachedTracker{tr: tr, at: b.now()}
		b.mu.Unlock()
		return nil
	}
	return fmt.Errorf("topic tracker of %s: %w", t, store.ErrConflict)
}

// Known lists t's known topics, most recently seen first.
func (b *TopicBook) Known(ctx context.Context, t tenant.ID) ([]topics.Known, error) {
	tr, _, err := b.load(ctx, t)
	if err != nil {
		return nil, err
	}
	return tr.List(), nil
}
