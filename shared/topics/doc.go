// Package topics finds emerging topics among the messages the bot did not
// understand (or that only a catch-all intent caught), names them and
// tracks them over time. Chinese and English, from our own code: nothing is
// downloaded and no pretrained model is used.
//
// The pieces:
//
//   - Text (text.go): text is normalised (case, full-width forms) and split
//     into Latin-script words and runs of Chinese (and other scripts written
//     without spaces). English words lose stopwords and are lightly stemmed
//     ("arrived", "arrives" → "arriv") and give unigrams and bigrams of the
//     words that remain; Chinese runs give character 1–3-grams. Every term
//     keeps the surface form it was seen as, for naming.
//   - Vectors (vector.go): sublinear TF-IDF over the terms of one run,
//     l2-normalised; terms seen in one message only are dropped.
//   - Clustering (cluster.go): agglomerative clustering with average
//     linkage on cosine distance, by the nearest-neighbour chain algorithm
//     (O(n²) time and one n×n float32 matrix), cut where the mean pairwise
//     similarity of two merging clusters falls below Options.Threshold, so
//     the number of topics is not given in advance. Clusters smaller than
//     Options.MinSize are noise. Runs larger than Options.MaxMessages cluster
//     an even sample and attach the rest to the nearest topic. One k-means
//     step then moves each message to its nearest centroid.
//   - Naming (name.go): class-based TF-IDF (a phrase's share of a cluster's
//     messages against its frequency in all clusters); multi-character
//     Chinese phrases and English words and bigrams (pairs preferred),
//     with overlapping phrases folded into the longer one. A fragment grows to the words
//     that nearly always surround it in the cluster ("auto top" → "auto top
//     up"), function words at the ends are trimmed, and a Chinese character
//     bound to the outside in the whole run is dropped ("呗额度" → "额度").
//     Name is the top phrases joined; Examples are the messages nearest the
//     centroid.
//   - Tracking (track.go): a Tracker, a JSON-serialisable and bounded set of
//     known topics, matches each run's topics to the known ones by centroid
//     similarity (stable ids "t-1", "t-2", …), keeps first and last seen and
//     the size per period, and Assign gives a new message the nearest known
//     topic above a floor, for live counting between runs.
package topics
