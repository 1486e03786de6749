// Package nlu is Lingxi's natural-language-understanding engine: an intent
// classifier and a knowledge-base retriever that are trained per tenant from
// the tenant's own examples, by code in this package. Nothing is downloaded
// and no pretrained model is used.
//
// The pieces:
//
//   - Features (features.go, vectorizer.go): text is normalised (case,
//     full-width forms), split into Latin-script words and runs of scripts
//     written without spaces (Chinese, Japanese, Thai…). Words give word
//     unigrams and bigrams plus character 2–5-grams inside word boundaries,
//     so typos still share most features; CJK runs give character uni-, bi-
//     and trigrams, so Chinese needs no word list. Features are hashed to 64
//     bits, kept when seen in training, and weighted TF-IDF style
//     (sublinear tf, smoothed idf, l2 normalisation per feature group).
//   - Classifier (svm.go, softmax.go, mlp.go): one-vs-rest linear SVMs
//     (squared hinge, l2 regularised) trained by dual coordinate descent
//     with shrinking, the algorithm of LIBLINEAR, plus half the scores of a
//     multinomial logistic regression trained by SGD (the sum of two linear
//     models is one linear model, so this costs nothing at prediction),
//     plus the log-probabilities of a small one-hidden-layer network over
//     the same sparse features, with a weight chosen on held-out data (0
//     drops it). Training is deterministic for a given seed.
//   - Calibration (calibrate.go): out-of-fold scores from an internal
//     cross-validation fit a softmax temperature (minimum log loss) and pick
//     the out-of-scope threshold. Examples labelled OutOfScopeLabel ("oos")
//     are learnt as an explicit class as well.
//   - Retrieval (bm25.go): an Okapi BM25 index over knowledge-base question
//     variants, returning article ids.
//   - Engine (engine.go) combines both, so an FAQ can be answered without
//     a trained intent.
//   - Evaluate (evaluate.go) reports accuracy, macro-F1, per-intent
//     precision/recall, the most confused pairs and out-of-scope figures.
//
// A Model serialises with Marshal and loads back with Unmarshal, predicting
// identically (weights are rounded to half precision when trained and
// stored as such); the bytes carry FormatVersion and Model.Version names the
// content.
//
// The defaults were chosen by cross-validation on the BANKING77 and CLINC150
// training files only (infra/bench/tune); infra/bench compares the result
// with fastText and scikit-learn and writes BENCH.md.
package nlu
