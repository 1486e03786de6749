// Package stream moves Lingxi's events on and off the Kinesis stream (DESIGN.md §2, §4).
//
// A Publisher writes envelopes with PutRecords: batched within the service limits, partitioned by
// tenant and subject, retrying only the records a response reports as failed, and by default never
// letting a retried record land behind a later event of the same subject.
//
// A Consumer is the body of a Kinesis-triggered Lambda. It decodes each record strictly, takes the
// tenant from the envelope, runs the function's per-event Handler at most once per event id (claims
// and completions go through an Idempotency store) and reports partial batch failures, so one bad
// record never fails or blocks the whole batch.
package stream
