package conversation

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/nlu"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// activeDB serves Active items from a map and counts reads.
type activeDB struct {
	mu     sync.Mutex
	active map[tenant.ID]string
	reads  atomic.Int64
	fail   bool
}

func (d *activeDB) Get(_ context.Context, t tenant.ID, k store.Key, out any) (int64, error) {
	d.reads.Add(1)
	if k.Kind != botconfig.KindActive || k.ID != botconfig.ActiveID {
		return 0, errors.New("unexpected key " + k.String())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail {
		return 0, errors.New("table unavailable")
	}
	v, ok := d.active[t]
	if !ok {
		return 0, store.ErrNotFound
	}
	*out.(*botconfig.Active) = botconfig.Active{Version: v}
	return 1, nil
}

func (d *activeDB) set(t tenant.ID, v string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.active[t] = v
}

// versionModel answers with its version as the intent.
type versionModel string

func (m versionModel) Understand(string) nlu.Result { return nlu.Result{Intent: string(m)} }

func mustTenant(t testing.TB, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestModelsCache(t *testing.T) {
	acme, globex := mustTenant(t, "acme"), mustTenant(t, "globex")
	db := &activeDB{active: map[tenant.ID]string{acme: "v1"}}
	var loads atomic.Int64
	failLoad := atomic.Bool{}
	loader := ModelLoaderFunc(func(ctx context.Context, t tenant.ID, version string) (Understander, error) {
		loads.Add(1)
		if failLoad.Load() {
			return nil, errors.New("s3 unavailable")
		}
		return versionModel(t.String() + "/" + version), nil
	})
	now := time.Unix(1_700_000_000, 0)
	var clockMu sync.Mutex
	m := NewModels(db, loader, 5*time.Second, 2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	ctx := context.Background()
	get := func(t *testing.T, tid tenant.ID) string {
		t.Helper()
		u, v, err := m.Get(ctx, tid)
		if err != nil {
			t.Fatal(err)
		}
		if u == nil {
			return ""
		}
		if got := u.Understand("").Intent; got != tid.String()+"/"+v {
			t.Fatalf("model %q serves version %q", got, v)
		}
		return v
	}

	// Many requests at once: one read of Active, one load.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { get(t, acme) })
	}
	wg.Wait()
	if loads.Load() != 1 || db.reads.Load() != 1 {
		t.Fatalf("%d loads, %d reads for one version", loads.Load(), db.reads.Load())
	}
	// Within the check interval nothing is read.
	advance(4 * time.Second)
	get(t, acme)
	if db.reads.Load() != 1 {
		t.Fatalf("read Active within the interval")
	}
	// After it, Active is read again; the same version is not loaded again.
	advance(2 * time.Second)
	if v := get(t, acme); v != "v1" || db.reads.Load() != 2 || loads.Load() != 1 {
		t.Fatalf("recheck: %s, %d reads, %d loads", v, db.reads.Load(), loads.Load())
	}
	// A new active version is noticed at the next check and loaded.
	db.set(acme, "v2")
	if v := get(t, acme); v != "v1" {
		t.Fatalf("noticed a new version before the interval: %s", v)
	}
	advance(6 * time.Second)
	if v := get(t, acme); v != "v2" || loads.Load() != 2 {
		t.Fatalf("new version: %s after %d loads", v, loads.Load())
	}
	// A version that fails to load leaves the old one serving, and is tried again later.
	db.set(acme, "v3")
	failLoad.Store(true)
	advance(6 * time.Second)
	if v := get(t, acme); v != "v2" {
		t.Fatalf("failed load: serving %s", v)
	}
	failLoad.Store(false)
	advance(6 * time.Second)
	if v := get(t, acme); v != "v3" {
		t.Fatalf("after recovery: serving %s", v)
	}
	// The table failing keeps the loaded model serving.
	db.mu.Lock()
	db.fail = true
	db.mu.Unlock()
	advance(6 * time.Second)
	if v := get(t, acme); v != "v3" {
		t.Fatalf("table down: serving %s", v)
	}
	db.mu.Lock()
	db.fail = false
	db.mu.Unlock()
	// A tenant without a model gets none, and no error.
	advance(time.Second)
	if v := get(t, globex); v != "" {
		t.Fatalf("globex has no model but got %s", v)
	}
	// Beyond the cache size, the least recently used tenant is dropped (and reloaded on demand).
	db.set(mustTenant(t, "initech"), "v1")
	advance(time.Second)
	get(t, mustTenant(t, "initech"))
	m.mu.Lock()
	_, kept := m.tenants[acme]
	n := len(m.tenants)
	m.mu.Unlock()
	if n != 2 || kept {
		t.Fatalf("%d tenants cached, acme kept %v", n, kept)
	}
	// A waiting request gives up with its context.
	e := m.entry(acme)
	e.sem <- struct{}{}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, _, err := m.Get(cctx, acme); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked Get: %v", err)
	}
	<-e.sem
}
