package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/tenant"
)

// doc is the value most tests store.
type doc struct {
	Name string   `dynamodbav:"name"`
	N    int      `dynamodbav:"n"`
	Tags []string `dynamodbav:"tags,omitempty"`
}

// env is one test's table on dynalite.
type env struct {
	ctx   context.Context
	db    *dynamodb.Client
	table string
	s     *Store
	clock *clock
}

// newEnv creates a table of its own for t on the emulators, and a Store over it whose clock the
// test controls (it starts at the real time, so TTLs are plausible).
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	db, table := emulators.NewTable(t, CreateTable)
	c := &clock{t: time.Now()}
	return &env{ctx: ctx, db: db, table: table, s: New(db, table).WithClock(c.Now), clock: c}
}

// raw reads an item as stored, bypassing the store.
func (e *env) raw(t *testing.T, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	res, err := e.db.GetItem(e.ctx, &dynamodb.GetItemInput{
		TableName:      &e.table,
		Key:            map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Item
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCRUD(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	tests := map[string]func(t *testing.T, ctx context.Context, s *Store, k Key){
		"create then get": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			want := doc{Name: "Ann", N: 3, Tags: []string{"vip"}}
			if err := s.Create(ctx, acme, k, want); err != nil {
				t.Fatal(err)
			}
			var got doc
			ver, err := s.Get(ctx, acme, k, &got)
			if err != nil || ver != 1 {
				t.Fatalf("Get = %d, %v; want version 1", ver, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		},
		"create twice conflicts": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.Create(ctx, acme, k, doc{Name: "a"}); err != nil {
				t.Fatal(err)
			}
			err := s.Create(ctx, acme, k, doc{Name: "b"})
			var ce *ConflictError
			if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || ce.Key != k || ce.Want != 0 {
				t.Fatalf("second Create: %v; want a ConflictError for %v at 0", err, k)
			}
			if !strings.Contains(err.Error(), "create acme/"+k.String()) || !strings.Contains(err.Error(), "already exists") {
				t.Fatalf("message %q does not say what", err)
			}
		},
		"get absent": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if _, err := s.Get(ctx, acme, k, &doc{}); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get = %v, want ErrNotFound", err)
			}
		},
		"get with nil out gives the version": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.Create(ctx, acme, k, nil); err != nil {
				t.Fatal(err)
			}
			if ver, err := s.Get(ctx, acme, k, nil); err != nil || ver != 1 {
				t.Fatalf("Get = %d, %v", ver, err)
			}
		},
		"map values": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.Create(ctx, acme, k, map[string]any{"a": "x", "b": 2}); err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if _, err := s.Get(ctx, acme, k, &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got["a"] != "x" { // the reserved attributes are not handed back
				t.Fatalf("got %v", got)
			}
		},
		"put at version 0 creates": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			ver, err := s.Put(ctx, acme, k, doc{Name: "a"}, 0)
			if err != nil || ver != 1 {
				t.Fatalf("Put = %d, %v", ver, err)
			}
			if _, err := s.Put(ctx, acme, k, doc{Name: "b"}, 0); !errors.Is(err, ErrConflict) {
				t.Fatalf("Put at 0 over an item = %v, want ErrConflict", err)
			}
		},
		"put at the version bumps it": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.Create(ctx, acme, k, doc{Name: "a"}); err != nil {
				t.Fatal(err)
			}
			for want := int64(2); want <= 4; want++ {
				ver, err := s.Put(ctx, acme, k, doc{Name: "a", N: int(want)}, want-1)
				if err != nil || ver != want {
					t.Fatalf("Put = %d, %v; want %d", ver, err, want)
				}
			}
			var got doc
			if ver, err := s.Get(ctx, acme, k, &got); err != nil || ver != 4 || got.N != 4 {
				t.Fatalf("Get = %d %+v %v", ver, got, err)
			}
		},
		"put at a stale version conflicts": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.Create(ctx, acme, k, doc{Name: "a"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Put(ctx, acme, k, doc{Name: "b"}, 1); err != nil {
				t.Fatal(err)
			}
			_, err := s.Put(ctx, acme, k, doc{Name: "c"}, 1)
			var ce *ConflictError
			if !errors.As(err, &ce) || ce.Want != 1 || !errors.Is(err, ErrConflict) {
				t.Fatalf("stale Put = %v", err)
			}
			var got doc
			if ver, _ := s.Get(ctx, acme, k, &got); ver != 2 || got.Name != "b" {
				t.Fatalf("item changed by a failed Put: %d %+v", ver, got)
			}
		},
		"put of an absent item at a version conflicts": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if _, err := s.Put(ctx, acme, k, doc{}, 3); !errors.Is(err, ErrConflict) {
				t.Fatalf("Put = %v, want ErrConflict", err)
			}
		},
		"delete at version 0": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.Create(ctx, acme, k, doc{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, acme, k, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, acme, k, nil); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after Delete = %v", err)
			}
			if err := s.Delete(ctx, acme, k, 0); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second Delete = %v, want ErrNotFound", err)
			}
		},
		"delete at the version": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.Create(ctx, acme, k, doc{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, acme, k, 2); !errors.Is(err, ErrConflict) {
				t.Fatalf("Delete at a wrong version = %v, want ErrConflict", err)
			}
			if err := s.Delete(ctx, acme, k, 1); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, acme, k, 1); !errors.Is(err, ErrConflict) {
				t.Fatalf("Delete of an absent item at a version = %v, want ErrConflict", err)
			}
		},
		"platform items": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.PlatformCreate(ctx, k, doc{Name: "p"}); err != nil {
				t.Fatal(err)
			}
			if err := s.PlatformCreate(ctx, k, doc{Name: "q"}); !errors.Is(err, ErrConflict) {
				t.Fatalf("second PlatformCreate = %v", err)
			}
			var got doc
			if ver, err := s.PlatformGet(ctx, k, &got); err != nil || ver != 1 || got.Name != "p" {
				t.Fatalf("PlatformGet = %d %+v %v", ver, got, err)
			}
			if _, err := s.Get(ctx, acme, k, nil); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a tenant sees the platform item: %v", err)
			}
			if err := s.PlatformDelete(ctx, k); err != nil {
				t.Fatal(err)
			}
			if _, err := s.PlatformGet(ctx, k, nil); !errors.Is(err, ErrNotFound) {
				t.Fatalf("PlatformGet after delete = %v", err)
			}
			if err := s.PlatformDelete(ctx, k); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second PlatformDelete = %v", err)
			}
		},
		"layout": func(t *testing.T, ctx context.Context, s *Store, k Key) {
			if err := s.Create(ctx, acme, k, doc{Name: "t"}); err != nil {
				t.Fatal(err)
			}
			if err := s.PlatformCreate(ctx, k, doc{Name: "p"}); err != nil {
				t.Fatal(err)
			}
			item := e.raw(t, "T#acme#"+k.Kind, k.ID)
			if numAttr(item, AttrVersion) != 1 || item["name"].(*types.AttributeValueMemberS).Value != "t" {
				t.Fatalf("tenant item stored as %v", item)
			}
			if item := e.raw(t, "P#"+k.Kind, k.ID); item == nil {
				t.Fatal("platform item not under P#<kind>")
			}
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc(t, e.ctx, e.s, Key{Kind: "doc", ID: name})
		})
	}
}

