package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// clock is a test clock that moves only when told.
type clock struct{ us atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.us.Store(time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC).UnixMicro())
	return c
}
func (c *clock) Now() time.Time          { return time.UnixMicro(c.us.Load()) }
func (c *clock) Advance(d time.Duration) { c.us.Add(d.Microseconds()) }

func newTable(t *testing.T) (*dynamodb.Client, string) { return newTableB(t) }

func newTableB(tb testing.TB) (*dynamodb.Client, string) {
	tb.Helper()
	return emulators.NewTable(tb, store.CreateTable)
}

func mustTenant(t *testing.T, s string) tenant.ID { return mustTenantB(t, s) }

func mustTenantB(tb testing.TB, s string) tenant.ID {
	tb.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// fixed gives every tenant and class the same limit, changeable while the test runs.
type fixed struct {
	mu  sync.Mutex
	lim Limit
}

func (f *fixed) set(l Limit) { f.mu.Lock(); f.lim = l; f.mu.Unlock() }
func (f *fixed) Limit(context.Context, tenant.ID, httpapi.RateClass) (Limit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lim, nil
}

// burst fires n requests of t at once across the limiters (round robin) and counts the admitted.
func burst(t *testing.T, n int, id tenant.ID, ls ...*Limiter) (admitted int, refusals []httpapi.RateDecision) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			d, err := ls[i%len(ls)].Allow(t.Context(), id, httpapi.RateChat)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("allow: %v", err)
				return
			}
			if d.Allowed {
				admitted++
			} else {
				refusals = append(refusals, d)
			}
		})
	}
	close(start)
	wg.Wait()
	return admitted, refusals
}

// Concurrent requests beyond the burst: exactly the burst is admitted (the clock stands still, so
// nothing refills), the rest are refused with a positive Retry-After — across two limiter objects
// over one table, as two function instances would be.
func TestConcurrentBeyondBurstAcrossInstances(t *testing.T) {
	db, table := newTable(t)
	clk := newClock()
	lim := Limit{Count: 20, Per: time.Second, Burst: 40}
	limits := &fixed{lim: lim}
	a := New(db, table, Options{Limits: limits, Now: clk.Now, Timeout: time.Minute})
	b := New(db, table, Options{Limits: limits, Now: clk.Now, Timeout: time.Minute})
	id := mustTenant(t, "acme")

	for name, ls := range map[string][]*Limiter{"one instance": {a}, "two instances": {a, b}} {
		t.Run(name, func(t *testing.T) {
			clk.Advance(time.Hour) // a full bucket
			admitted, refusals := burst(t, 70, id, ls...)
			if admitted != lim.Burst || len(refusals) != 70-lim.Burst {
				t.Fatalf("admitted %d, refused %d; want %d and %d", admitted, len(refusals), lim.Burst, 70-lim.Burst)
			}
			for _, d := range refusals {
				if d.RetryAfter <= 0 || d.RetryAfter > lim.interval() || d.Remaining != 0 {
					t.Fatalf("refusal %+v: want Retry-After in (0, %s]", d, lim.interval())
				}
			}
			// One emission interval later, exactly one more request fits.
			clk.Advance(lim.interval())
			if admitted, _ := burst(t, 5, id, ls...); admitted != 1 {
				t.Fatalf("after one interval %d admitted, want 1", admitted)
			}
		})
	}
}

// One tenant at its limit does not touch another's allowance, nor its own other classes.
func TestTenantsDoNotAffectEachOther(t *testing.T) {
	db, table := newTable(t)
	clk := newClock()
	l := New(db, table, Options{Limits: &fixed{lim: Limit{Count: 5, Per: time.Second, Burst: 10}}, Now: clk.Now, Timeout: time.Minute})
	noisy, quiet := mustTenant(t, "noisy"), mustTenant(t, "quiet")
	if admitted, _ := burst(t, 50, noisy, l); admitted != 10 {
		t.Fatalf("noisy: %d admitted, want 10", admitted)
	}
	if admitted, _ := burst(t, 10, quiet, l); admitted != 10 {
		t.Fatalf("quiet tenant got %d of its 10", admitted)
	}
	if d, err := l.Allow(t.Context(), noisy, httpapi.RateRead); err != nil || !d.Allowed {
		t.Fatalf("noisy tenant's reads: %+v %v", d, err)
	}
}

