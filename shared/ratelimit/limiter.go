package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/tenant"
)

// DB is the DynamoDB access the limiter needs; *dynamodb.Client is one.
type DB interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

var _ DB = (*dynamodb.Client)(nil)

// Options tune a Limiter; the zero value is usable.
type Options struct {
	// Limits gives each tenant's limits (default DefaultLimits).
	Limits Limits
	// LimitTTL is how long an instance keeps a tenant's limits before asking Limits again
	// (default 10 s; negative: ask on every request).
	LimitTTL time.Duration
	// Timeout bounds one decision's DynamoDB calls (default 500 ms).
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Limiter decides whether a tenant may make one more request of a class. It is safe for
// concurrent use; build one per process with New.
type Limiter struct {
	db    DB
	table string
	o     Options

	mu      sync.Mutex
	buckets map[string]seen        // tenant#class -> what this instance saw last
	limits  map[string]cachedLimit // tenant#class -> limit and when to ask again

	decisions, calls, condFails, local atomic.Int64
}

// seen is what an instance knows of a bucket.
type seen struct {
	tat         int64 // µs; 0: never seen
	deniedUntil int64 // µs; before it, refuse without asking DynamoDB, while the limit is still lim
	lim         Limit
}

type cachedLimit struct {
	limit Limit
	until time.Time
}

// maxEntries bounds each of the limiter's maps; past it they start afresh.
const maxEntries = 10000

// Attribute names of a bucket item (pk, sk and ttl are the table's).
const (
	attrTAT = "tat"
	attrTTL = "ttl"
)

var _ httpapi.RateLimiter = (*Limiter)(nil)

// New returns a limiter over table.
func New(db DB, table string, o Options) *Limiter {
	if o.Limits == nil {
		o.Limits = DefaultLimits{}
	}
	if o.LimitTTL == 0 {
		o.LimitTTL = 10 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 500 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Limiter{db: db, table: table, o: o, buckets: map[string]seen{}, limits: map[string]cachedLimit{}}
}

// Stats counts what a limiter did since it was made.
type Stats struct {
	Decisions         int64 // Allow calls that reached a decision
	Calls             int64 // DynamoDB calls (UpdateItems)
	ConditionFailures int64 // UpdateItems whose condition failed (each is charged as a write)
	LocalDenials      int64 // refusals decided without DynamoDB
}

// Stats returns the counts so far.
func (l *Limiter) Stats() Stats {
	return Stats{Decisions: l.decisions.Load(), Calls: l.calls.Load(), ConditionFailures: l.condFails.Load(),
		LocalDenials: l.local.Load()}
}

// Allow takes one request of tenant t and class from the tenant's allowance.
func (l *Limiter) Allow(ctx context.Context, t tenant.ID, class httpapi.RateClass) (httpapi.RateDecision, error) {
	if t.IsZero() {
		return httpapi.RateDecision{}, errors.New("rate limit: no tenant")
	}
	lim, err := l.limit(ctx, t, class)
	if err != nil {
		return httpapi.RateDecision{}, err
	}
	if lim.Unlimited() {
		l.decisions.Add(1)
		return httpapi.RateDecision{Allowed: true, Unlimited: true}, nil
	}
	key := t.String() + "#" + string(class)
	T := lim.interval().Microseconds()
	tau := int64(lim.Burst-1) * T
	now := l.o.Now().UnixMicro()

	last := l.seen(key)
	if now < last.deniedUntil && last.lim == lim {
		l.local.Add(1)
		l.decisions.Add(1)
		return refused(lim, now, last.tat, tau), nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.o.Timeout)
	defer cancel()
	idle := last.tat <= now
	for range 4 { // the branch can change under us only when the bucket empties or fills meanwhile
		tat, ok, err := l.take(ctx, t, class, idle, now, T, tau)
		if err != nil {
			return httpapi.RateDecision{}, fmt.Errorf("rate limit %s/%s: %w", t, class, err)
		}
		if ok {
			l.remember(key, seen{tat: tat})
			l.decisions.Add(1)
			return admitted(lim, now, tat, tau, T), nil
		}
		switch {
		case tat <= now:
			idle = true
		case tat <= now+tau:
			idle = false
		default:
			if tat > now+tau+T {
				// More debt than this limit can hold: the plan changed (tightened buckets never get
				// here). Start the tenant from an empty bucket under the new plan.
				if tat, err = l.cap(ctx, t, class, tat, now+tau+T); err != nil {
					return httpapi.RateDecision{}, fmt.Errorf("rate limit %s/%s: %w", t, class, err)
				}
			}
			l.remember(key, seen{tat: tat, deniedUntil: tat - tau, lim: lim})
			l.decisions.Add(1)
			return refused(lim, now, tat, tau), nil
		}
	}
	return httpapi.RateDecision{}, fmt.Errorf("rate limit %s/%s: the bucket kept changing branch", t, class)
}

// take tries one branch. ok: admitted and tat is the bucket's new tat. Not ok: the condition
// failed and tat is the bucket's current tat (0 when absent).
func (l *Limiter) take(ctx context.Context, t tenant.ID, class httpapi.RateClass, idle bool, now, T, tau int64) (tat int64, ok bool, err error) {
	key := bucketKey(t, class)
	in := &dynamodb.UpdateItemInput{
		TableName:                           &l.table,
		Key:                                 key,
		ExpressionAttributeNames:            map[string]string{"#tat": attrTAT, "#ttl": attrTTL},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now),
			// DynamoDB may delete the item once the bucket is full again; an absent item is a full one.
			":ttl": num((now+tau+T)/1e6 + 61),
		},
	}
	if idle {
		in.UpdateExpression = aws.String("SET #tat = :next, #ttl = :ttl")
		in.ConditionExpression = aws.String("attribute_not_exists(#tat) OR #tat <= :now")
		in.ExpressionAttributeValues[":next"] = num(now + T)
	} else {
		in.UpdateExpression = aws.String("SET #tat = #tat + :t, #ttl = :ttl")
		in.ConditionExpression = aws.String("#tat > :now AND #tat <= :max")
		in.ExpressionAttributeValues[":t"] = num(T)
		in.ExpressionAttributeValues[":max"] = num(now + tau)
		in.ReturnValues = types.ReturnValueUpdatedNew
	}
	l.calls.Add(1)
	out, err := l.db.UpdateItem(ctx, in)
	if err == nil {
		if idle {
			return now + T, true, nil
		}
		tat, err := tatOf(out.Attributes)
		return tat, err == nil, err
	}
	ccf, isCCF := errors.AsType[*types.ConditionalCheckFailedException](err)
	if !isCCF {
		return 0, false, err
	}
	l.condFails.Add(1)
	tat, err = tatOf(ccf.Item) // no item: the bucket is absent, so full
	return tat, false, err
}

