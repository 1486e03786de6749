// Package sentiment reads the polarity (negative, neutral, positive) and
// the emotion of a customer's message, Chinese, English or mixed, with a
// model trained by this package's own code: nothing is downloaded and no
// pretrained model is used.
//
// The pieces:
//
//   - Features (features.go, vectorizer.go): text is normalised (case,
//     full-width forms, elongations "soooo" → "soo") and split into Latin
//     words, CJK runs, symbols (emoji, ASCII emoticons, ! and ?) and clause
//     breaks; URLs and @mentions become one placeholder word each. Latin
//     words give word uni- and bigrams and character 2–5-grams; CJK runs
//     give character 1–3-grams, so Chinese needs no word list. Negation: the
//     three Latin words after a negator (not, never, no, n't forms…) and the
//     CJK uni/bigrams starting within three characters after 不/没/无/未/
//     别/非… are also counted as negated features, so "not good" and
//     "不满意" share what they learn with "never good" and "不方便"; scopes
//     end at punctuation. Features are hashed to 64 bits, kept when seen in
//     training, and weighted by sublinear TF-IDF, l2-normalised per group.
//   - Classifier (model.go, svm.go): per class against the rest, an NB-SVM
//     (Wang & Manning 2012: features scaled by the class's naive-Bayes
//     log-count ratios, then a squared-hinge SVM by dual coordinate descent,
//     LIBLINEAR's algorithm) plus a plain SVM over the unscaled features
//     (Options.PlainWeight); both are linear, so they fold into one weight
//     matrix and prediction is one sparse dot product per class. Classes are
//     weighted n/(k·n_class). Data without neutral examples gives a binary
//     model. Result.Score is P(positive) − P(negative) from a softmax of the
//     decision values (Options.Beta).
//   - Emotion (emotion.go): a bilingual lexicon of cues for anger, anxiety,
//     disappointment and gratitude read together with the polarity; the
//     rules are in emotionOf's comment.
//   - Per contact (contact.go): Contact sums up the customer's messages of
//     a contact, the later half weighing twice.
//   - Default model (default.go): trained once per process from seed/*.tsv,
//     short customer-service messages the project wrote (CC0), and from
//     nothing else: ChnSentiCorp's and SemEval's licences do not allow
//     shipping a model trained on them, so they are used for benchmarks only.
//   - Per tenant (default.go): TrainTenant merges a tenant's labelled
//     messages (LabelFromCSAT turns a contact's survey answer into a label
//     for the customer's messages of that contact) with the seed corpus.
//   - Data (read.go): ChnSentiCorp's text<TAB>0|1 and SemEval-2017 4A's TSV
//     (columns found by name), errors naming the line; evaluation
//     (evaluate.go): accuracy, macro recall (SemEval's official metric),
//     macro F1, per-label recall and the confusion counts.
//
// A Model serialises with MarshalBinary and loads with UnmarshalBinary,
// predicting identically. The defaults were chosen on folds of the
// ChnSentiCorp and SemEval training files only; infra/bench compares the
// result with fastText and scikit-learn and writes BENCH.md.
package sentiment