// A plan change (the tenant's plan item, as PUT /v1/tenants/{id}/plan writes it) reaches every
// instance once its cached limits expire — even an instance that remembers refusing the tenant, and
// even though the old plan left the bucket with minutes of debt.
func TestPlanChangeTakesEffect(t *testing.T) {
	db, table := newTable(t)
	clk := newClock()
	st := store.New(db, table)
	id := mustTenant(t, "growing")
	if err := st.Create(t.Context(), id, plan.Key, plan.Plan{RateLimits: plan.RateLimits{Chat: plan.RateLimit{Rate: 1.0 / 60, Burst: 2}}}); err != nil {
		t.Fatal(err)
	}
	l := New(db, table, Options{Limits: PlanLimits{st}, Now: clk.Now, Timeout: time.Minute, LimitTTL: 10 * time.Second})
	if admitted, _ := burst(t, 5, id, l); admitted != 2 {
		t.Fatalf("%d admitted, want 2", admitted)
	}
	if _, err := st.Put(t.Context(), id, plan.Key, plan.Plan{RateLimits: plan.RateLimits{Chat: plan.RateLimit{Rate: 100, Burst: 100}}}, 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if d, err := l.Allow(t.Context(), id, httpapi.RateChat); err != nil || d.Allowed || d.Burst != 2 {
		t.Fatalf("within the limit cache the old plan holds: %+v %v", d, err)
	}
	clk.Advance(10 * time.Second) // the cache expires; under the old plan the bucket is still empty
	d, err := l.Allow(t.Context(), id, httpapi.RateChat)
	if err != nil || d.Burst != 100 || d.Quota != 100 || d.Window != time.Second {
		t.Fatalf("decision does not show the new plan: %+v %v", d, err)
	}
	if !d.Allowed && d.RetryAfter > 10*time.Millisecond {
		t.Fatalf("the old plan's debt outlived the change: %+v", d)
	}
	clk.Advance(time.Second) // the new plan's bucket refills in τ+T = 1 s
	if admitted, _ := burst(t, 150, id, l); admitted != 100 {
		t.Fatalf("after the plan change %d of 150 admitted, want the new burst of 100", admitted)
	}
}

// After the first refusal an instance refuses locally until the bucket can admit again; a quiet
// spell after a busy one costs a second update (wrong branch guess) and no more.
func TestCallsPerRequest(t *testing.T) {
	db, table := newTable(t)
	clk := newClock()
	lim := Limit{Count: 10, Per: time.Second, Burst: 3}
	l := New(db, table, Options{Limits: &fixed{lim: lim}, Now: clk.Now, Timeout: time.Minute})
	id := mustTenant(t, "counted")
	calls := func() int64 { return l.Stats().Calls }

	for i := range 3 {
		before := calls()
		if d, err := l.Allow(t.Context(), id, httpapi.RateChat); err != nil || !d.Allowed || d.Remaining != 2-i {
			t.Fatalf("request %d: %+v %v", i, d, err)
		}
		if n := calls() - before; n != 1 {
			t.Fatalf("request %d took %d calls, want 1", i, n)
		}
	}
	if d, err := l.Allow(t.Context(), id, httpapi.RateChat); err != nil || d.Allowed {
		t.Fatalf("4th request: %+v %v", d, err)
	}
	before := calls()
	for range 10 {
		if d, _ := l.Allow(t.Context(), id, httpapi.RateChat); d.Allowed || d.RetryAfter <= 0 {
			t.Fatalf("local refusal %+v", d)
		}
	}
	if n := calls() - before; n != 0 || l.Stats().LocalDenials != 10 {
		t.Fatalf("refusals while known over the limit made %d calls (stats %+v)", n, l.Stats())
	}
	clk.Advance(time.Hour)
	before = calls()
	if d, err := l.Allow(t.Context(), id, httpapi.RateChat); err != nil || !d.Allowed || d.Remaining != 2 {
		t.Fatalf("after a quiet hour: %+v %v", d, err)
	}
	if n := calls() - before; n != 1 {
		t.Fatalf("after a quiet hour %d calls, want 1", n)
	}
	// Another instance last saw the bucket full; it guesses wrong once: one failed update, which
	// returns the item, and one update.
	other := New(db, table, Options{Limits: &fixed{lim: lim}, Now: clk.Now, Timeout: time.Minute})
	clk.Advance(time.Hour)
	other.Allow(t.Context(), id, httpapi.RateChat)
	clk.Advance(2 * lim.interval()) // other's last sight says idle
	l.Allow(t.Context(), id, httpapi.RateChat)
	s := other.Stats()
	if d, err := other.Allow(t.Context(), id, httpapi.RateChat); err != nil || !d.Allowed || d.Remaining != 1 {
		t.Fatalf("second request of the burst: %+v %v", d, err)
	}
	if n := other.Stats().Calls - s.Calls; n != 2 {
		t.Fatalf("a wrong guess took %d calls, want 2", n)
	}
}

// A bucket DynamoDB's TTL deleted while an instance remembers it busy is a full one: the busy
// update fails with no item, and the idle one admits, in two calls.
func TestDeletedBucketIsFull(t *testing.T) {
	db, table := newTable(t)
	clk := newClock()
	lim := Limit{Count: 10, Per: time.Second, Burst: 3}
	l := New(db, table, Options{Limits: &fixed{lim: lim}, Now: clk.Now, Timeout: time.Minute})
	id := mustTenant(t, "expired")
	for range 2 {
		if d, err := l.Allow(t.Context(), id, httpapi.RateChat); err != nil || !d.Allowed {
			t.Fatalf("before the delete: %+v %v", d, err)
		}
	}
	if _, err := db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: &table, Key: bucketKey(id, httpapi.RateChat)}); err != nil {
		t.Fatal(err)
	}
	s := l.Stats()
	if d, err := l.Allow(t.Context(), id, httpapi.RateChat); err != nil || !d.Allowed || d.Remaining != 2 {
		t.Fatalf("after the delete: %+v %v", d, err)
	}
	if n, fails := l.Stats().Calls-s.Calls, l.Stats().ConditionFailures-s.ConditionFailures; n != 2 || fails != 1 {
		t.Fatalf("after the delete: %d calls and %d failed conditions, want 2 and 1", n, fails)
	}
}

