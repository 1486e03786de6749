package handler

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

// The invocation decodes whatever arrives without panicking: a scheduled event runs every tenant,
// a valid tenant runs that one, anything else is an error that runs nothing.
func FuzzInvoke(f *testing.F) {
	for _, s := range []string{scheduled, `{"tenant":"demo"}`, `{"tenant":""}`, `{"tenant":"UPPER"}`, `[]`, `null`, `{"tenant":7}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &runner{}
		_, err := New(r, slog.New(slog.DiscardHandler)).Invoke(context.Background(), json.RawMessage(b))
		if err != nil && (r.all > 0 || len(r.tenants) > 0) {
			t.Fatalf("%q: error %v after running (%d, %v)", b, err, r.all, r.tenants)
		}
		if err == nil && r.all+len(r.tenants) != 1 {
			t.Fatalf("%q: ran %d times and %v", b, r.all, r.tenants)
		}
	})
}
