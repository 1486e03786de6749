package canned

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// A canned-response body is untrusted: whatever the decoder lets through, Check either refuses
// it or Apply makes a response within the limits.
func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		`{"title":"Hi","text":"Hello\nthere","language":"en","tags":["a"]}`,
		`{"title":"","text":"x"}`,
		`{"language":"fr","tags":["a","A"]}`,
		`{"tags":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var p Patch
		if httpapi.DecodeStrictJSON(body, &p) != nil || len(httpapi.CheckText(p)) > 0 || len(p.Check(true)) > 0 {
			return
		}
		r := p.Apply(Response{ID: "cr_AAAAAAAAAAAA"}, time.Unix(0, 0))
		if n := utf8.RuneCountInString(r.Title); n == 0 || n > MaxTitleLen {
			t.Fatalf("title %q", r.Title)
		}
		if n := utf8.RuneCountInString(r.Text); n == 0 || n > MaxTextLen || len(r.Tags) > MaxTags {
			t.Fatalf("text or tags out of bounds: %+v", r)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}
