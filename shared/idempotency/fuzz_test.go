package idempotency

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzWithoutSecrets: whatever the document and pointer, removal never panics, keeps the document
// JSON, and what it reports removed is gone.
func FuzzWithoutSecrets(f *testing.F) {
	f.Add(`{"id":"k1","key":"s"}`, "/key")
	f.Add(`{"api_key":{"id":"k1","key":"s"}}`, "/api_key/key")
	f.Add(`{"a/b":{"c~d":1}}`, "/a~1b/c~0d")
	f.Add(`{"keys":[{"key":"s"}]}`, "/keys/0/key")
	f.Add(`[1,2,3]`, "/1")
	f.Add(`"just a string"`, "/")
	f.Add(`{"":{"":1}}`, "//")
	f.Fuzz(func(t *testing.T, doc, pointer string) {
		if !json.Valid([]byte(doc)) {
			return
		}
		out, omitted, err := withoutSecrets([]byte(doc), []string{pointer})
		if err != nil {
			t.Fatalf("valid JSON %q: %v", doc, err)
		}
		if !json.Valid(out) {
			t.Fatalf("%q without %q is not JSON: %q", doc, pointer, out)
		}
		if len(omitted) > 0 {
			again, more, err := withoutSecrets(out, []string{pointer})
			if err != nil || len(more) > 0 || string(again) != string(out) {
				t.Fatalf("%q still holds %q after removal: %q", out, pointer, strings.Join(more, ","))
			}
		}
	})
}
