package sentiment

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sync"
)

//go:embed seed/*.tsv
var seedFiles embed.FS

// seedOptions train the default model: the seed corpus is small, so a
// larger C fits it more closely than the defaults tuned on large datasets.
var seedOptions = Options{C: 1}

var defaultModel = sync.OnceValue(func() *Model {
	m, err := Train(Seed(), seedOptions)
	if err != nil {
		// The seed corpus is embedded and checked by the tests.
		panic(fmt.Sprintf("sentiment: default model: %v", err))
	}
	return m
})

// Default returns the default model, trained once per process from the
// seed corpus the project wrote (seed/*.tsv, CC0) and from nothing else.
func Default() *Model { return defaultModel() }

// Seed returns the examples of the seed corpus, Chinese and English.
func Seed() []Example {
	names, err := fs.Glob(seedFiles, "seed/*.tsv")
	if err != nil {
		panic(err)
	}
	var out []Example
	for _, name := range names {
		f, err := seedFiles.Open(name)
		if err != nil {
			panic(err)
		}
		ex, err := ReadSemEval(f)
		f.Close()
		if err != nil {
			panic(fmt.Sprintf("sentiment: seed %s: %v", name, err))
		}
		out = append(out, ex...)
	}
	return out
}

// TenantWeight is how much one of a tenant's labelled examples counts
// against one example of the base corpus in TrainTenant.
const TenantWeight = 2

// TrainTenant trains a tenant's model from the base corpus (nil: the seed
// corpus) merged with the tenant's own labelled messages, each weighted
// TenantWeight unless it carries a weight of its own. A tenant's labels
// come from surveys: LabelFromCSAT applied to the CSAT of a contact labels
// the customer's messages of that contact.
//
// Retraining is a batch job: collect the tenant's labelled messages (for
// example the last 90 days of contacts with a survey answer), call
// TrainTenant, and keep the model's MarshalBinary bytes where the service
// loads its models; a new model replaces the old one only once trained.
func TrainTenant(ctx context.Context, base, labelled []Example, opt Options) (*Model, error) {
	if base == nil {
		base = Seed()
	}
	all := make([]Example, 0, len(base)+len(labelled))
	all = append(all, base...)
	for _, ex := range labelled {
		if ex.Weight <= 0 {
			ex.Weight = TenantWeight
		}
		all = append(all, ex)
	}
	if opt == (Options{}) {
		opt = seedOptions
	}
	return TrainContext(ctx, all, opt)
}