// The limiter reports a DynamoDB failure instead of deciding; the HTTP layer then admits.
func TestStoreFailureIsAnError(t *testing.T) {
	db, _ := newTable(t)
	l := New(db, "no-such-table", Options{})
	if _, err := l.Allow(t.Context(), mustTenant(t, "acme"), httpapi.RateChat); err == nil {
		t.Fatal("no error from a missing table")
	}
}

func TestLimitValidate(t *testing.T) {
	tests := map[string]struct {
		l  Limit
		ok bool
	}{
		"unlimited": {Limit{}, true},
		"no period": {Limit{Count: 1, Burst: 1}, false},
		"no burst":  {Limit{Count: 1, Per: time.Second}, false},
		"too fast":  {Limit{Count: 2_000_000, Per: time.Second, Burst: 1}, false},
	}
	for name, tc := range tests {
		if err := tc.l.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, c := range httpapi.RateClasses {
		if d := Default(c); d.Validate() != nil || d.Unlimited() {
			t.Errorf("default for %s: %v %v", c, d, d.Validate())
		}
	}
}

func TestFromPlan(t *testing.T) {
	tests := map[string]struct {
		in   plan.RateLimit
		want Limit
	}{
		"per second":     {plan.RateLimit{Rate: 20, Burst: 40}, Limit{20, time.Second, 40}},
		"per minute":     {plan.RateLimit{Rate: 1.0 / 60, Burst: 2}, Limit{1, time.Minute, 2}},
		"fractional":     {plan.RateLimit{Rate: 2.5, Burst: 5}, Limit{5, 2 * time.Second, 5}},
		"per hour":       {plan.RateLimit{Rate: 1.0 / 3600, Burst: 1}, Limit{1, time.Hour, 1}},
		"odd, rounded":   {plan.RateLimit{Rate: 1.0 / 7777, Burst: 1}, Limit{1, time.Hour, 1}},
		"zero: no limit": {plan.RateLimit{Rate: 0, Burst: 3}, Limit{}},
	}
	for name, tc := range tests {
		if got := FromPlan(tc.in); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}
