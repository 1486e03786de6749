package modelstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/nlu"
)

// EvaluationMethod says how Build's evaluation holds examples out.
const EvaluationMethod = "3-fold stratified cross-validation (out-of-fold predictions of the calibrated model)"

// calibrationFolds is the cross-validation that both calibrates the classifier and yields the
// evaluation report, so the report costs no extra training.
const calibrationFolds = 3

// UntrainableError says why a tenant's configuration cannot be trained: every problem found, each
// pointing at the intent, article or limit at fault ("/intents/refund/examples").
type UntrainableError struct {
	Problems botconfig.Problems
}

func (e *UntrainableError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Field + ": " + p.Reason
	}
	return "modelstore: cannot train: " + strings.Join(msgs, "; ")
}

// CheckTrainable reports what keeps intents and articles from being trained within the limits in
// botconfig (MinTrainingIntents … MaxTrainingArticles), or nil.
func CheckTrainable(intents []botconfig.Intent, articles []botconfig.Article) *UntrainableError {
	var p botconfig.Problems
	inScope, examples := 0, 0
	for _, in := range intents {
		examples += len(in.Examples)
		if len(in.Examples) < botconfig.MinTrainingExamples {
			p.Add("/intents/"+in.ID+"/examples", "has %d example(s); training needs at least %d per intent",
				len(in.Examples), botconfig.MinTrainingExamples)
			continue
		}
		if in.ID != botconfig.OutOfScopeIntent {
			inScope++
		}
	}
	if inScope < botconfig.MinTrainingIntents {
		p.Add("/intents", "training needs at least %d intents (other than %q) with at least %d examples each; there are %d",
			botconfig.MinTrainingIntents, botconfig.OutOfScopeIntent, botconfig.MinTrainingExamples, inScope)
	}
	if len(intents) > botconfig.MaxTrainingIntents {
		p.Add("/intents", "%d intents; training takes at most %d", len(intents), botconfig.MaxTrainingIntents)
	}
	if examples > botconfig.MaxTrainingExamples {
		p.Add("/intents", "%d examples over all intents; training takes at most %d", examples, botconfig.MaxTrainingExamples)
	}
	if w := examples * len(intents); examples <= botconfig.MaxTrainingExamples && w > botconfig.MaxTrainingWork {
		p.Add("/intents", "%d examples × %d intents = %d; training takes at most %d (fewer intents or fewer examples)",
			examples, len(intents), w, botconfig.MaxTrainingWork)
	}
	if len(articles) > botconfig.MaxTrainingArticles {
		p.Add("/articles", "%d articles; the knowledge-base index takes at most %d", len(articles), botconfig.MaxTrainingArticles)
	}
	if len(p) == 0 {
		return nil
	}
	return &UntrainableError{Problems: p}
}

// BuildOption changes how Build trains.
type BuildOption func(*buildOptions)

type buildOptions struct {
	progress func(nlu.Progress)
}

// WithProgress has Build call f as the classifier's training advances (from several goroutines at
// once: f must be safe for concurrent use, and quick).
func WithProgress(f func(nlu.Progress)) BuildOption {
	return func(o *buildOptions) { o.progress = f }
}

// Build trains a bundle for tenant at version: the intent classifier on every intent's examples
// (an intent's id is its label; botconfig.OutOfScopeIntent's examples train the out-of-scope
// class) and the BM25 index on every article's question variants. Articles are indexed whatever
// their validity period: the chat function filters by validity when it answers, so an article
// comes into force without retraining. The evaluation is the cross-validation that calibrates the
// classifier. A configuration that cannot be trained is an *UntrainableError. WithProgress follows
// the classifier's training as it goes.
func Build(tenant, version string, createdAt time.Time, intents []botconfig.Intent, articles []botconfig.Article, opts ...BuildOption) (*Bundle, botconfig.Evaluation, error) {
	var bo buildOptions
	for _, o := range opts {
		o(&bo)
	}
	if err := CheckTrainable(intents, articles); err != nil {
		return nil, botconfig.Evaluation{}, err
	}
	var examples []nlu.Example
	for _, in := range intents {
		for _, text := range in.Examples {
			examples = append(examples, nlu.Example{Text: text, Intent: in.ID})
		}
	}
	examples = append(examples, articleExamples(len(intents), len(examples), articles)...)
	m, err := nlu.Train(examples, nlu.Options{CalibrationFolds: calibrationFolds, Seed: 1, Progress: bo.progress})
	if err != nil {
		return nil, botconfig.Evaluation{}, fmt.Errorf("train intents: %w", err)
	}
	x := nlu.NewIndex()
	for _, a := range articles {
		for _, q := range a.Questions {
			if err := x.Add(a.ID, q); err != nil {
				return nil, botconfig.Evaluation{}, fmt.Errorf("index article %s: %w", a.ID, err)
			}
		}
	}
	var eval botconfig.Evaluation
	if r := m.Validation(); r != nil {
		eval = botconfig.EvaluationFrom(*r, EvaluationMethod)
	}
	b := &Bundle{Tenant: tenant, Version: version, CreatedAt: createdAt.UTC(), Model: m, Index: x}
	return b, eval, nil
}

// articleExamples trains articles as classes too: on a tenant's small data a classifier that knows
// only the intents is sure of one of them for every FAQ question; knowing the articles, it picks
// the FAQ. A knowledge base too large for that within the training budget (examples, and examples
// × classes) is left to BM25 retrieval alone.
func articleExamples(intents, intentExamples int, articles []botconfig.Article) []nlu.Example {
	questions := 0
	for _, a := range articles {
		questions += len(a.Questions)
	}
	total, classes := intentExamples+questions, intents+len(articles)
	if total > botconfig.MaxTrainingExamples || total*classes > botconfig.MaxTrainingWork {
		return nil
	}
	out := make([]nlu.Example, 0, questions)
	for _, a := range articles {
		for _, q := range a.Questions {
			out = append(out, nlu.Example{Text: q, Intent: botconfig.ArticleClass + a.ID})
		}
	}
	return out
}