// TestRejectsBadInput runs every call with bad arguments on a Store without a client: any I/O would
// panic, so passing proves the checks come first.
func TestRejectsBadInput(t *testing.T) {
	s := New(nil, "none")
	ctx := t.Context()
	var zero tenant.ID
	acme := mustTenant(t, "acme")
	k := Key{Kind: "doc", ID: "1"}
	ops := func(n int) []Op {
		out := make([]Op, n)
		for i := range out {
			out[i] = CreateOp(acme, Key{Kind: "doc", ID: fmt.Sprint(i)}, nil)
		}
		return out
	}
	tests := map[string]struct {
		call func() error
		want error // nil: any error
	}{
		"get zero tenant":      {func() error { _, err := s.Get(ctx, zero, k, nil); return err }, tenant.ErrInvalid},
		"create zero tenant":   {func() error { return s.Create(ctx, zero, k, doc{}) }, tenant.ErrInvalid},
		"put zero tenant":      {func() error { _, err := s.Put(ctx, zero, k, doc{}, 0); return err }, tenant.ErrInvalid},
		"delete zero tenant":   {func() error { return s.Delete(ctx, zero, k, 0) }, tenant.ErrInvalid},
		"query zero tenant":    {func() error { _, err := s.Query(ctx, zero, "doc", "", PageRequest{}); return err }, tenant.ErrInvalid},
		"add zero tenant":      {func() error { _, err := s.Add(ctx, zero, k, "n", 1); return err }, tenant.ErrInvalid},
		"claim zero tenant":    {func() error { _, err := s.Claim(ctx, zero, "e", time.Minute); return err }, tenant.ErrInvalid},
		"complete zero tenant": {func() error { return s.Complete(ctx, zero, "e", time.Hour) }, tenant.ErrInvalid},
		"release zero tenant":  {func() error { return s.Release(ctx, zero, "e") }, tenant.ErrInvalid},
		"tx zero tenant":       {func() error { return s.Tx(ctx, CreateOp(zero, k, nil)) }, tenant.ErrInvalid},
		"tx put zero tenant":   {func() error { return s.Tx(ctx, PutOp(zero, k, nil, 1)) }, tenant.ErrInvalid},
		"tx delete zero":       {func() error { return s.Tx(ctx, DeleteOp(zero, k, 0)) }, tenant.ErrInvalid},
		"empty kind":           {func() error { return s.Create(ctx, acme, Key{ID: "1"}, nil) }, ErrInvalidKey},
		"upper-case kind":      {func() error { return s.Create(ctx, acme, Key{Kind: "Doc", ID: "1"}, nil) }, ErrInvalidKey},
		"hash in kind":         {func() error { return s.Create(ctx, acme, Key{Kind: "a#b", ID: "1"}, nil) }, ErrInvalidKey},
		"claim kind":           {func() error { return s.Create(ctx, acme, Key{Kind: claimKind, ID: "1"}, nil) }, ErrInvalidKey},
		"long kind":            {func() error { return s.Create(ctx, acme, Key{Kind: strings.Repeat("k", 65), ID: "1"}, nil) }, ErrInvalidKey},
		"empty id":             {func() error { _, err := s.Get(ctx, acme, Key{Kind: "doc"}, nil); return err }, ErrInvalidKey},
		"long id":              {func() error { return s.Delete(ctx, acme, Key{Kind: "doc", ID: strings.Repeat("i", 513)}, 0) }, ErrInvalidKey},
		"id not utf-8":         {func() error { _, err := s.Put(ctx, acme, Key{Kind: "doc", ID: "\xff"}, nil, 0); return err }, ErrInvalidKey},
		"platform bad key":     {func() error { _, err := s.PlatformGet(ctx, Key{Kind: "x y", ID: "1"}, nil); return err }, ErrInvalidKey},
		"platform create bad":  {func() error { return s.PlatformCreate(ctx, Key{Kind: "x"}, nil) }, ErrInvalidKey},
		"platform delete bad":  {func() error { return s.PlatformDelete(ctx, Key{}) }, ErrInvalidKey},
		"query bad kind":       {func() error { _, err := s.Query(ctx, acme, "", "", PageRequest{}); return err }, ErrInvalidKey},
		"query long prefix":    {func() error { _, err := s.Query(ctx, acme, "doc", strings.Repeat("p", 513), PageRequest{}); return err }, ErrInvalidKey},
		"query negative limit": {func() error { _, err := s.Query(ctx, acme, "doc", "", PageRequest{Limit: -1}); return err }, nil},
		"query junk cursor":    {func() error { _, err := s.Query(ctx, acme, "doc", "", PageRequest{Cursor: "!!"}); return err }, ErrInvalidCursor},
		"add empty field":      {func() error { _, err := s.Add(ctx, acme, k, "", 1); return err }, ErrInvalidKey},
		"add reserved field":   {func() error { _, err := s.Add(ctx, acme, k, "ver", 1); return err }, ErrInvalidKey},
		"add ttl field":        {func() error { _, err := s.Add(ctx, acme, k, "ttl", 1); return err }, ErrInvalidKey},
		"claim empty event":    {func() error { _, err := s.Claim(ctx, acme, "", time.Minute); return err }, ErrInvalidKey},
		"claim no lease":       {func() error { _, err := s.Claim(ctx, acme, "e", 0); return err }, nil},
		"complete no keep":     {func() error { return s.Complete(ctx, acme, "e", 0) }, nil},
		"release long event":   {func() error { return s.Release(ctx, acme, strings.Repeat("e", 513)) }, ErrInvalidKey},
		"value sets pk":        {func() error { return s.Create(ctx, acme, k, map[string]string{"pk": "T#other#doc"}) }, ErrInvalidValue},
		"value sets sk":        {func() error { return s.Create(ctx, acme, k, map[string]string{"sk": "x"}) }, ErrInvalidValue},
		"value sets ver": {func() error {
			_, err := s.Put(ctx, acme, k, struct {
				V int `dynamodbav:"ver"`
			}{9}, 0)
			return err
		}, ErrInvalidValue},
		"value sets ttl": {func() error {
			return s.PlatformCreate(ctx, k, struct {
				T int `dynamodbav:"ttl"`
			}{1})
		}, ErrInvalidValue},
		"scalar value":        {func() error { return s.Create(ctx, acme, k, "text") }, ErrInvalidValue},
		"nil pointer value":   {func() error { return s.Create(ctx, acme, k, (*doc)(nil)) }, ErrInvalidValue},
		"negative version":    {func() error { _, err := s.Put(ctx, acme, k, nil, -1); return err }, nil},
		"negative delete":     {func() error { return s.Delete(ctx, acme, k, -1) }, nil},
		"tx reserved value":   {func() error { return s.Tx(ctx, PlatformCreateOp(k, map[string]int{"ttl": 1})) }, ErrInvalidValue},
		"tx bad platform key": {func() error { return s.Tx(ctx, PlatformDeleteOp(Key{Kind: "x"})) }, ErrInvalidKey},
		"tx zero op":          {func() error { return s.Tx(ctx, Op{}) }, nil},
		"tx same item twice":  {func() error { return s.Tx(ctx, CreateOp(acme, k, nil), DeleteOp(acme, k, 1)) }, nil},
		"tx too many ops":     {func() error { return s.Tx(ctx, ops(MaxTxOps+1)...) }, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if err := s.Tx(ctx); err != nil {
		t.Fatalf("empty Tx = %v", err)
	}
}

func TestOptimisticConcurrency(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	tests := map[string]struct {
		writers, rounds int
		reread          bool // each attempt reads the current version; else all write at version 1
	}{
		"two writers with the same version": {writers: 2, rounds: 1},
		"20 writers with the same version":  {writers: 20, rounds: 1},
		"20 goroutines racing":              {writers: 20, rounds: 5, reread: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, s := e.ctx, e.s
			k := Key{Kind: "race", ID: name}
			if err := s.Create(ctx, acme, k, doc{}); err != nil {
				t.Fatal(err)
			}
			var won, lost atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for w := range tc.writers {
				wg.Go(func() {
					<-start
					for range tc.rounds {
						var d doc
						ver := int64(1)
						if tc.reread {
							var err error
							if ver, err = s.Get(ctx, acme, k, &d); err != nil {
								t.Error(err)
								return
							}
						}
						d.N++
						d.Name = fmt.Sprint("writer ", w)
						_, err := s.Put(ctx, acme, k, d, ver)
						var ce *ConflictError
						switch {
						case err == nil:
							won.Add(1)
						case errors.As(err, &ce) && ce.Want == ver:
							lost.Add(1)
						default:
							t.Error(err)
							return
						}
					}
				})
			}
			close(start)
			wg.Wait()
			var final doc
			ver, err := s.Get(ctx, acme, k, &final)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d writes won, %d lost", won.Load(), lost.Load())
			if won.Load()+lost.Load() != int64(tc.writers*tc.rounds) {
				t.Fatalf("%d won + %d lost != %d attempts", won.Load(), lost.Load(), tc.writers*tc.rounds)
			}
			if ver != won.Load()+1 || int64(final.N) != won.Load() {
				t.Fatalf("final version %d, N %d; want %d and %d", ver, final.N, won.Load()+1, won.Load())
			}
			if !tc.reread && won.Load() != 1 {
				t.Fatalf("%d writers with the same version won; want exactly 1", won.Load())
			}
		})
	}
}

func TestTTL(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	ttlOf := func(t *testing.T, kind, id string) int64 {
		t.Helper()
		item := e.raw(t, "T#acme#"+kind, id)
		if _, ok := item[AttrTTL].(*types.AttributeValueMemberN); !ok {
			t.Fatalf("item %s/%s has no numeric ttl: %v", kind, id, item)
		}
		return numAttr(item, AttrTTL)
	}
	tests := map[string]func(t *testing.T, ctx context.Context, s *Store, now time.Time){
		"create writes ttl in epoch seconds, rounded up": func(t *testing.T, ctx context.Context, s *Store, now time.Time) {
			exp := time.Unix(2_000_000_000, 1)
			if err := s.Create(ctx, acme, Key{"doc", "c"}, doc{}, WithTTL(exp)); err != nil {
				t.Fatal(err)
			}
			if got := ttlOf(t, "doc", "c"); got != 2_000_000_001 {
				t.Fatalf("ttl = %d", got)
			}
		},
		"put writes ttl and drops it without WithTTL": func(t *testing.T, ctx context.Context, s *Store, now time.Time) {
			k := Key{"doc", "p"}
			if _, err := s.Put(ctx, acme, k, doc{}, 0, WithTTL(now.Add(time.Hour).Truncate(time.Second))); err != nil {
				t.Fatal(err)
			}
			if got := ttlOf(t, "doc", "p"); got != now.Add(time.Hour).Unix() {
				t.Fatalf("ttl = %d", got)
			}
			if _, err := s.Put(ctx, acme, k, doc{}, 1); err != nil {
				t.Fatal(err)
			}
			if item := e.raw(t, "T#acme#doc", "p"); item[AttrTTL] != nil {
				t.Fatalf("ttl survived a Put without WithTTL: %v", item)
			}
		},
		"add writes ttl": func(t *testing.T, ctx context.Context, s *Store, now time.Time) {
			if _, err := s.Add(ctx, acme, Key{"count", "a"}, "calls", 1, WithTTL(now.Add(48*time.Hour).Truncate(time.Second))); err != nil {
				t.Fatal(err)
			}
			if got := ttlOf(t, "count", "a"); got != now.Add(48*time.Hour).Unix() {
				t.Fatalf("ttl = %d", got)
			}
		},
		"claim and complete write ttl": func(t *testing.T, ctx context.Context, s *Store, now time.Time) {
			if ok, err := s.Claim(ctx, acme, "ev-ttl", time.Minute); !ok || err != nil {
				t.Fatalf("Claim = %v, %v", ok, err)
			}
			if got, want := ttlOf(t, claimKind, "ev-ttl"), ttlSeconds(now.Add(time.Minute)); got != want {
				t.Fatalf("claim ttl = %d, want %d", got, want)
			}
			if err := s.Complete(ctx, acme, "ev-ttl", 24*time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, want := ttlOf(t, claimKind, "ev-ttl"), ttlSeconds(now.Add(24*time.Hour)); got != want {
				t.Fatalf("done ttl = %d, want %d", got, want)
			}
		},
		"expired items are absent": func(t *testing.T, ctx context.Context, s *Store, now time.Time) {
			k := Key{"exp", "1"}
			if err := s.Create(ctx, acme, k, doc{Name: "old"}, WithTTL(now.Add(time.Minute))); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, acme, k, nil); err != nil {
				t.Fatalf("live item: %v", err)
			}
			later := s.WithClock(func() time.Time { return now.Add(2 * time.Minute) })
			if _, err := later.Get(ctx, acme, k, nil); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get of an expired item = %v, want ErrNotFound", err)
			}
			if res, err := later.Query(ctx, acme, "exp", "", PageRequest{}); err != nil || len(res.Items) != 0 {
				t.Fatalf("Query lists an expired item: %+v %v", res, err)
			}
			if _, err := later.Put(ctx, acme, k, doc{}, 1); !errors.Is(err, ErrConflict) {
				t.Fatalf("Put at the expired item's version = %v, want ErrConflict", err)
			}
			if err := later.Create(ctx, acme, k, doc{Name: "new"}); err != nil {
				t.Fatalf("Create over an expired item: %v", err)
			}
			var got doc
			if ver, err := later.Get(ctx, acme, k, &got); err != nil || ver != 1 || got.Name != "new" {
				t.Fatalf("Get = %d %+v %v", ver, got, err)
			}
		},
		"delete of an expired item is not found": func(t *testing.T, ctx context.Context, s *Store, now time.Time) {
			k := Key{"exp", "2"}
			if err := s.Create(ctx, acme, k, doc{}, WithTTL(now.Add(time.Second))); err != nil {
				t.Fatal(err)
			}
			later := s.WithClock(func() time.Time { return now.Add(time.Hour) })
			if err := later.Delete(ctx, acme, k, 0); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Delete = %v, want ErrNotFound", err)
			}
		},
		"add to an expired counter starts afresh": func(t *testing.T, ctx context.Context, s *Store, now time.Time) {
			k := Key{"count", "exp"}
			if _, err := s.Add(ctx, acme, k, "n", 5, WithTTL(now.Add(time.Minute))); err != nil {
				t.Fatal(err)
			}
			later := s.WithClock(func() time.Time { return now.Add(time.Hour) })
			if n, err := later.Add(ctx, acme, k, "n", 2); err != nil || n != 2 {
				t.Fatalf("Add = %d, %v; want 2", n, err)
			}
			if item := e.raw(t, "T#acme#count", "exp"); item[AttrTTL] != nil || numAttr(item, AttrVersion) != 1 {
				t.Fatalf("restarted counter is %v", item)
			}
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc(t, e.ctx, e.s, e.clock.Now())
		})
	}
}

