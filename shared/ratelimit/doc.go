// Package ratelimit enforces per-tenant request rate limits across every instance of a function:
// one token bucket per tenant and route class, kept in the DynamoDB table, as GCRA (the generic
// cell rate algorithm — a token bucket stored as one number).
//
// # Algorithm
//
// A bucket is an item (pk "T#<tenant>#~rate", sk the class) holding tat, the theoretical arrival
// time in Unix microseconds: the instant at which the bucket would be full again. With the
// emission interval T = Per/Count and the tolerance τ = (Burst−1)·T, a request at now is admitted
// when max(tat, now) ≤ now + τ, and then tat becomes max(tat, now) + T. DynamoDB has no max(), so
// the two branches are two conditional updates, each one UpdateItem:
//
//   - idle (tat ≤ now or absent): SET tat = now + T, if attribute_not_exists(tat) OR tat ≤ now;
//   - busy (now < tat ≤ now + τ): SET tat = tat + T, if tat > now AND tat ≤ now + τ.
//
// The busy branch is an atomic increment under a range condition, not a compare-and-swap on the
// value read, so any number of instances admitting requests of one tenant never conflict. The
// instance guesses the branch from the tat it saw last; a wrong guess fails its condition and
// DynamoDB returns the item (ReturnValuesOnConditionCheckFailure ALL_OLD), which says whether to
// take the other branch or to refuse (tat > now + τ: retry after tat − τ − now).
//
// # Cost
//
// One UpdateItem per request in the steady state: 1 write request unit (the item is far below
// 1 KB) and one DynamoDB round trip. A wrong branch guess (the first request after a quiet spell
// that followed a busy one, or the reverse) costs a second UpdateItem. A refused request costs one
// failed conditional write (DynamoDB charges it as a write) — once per instance: the instance then
// remembers that the tenant is refused until tat − τ and refuses locally, with no call, until then.
// A failed condition that returns no item met an absent bucket, which is a full one. (dynalite does
// not return the item; the emulators' front before it does, as DynamoDB does.)
//
// # Failure
//
// Errors (DynamoDB unreachable, throttled, slower than Options.Timeout) are returned, and the HTTP
// layer admits the request and logs: the limiter fails open, so its outage is not the API's.
//
// # Limits
//
// A tenant's limits come from Limits (its plan, shared/plan), cached per instance for
// Options.LimitTTL, so a plan change takes effect within that time everywhere. When a stored
// bucket holds more debt than the current limit can (the plan was raised), it is capped to an
// empty bucket under the new limit.
//
// # Files
//
//   - limiter.go: the Limiter, its DynamoDB updates and its in-process memory.
//   - limits.go: Limit, the plan's buckets turned into limits, the Limits sources.
//
// docs/limits.md tells the whole story: classes, defaults, headers, cost and reserved concurrency.
package ratelimit
