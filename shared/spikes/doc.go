// Package spikes finds a rise in a topic's contact volume against a seasonal baseline within
// minutes, with very few false alarms (issue 13, item 4). A topic is any counted key: an intent,
// an emerging topic, a queue, a negative-sentiment share.
//
//   - config.go: Config, its defaults and Validate.
//   - baseline.go: Learn, the expectation per topic and weekday × time-of-day slot in the tenant's
//     zone (a trimmed mean of the same slot over the past weeks, shrunk towards the neighbouring
//     slots or the topic's time of day when the history is thin, never below a floor), and the
//     topic's overdispersion; WithExpected lets a forecast replace it.
//   - detect.go: Check, the stateless decision on one topic's recent intervals; Calm, the rule
//     that closes an open alert; and Scan, the loop over a file in time order that keeps one open
//     alert per topic.
//   - nbinom.go: the negative-binomial upper tail the score is made of.
//   - read.go: ReadCounts, the `interval_start,topic,count` files of `lingxi voc spikes`.
//
// # The score
//
// Counts per interval are taken as negative binomial around the baseline, with a variance of
// μ + αμ² (α fitted per topic from its history: real contact counts are overdispersed, mostly by
// a level shared by a whole day). For each window made of the last k intervals (k = 1 … Window,
// the current one possibly partial, its expectation scaled by the share elapsed), the score is
// −log10 P(X ≥ observed) for the window's sum under NB(Σμ, α). An alert needs the best window's
// score ≥ Threshold, at least MinCount contacts in it, and at least MinRatio times its
// expectation: a tiny topic never alarms on 1 → 3, and a large one not on a busy day's +20%.
// Onset is the first interval of that window above its expectation.
//
// A learned Baseline is read only: Expected, Check and Scan are safe for concurrent use.
package spikes
