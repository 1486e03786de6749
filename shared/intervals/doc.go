// Package intervals keeps each tenant's contact volumes in 5-minute intervals, per queue and
// channel: the live counters the forecast function's stream consumer adds to (counters.go), the
// history a tenant imports as CSV when it onboards (history.go parses and validates it, import.go
// stores it all or nothing), and the series the forecaster reads back at any step (series.go).
// errors.go holds the sentinels. docs/forecast-history.md is the tenant's view of the same rules.
//
// # Counters
//
// Offered, BotHandled, HandedOff, Answered, Abandoned and HandleSeconds, per (queue, channel),
// where queue is a queue id or AllQueues ("_all": every contact of the channel, bot ones
// included). functions/forecast/handler/count.go says which events feed which counter.
//
// # Storage layout (one DynamoDB table, through shared/store)
//
//   - Live counts: kind "ivl", id "<queue>|<channel>|<counter>|<YYYY-MM-DD>", one item per series,
//     counter and UTC day. Its attributes are the day's 5-minute slots that saw something, named
//     "s<HHMM>" (the slot's UTC start, "s0935" for 09:35–09:40), each a number; an absent slot of
//     a day that has an item is 0. So an item holds at most 288 numbers (under 5 KB), a day of a
//     counter is one read, and a year of one counter is 365 items read by one query per calendar
//     month (per year for ranges over about 13 months), about 1.5 MB at most.
//   - Exactly once: each Count is one TransactWriteItems of a marker (kind "ivlmark", id
//     "<event id>|<queue>|<channel>", created only if absent, TTL MarkerTTL) and one ADD per
//     counter item touched (store.IncrOp, which creates the item on its first add). A redelivered
//     event finds its marker and adds nothing; concurrent adds never lose one (ADD is atomic, and a
//     transaction cancelled by a concurrent one is retried whole).
//   - Series ref: kind "ivlref", id "<queue>|<channel>", which Refs lists; its "first" is the UTC
//     start of the earliest 5-minute slot ever counted in the series. Count writes it before its
//     transaction, outside it, and only when it counts a slot before the recorded one (a
//     conditional create for the series' first count, else a versioned put that only moves it
//     earlier); each process remembers the recorded slots in a small bounded cache, so the ref is
//     read once per process and series and is never a hot item the counting transactions share.
//   - History: kind "ivlhist", id "<import id>|<queue>|<channel>|<YYYY-MM-DD>", one item per
//     imported series and UTC day, attributes "s<HHMM>" at the series' own step (5 to 60 minutes);
//     inside the series' range an absent slot is an interval the tenant marked as not observed.
//     An import writes all its chunks under a new import id (recorded first as kind "ivlimport"),
//     then switches the tenant's head (kind "ivlhead", id "history": which import holds each
//     series, with its step and range) with one conditional write. Readers follow the head, so
//     they see the old history or the complete new one, never a part. Chunks that no head names
//     (a replaced series, an import that failed before its switch) are deleted after the switch
//     and, should that fail, by the next import.
//
// # Limits
//
// A tenant's live counters share one partition key (store's "T#<tenant>#ivl"), and all the events
// of a queue's day add to one item per counter. DynamoDB takes about 1,000 write units a second
// per partition key and a transactional write costs two, so a tenant's counting tops out at a few
// hundred events a second; concurrent transactions on one item are cancelled and tried again
// (countTries), so the stream consumer's concurrency per tenant, not the table, is what keeps
// conflicts rare. Measured against the emulators: importing a year of 30-minute history (17,520
// rows, 366 items) takes under a second, and reading it back about 0.15 s at 30 minutes or 5
// minutes, 0.08 s at a day.
//
// # Reading
//
// Series reads a counter over [from, to) at any step that is a multiple of 5 minutes. Live counts
// cover every slot from the series' first counted 5-minute slot (its ref's "first") up to now
// (slots with no count are 0); every instant before that slot, also earlier on the same UTC day,
// is imported history's (Offered only: the CSV's count is the volume offered). A history interval
// that live counting starts inside gives the share of its count before that slot.
// Data coarser or finer than the step, or on another grid (6 minutes), is shared out by time:
// a source interval adds to each output interval in proportion to their overlap, so an hour of 60
// spread to 5-minute steps gives 5 per slot. An output interval not fully covered by observed
// data (no data, a slot marked not observed, a slot after now) is missing (NaN).
package intervals