func TestAdd(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	tests := map[string]struct {
		deltas []int64
		want   int64
	}{
		"one":                   {deltas: []int64{7}, want: 7},
		"negative":              {deltas: []int64{5, -8}, want: -3},
		"50 concurrent":         {deltas: seq(50), want: 50 * 51 / 2},
		"50 concurrent ones":    {deltas: repeat(1, 50), want: 50},
		"mixed signs in a race": {deltas: append(repeat(3, 25), repeat(-1, 25)...), want: 50},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k := Key{Kind: "interval", ID: name}
			var wg sync.WaitGroup
			for _, d := range tc.deltas {
				wg.Go(func() {
					if _, err := e.s.Add(e.ctx, acme, k, "calls", d); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			var got struct {
				Calls int64 `dynamodbav:"calls"`
			}
			ver, err := e.s.Get(e.ctx, acme, k, &got)
			if err != nil {
				t.Fatal(err)
			}
			if got.Calls != tc.want || ver != int64(len(tc.deltas)) {
				t.Fatalf("calls = %d at version %d; want %d at %d", got.Calls, ver, tc.want, len(tc.deltas))
			}
			if n, err := e.s.Add(e.ctx, acme, k, "calls", 0); err != nil || n != tc.want {
				t.Fatalf("Add(0) = %d, %v", n, err)
			}
		})
	}
	t.Run("counter field on a document", func(t *testing.T) {
		k := Key{Kind: "doc", ID: "with-counter"}
		if err := e.s.Create(e.ctx, acme, k, doc{Name: "x"}); err != nil {
			t.Fatal(err)
		}
		if n, err := e.s.Add(e.ctx, acme, k, "n", 4); err != nil || n != 4 {
			t.Fatalf("Add = %d, %v", n, err)
		}
		var got doc
		if ver, err := e.s.Get(e.ctx, acme, k, &got); err != nil || ver != 2 || got.N != 4 || got.Name != "x" {
			t.Fatalf("Get = %d %+v %v", ver, got, err)
		}
	})
}

func seq(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

func repeat(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
