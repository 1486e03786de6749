package nlu

import "errors"

var (
	errNoExamples   = errors.New("nlu: no training examples")
	errOneIntent    = errors.New("nlu: training needs at least two intents")
	errEmptyLabel   = errors.New("nlu: example without an intent")
	errBadModel     = errors.New("nlu: malformed model")
	errFormat       = errors.New("nlu: unsupported model format")
	errEmptyArticle = errors.New("nlu: article id is empty")
)

// ErrFormat reports model bytes written by an incompatible version; match
// it with errors.Is.
var ErrFormat = errFormat
