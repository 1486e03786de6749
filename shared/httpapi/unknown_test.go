package httpapi

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

type unknownInner struct {
	Text map[string]string `json:"text"`
}

type unknownBody struct {
	unknownEmbedded
	Name  string                  `json:"name"`
	Steps []unknownInner          `json:"steps"`
	ByID  map[string]unknownInner `json:"by_id"`
	Raw   json.RawMessage         `json:"raw"`
	Any   any                     `json:"any"`
}

type unknownEmbedded struct {
	Queue string `json:"queue"`
}

// Regression (issue 8, "only the first unknown field is reported although the README promises
// every bad field"): every unknown field comes back, each with its pointer, at any depth and with
// names in any language.
func TestEveryUnknownFieldIsReported(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		want []string
	}{
		"en": {`{"tenant":"b","name":"x","nmae":"y","queue":"q","steps":[{"text":{}},{"txt":1,"text":{}}],"by_id":{"a":{"tekst":1}},"raw":{"anything":1},"any":{"goes":1}}`,
			[]string{"/tenant", "/nmae", "/steps/1/txt", "/by_id/a/tekst"}},
		"zh": {`{"名字":"客服","name":"x","队列":"q","steps":[{"文本":{}}]}`,
			[]string{"/名字", "/队列", "/steps/0/文本"}},
		"case-insensitive like encoding/json": {`{"NAME":"x","Queue":"q"}`, nil},
	} {
		t.Run(name, func(t *testing.T) {
			var b unknownBody
			err := decodeStrict([]byte(tc.body), &b)
			var got []string
			var ae *Error
			if errors.As(err, &ae) {
				for _, f := range ae.Fields {
					if f.Reason != "unknown field" {
						t.Fatalf("reason %q", f.Reason)
					}
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("unknown fields %q, want %q", got, tc.want)
			}
		})
	}
}
