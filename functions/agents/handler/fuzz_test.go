package handler

import (
	"encoding/json"
	"testing"
)

// Whatever a client sends, the answer is a JSON object with a type.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{`{"action":"ping"}`, `{"action":1}`, `[]`, `null`, `{"action":"ping","x":{}}`, "\xff"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, base64 bool) {
		b, err := json.Marshal(answer(body, base64))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil || m["type"] == "" {
			t.Fatalf("answer %s", b)
		}
	})
}