// cap lowers a bucket's tat from old to capped, if no one changed it meanwhile, and returns the
// bucket's tat afterwards.
func (l *Limiter) cap(ctx context.Context, t tenant.ID, class httpapi.RateClass, old, capped int64) (int64, error) {
	l.calls.Add(1)
	_, err := l.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &l.table,
		Key:                       bucketKey(t, class),
		UpdateExpression:          aws.String("SET #tat = :cap"),
		ConditionExpression:       aws.String("#tat = :old"),
		ExpressionAttributeNames:  map[string]string{"#tat": attrTAT},
		ExpressionAttributeValues: map[string]types.AttributeValue{":cap": num(capped), ":old": num(old)},
	})
	if _, raced := errors.AsType[*types.ConditionalCheckFailedException](err); raced {
		l.condFails.Add(1)
		return old, nil // someone else capped or took it first; refuse on what we saw
	}
	if err != nil {
		return 0, fmt.Errorf("cap after a plan change: %w", err)
	}
	return capped, nil
}

func bucketKey(t tenant.ID, class httpapi.RateClass) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "T#" + t.String() + "#~rate"},
		"sk": &types.AttributeValueMemberS{Value: string(class)},
	}
}

// tatOf reads tat from an item; an absent item or attribute is 0 (a full bucket).
func tatOf(item map[string]types.AttributeValue) (int64, error) {
	v, ok := item[attrTAT]
	if !ok {
		return 0, nil
	}
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("tat is %T, not a number", v)
	}
	tat, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("tat %q: %w", n.Value, err)
	}
	return tat, nil
}

func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func admitted(lim Limit, now, tat, tau, T int64) httpapi.RateDecision {
	d := policy(lim)
	d.Allowed = true
	if room := now + tau - tat; room >= 0 {
		d.Remaining = int(room/T) + 1
	}
	d.Reset = time.Duration(tat-now) * time.Microsecond
	return d
}

func refused(lim Limit, now, tat, tau int64) httpapi.RateDecision {
	d := policy(lim)
	d.Reset = time.Duration(tat-now) * time.Microsecond
	d.RetryAfter = time.Duration(tat-tau-now) * time.Microsecond
	return d
}

func policy(lim Limit) httpapi.RateDecision {
	return httpapi.RateDecision{Quota: lim.Count, Window: lim.Per, Burst: lim.Burst}
}

func (l *Limiter) seen(key string) seen {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buckets[key]
}

func (l *Limiter) remember(key string, s seen) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.buckets[key]; ok && old.tat > s.tat && s.deniedUntil == 0 {
		s.tat = old.tat // another request of this instance saw a later state
	}
	if len(l.buckets) >= maxEntries {
		clear(l.buckets)
	}
	l.buckets[key] = s
}

// limit returns t's limit for class, from the cache while it is fresh.
func (l *Limiter) limit(ctx context.Context, t tenant.ID, class httpapi.RateClass) (Limit, error) {
	key := t.String() + "#" + string(class)
	now := l.o.Now()
	l.mu.Lock()
	c, ok := l.limits[key]
	l.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.limit, nil
	}
	lim, err := l.o.Limits.Limit(ctx, t, class)
	if err != nil {
		return Limit{}, fmt.Errorf("rate limit %s/%s: read the plan: %w", t, class, err)
	}
	if err := lim.Validate(); err != nil {
		return Limit{}, fmt.Errorf("rate limit %s/%s: %w", t, class, err)
	}
	if l.o.LimitTTL > 0 {
		l.mu.Lock()
		if len(l.limits) >= maxEntries {
			clear(l.limits)
		}
		l.limits[key] = cachedLimit{limit: lim, until: now.Add(l.o.LimitTTL)}
		l.mu.Unlock()
	}
	return lim, nil
}
