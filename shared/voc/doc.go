// Package voc is the voice of the customer's live part (docs/voc.md): what customers contact us
// about, counted per tenant and key in 5-minute intervals, spikes against a seasonal baseline, and
// the alerts they raise with their workflow. The feedback function (functions/feedback) drives it
// from the event stream; the api function serves the alerts (GET/POST /v1/voc/...).
//
// Files, one concern each:
//   - keys.go: the keys counted ("intent:<name>", "topic:<id>", "queue:<id>", "negative:<channel>"
//     and the per-channel total the negative share divides by) and their rules;
//   - counts.go: the interval counters (exactly once per event), the recent intervals, a key's
//     past weeks, the keys counted today, and the example messages kept per key;
//   - detect.go: the detector seam (Detector, Baseline) and Simple, the in-package detector;
//   - spikes.go: the spike part: after a batch, each key touched is checked against its baseline
//     (cached per tenant and key) and an alert raised when it spikes;
//   - alerts.go: the alert store and its workflow open → acknowledged → assigned → resolved, each
//     step committed with its event (alert.raised, alert.changed);
//   - errors.go: the sentinels.
//
// # Storage layout (one DynamoDB table, through shared/store)
//
//   - Counts: kind "vocn", id "<YYYY-MM-DD>|<key>" (UTC day), attributes "s<HHMM>" per 5-minute
//     slot with a count (shared/intervals' layout, keyed by VOC key instead of queue). Day first,
//     so the keys counted on a day are one Query.
//   - Exactly once: each counted event is one transaction of a marker (kind "vocmark", id the
//     event id, created only if absent, TTL MarkerTTL), the ADDs, and its example message (kind
//     "vocex", id "<key>|<time>|<event id>", TTL ExampleTTL). A redelivered event finds its marker
//     and adds nothing.
//   - Candidates: customer messages no topic took (kind "voccand", TTL ExampleTTL), for the
//     periodic clustering.
//   - Alerts: kind "vocalert", id the alert id ("al-" + a UUIDv7, so ids sort by time); the open
//     alert of a key: kind "vocopen", id the key, created only if absent in the raising
//     transaction and deleted in the resolving one: one open alert per tenant and key.
package voc
