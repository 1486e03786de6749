package handler

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
)

// FuzzParseCSV feeds the CSV import parser arbitrary bytes (seeds: the kept corpus in
// testdata/fuzz/FuzzParseCSV). Invariants: it never panics; every failure is a caller-facing
// problem (never an internal error); on success every item has its texts, each from a row, and
// problems about any field of any item translate to rows without panicking.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("type,id,text,answer_en\nintent,a,hello,hi\nintent,a,hey,\narticle,b,q?,yes\n"))
	f.Add([]byte("\ufefftype,id,text,tags,valid_from\narticle,b,\"multi\nline\",x|y,2025-01-01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, src, err := parseCSV(data)
		if err != nil {
			if _, ok := errors.AsType[*httpapi.Error](err); !ok {
				t.Fatalf("internal error for caller input: %v", err)
			}
			return
		}
		if len(src.intents) != len(doc.Intents) || len(src.articles) != len(doc.Articles) {
			t.Fatal("provenance does not match the items")
		}
		var probs botconfig.Problems
		for i, it := range src.intents {
			if len(it.texts) != len(doc.Intents[i].Examples) || len(it.textRows) != len(it.texts) {
				t.Fatalf("intent %d: %d texts from %d rows", i, len(it.texts), len(it.textRows))
			}
			for _, field := range []string{"", "/id", "/examples", "/examples/0", "/examples/99", "/answer/zh", "/flow", "/x/y"} {
				probs = append(probs, botconfig.FieldError{Field: fmt.Sprintf("/intents/%d%s", i, field)})
			}
		}
		for i := range src.articles {
			for _, field := range []string{"/questions/0", "/channel_answers/voice/en", "/channel_answers", "/tags/3"} {
				probs = append(probs, botconfig.FieldError{Field: fmt.Sprintf("/articles/%d%s", i, field)})
			}
		}
		probs = append(probs, botconfig.FieldError{Field: "/intents/x"}, botconfig.FieldError{Field: "/articles/999999"})
		if got := src.translate(probs); len(got) != len(probs) {
			t.Fatalf("translate kept %d of %d problems", len(got), len(probs))
		}
	})
}
