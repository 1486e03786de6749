package nlu

// DefaultMinMatch is the least Hit.Match of an article that answers a message, unless a caller
// sets its own: the one article threshold of the engine and the bot (shared/conversation).
const DefaultMinMatch = 0.5

// Engine answers a message with an intent from a trained Model and with
// knowledge-base articles from an Index. Either may be nil: a tenant with
// only FAQ articles gets answers from retrieval alone.
type Engine struct {
	Model *Model
	Index *Index
	// MaxArticles is how many articles Understand returns (default 3).
	MaxArticles int
	// MinMatch is the least Hit.Match of the best article for it to answer
	// a message that no intent takes (default DefaultMinMatch).
	MinMatch float64
}

// Result is what the engine understood of one message.
type Result struct {
	Intent     string  // best intent, empty without a model
	Confidence float64 // calibrated probability of Intent
	OutOfScope bool    // no intent takes the message
	Articles   []Hit   // best knowledge-base articles, best first
	// Answer is the article that answers the message when it is out of
	// scope for the intents but its best article matches well enough.
	Answer string
}

// Understand classifies text and retrieves articles for it.
func (e *Engine) Understand(text string) Result {
	r := Result{OutOfScope: true}
	if e.Model != nil {
		p := e.Model.Predict(text)
		r.Intent, r.Confidence, r.OutOfScope = p.Intent, p.Confidence, p.OutOfScope
	}
	if e.Index != nil {
		k := e.MaxArticles
		if k <= 0 {
			k = 3
		}
		r.Articles = e.Index.Search(text, k)
		minMatch := e.MinMatch
		if minMatch <= 0 {
			minMatch = DefaultMinMatch
		}
		if r.OutOfScope && len(r.Articles) > 0 && r.Articles[0].Match >= minMatch {
			r.Answer = r.Articles[0].ArticleID
		}
	}
	return r
}
