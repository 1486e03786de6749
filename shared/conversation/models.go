package conversation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Understander reads one message with a tenant's trained model bundle; *nlu.Engine is one.
type Understander interface {
	Understand(text string) nlu.Result
}

var _ Understander = (*nlu.Engine)(nil)

// ModelLoader loads a tenant's model bundle at a version (from S3, through shared/modelstore).
type ModelLoader interface {
	Load(ctx context.Context, t tenant.ID, version string) (Understander, error)
}

// ModelLoaderFunc adapts a function to ModelLoader.
type ModelLoaderFunc func(ctx context.Context, t tenant.ID, version string) (Understander, error)

// Load calls f.
func (f ModelLoaderFunc) Load(ctx context.Context, t tenant.ID, version string) (Understander, error) {
	return f(ctx, t, version)
}

// Defaults of Models.
const (
	DefaultModelCheck = 5 * time.Second // how often the active version is read again
	DefaultModelCache = 32              // tenants whose models one instance keeps
)

// Models keeps each tenant's active model loaded, per function instance. It reads the tenant's
// Active item at most once per check interval (a cheap consistent Get) and loads a model again
// only when the active version changed. Loads of one tenant are done once however many requests
// wait for them; other tenants are not held up. When a new version fails to load, the old one
// keeps serving and the load is tried again at the next check. It is safe for concurrent use.
type Models struct {
	db    modelDB
	load  ModelLoader
	check time.Duration
	max   int
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex
	tenants map[tenant.ID]*modelEntry
}

type modelDB interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
}

// modelEntry is one tenant's slot. sem (capacity 1) is held while checking or loading, so one
// request does the I/O and the others wait for it (or for their context).
type modelEntry struct {
	sem     chan struct{}
	version string
	model   Understander
	checked time.Time
	used    time.Time // guarded by Models.mu, not sem
}

// NewModels returns a cache that reads Active items from db and loads bundles with load.
// check ≤ 0 means DefaultModelCheck; max ≤ 0 means DefaultModelCache.
func NewModels(db modelDB, load ModelLoader, check time.Duration, max int, log *slog.Logger) *Models {
	if check <= 0 {
		check = DefaultModelCheck
	}
	if max <= 0 {
		max = DefaultModelCache
	}
	return &Models{db: db, load: load, check: check, max: max, log: log, now: time.Now, tenants: map[tenant.ID]*modelEntry{}}
}

// Get returns t's active model and its version; nil and "" when the tenant has none yet.
func (m *Models) Get(ctx context.Context, t tenant.ID) (Understander, string, error) {
	e := m.entry(t)
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, "", context.Cause(ctx)
	}
	defer func() { <-e.sem }()
	now := m.now()
	if !e.checked.IsZero() && now.Sub(e.checked) < m.check {
		return e.model, e.version, nil
	}
	var active botconfig.Active
	_, err := m.db.Get(ctx, t, store.Key{Kind: botconfig.KindActive, ID: botconfig.ActiveID}, &active)
	switch {
	case errors.Is(err, store.ErrNotFound):
		e.model, e.version, e.checked = nil, "", now
		return nil, "", nil
	case err != nil:
		if e.model != nil {
			m.log.WarnContext(ctx, "read active model version; serving the loaded one", "version", e.version, "err", err)
			return e.model, e.version, nil
		}
		return nil, "", fmt.Errorf("read active model version: %w", err)
	}
	if active.Version == e.version && e.model != nil {
		e.checked = now
		return e.model, e.version, nil
	}
	model, err := m.load.Load(ctx, t, active.Version)
	if err != nil {
		if e.model != nil {
			m.log.ErrorContext(ctx, "load model; serving the previous version", "version", active.Version, "serving", e.version, "err", err)
			e.checked = now
			return e.model, e.version, nil
		}
		return nil, "", fmt.Errorf("load model %s: %w", active.Version, err)
	}
	m.log.InfoContext(ctx, "model loaded", "version", active.Version, "previous", e.version)
	e.model, e.version, e.checked = model, active.Version, now
	return e.model, e.version, nil
}

// entry returns t's slot, making one (and dropping the least recently used beyond max).
func (m *Models) entry(t tenant.ID) *modelEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.tenants[t]; ok {
		e.used = m.now()
		return e
	}
	if len(m.tenants) >= m.max {
		var oldest tenant.ID
		var at time.Time
		for id, e := range m.tenants {
			if at.IsZero() || e.used.Before(at) {
				oldest, at = id, e.used
			}
		}
		delete(m.tenants, oldest) // a request still holding it finishes with its own pointer
	}
	e := &modelEntry{sem: make(chan struct{}, 1), used: m.now()}
	m.tenants[t] = e
	return e
}

// Bundles reads model bundles; *modelstore.Store is one.
type Bundles interface {
	Get(ctx context.Context, t tenant.ID, version string) (*modelstore.Bundle, error)
}

var _ Bundles = (*modelstore.Store)(nil)

// BundleLoader loads models from bundles (S3, through shared/modelstore).
func BundleLoader(b Bundles) ModelLoader {
	return ModelLoaderFunc(func(ctx context.Context, t tenant.ID, version string) (Understander, error) {
		bundle, err := b.Get(ctx, t, version)
		if err != nil {
			return nil, err
		}
		return bundle.Engine(), nil
	})
}
