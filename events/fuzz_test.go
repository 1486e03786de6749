package events

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode feeds Decode arbitrary bytes. Seeds: every example (added here, so new examples are
// seeds too) and the kept corpus in testdata/fuzz/FuzzDecode (examples and broken envelopes).
// Invariants: Decode never panics; every error wraps exactly one sentinel; an accepted event passes
// Validate, re-encodes and decodes to the same event, and its payload decodes into its Go type.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("examples/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 || errors.Is(err, ErrTypeMismatch) {
				t.Fatalf("Decode error %q wraps %d sentinels", err, n)
			}
			return
		}
		if err := Validate(e); err != nil {
			t.Fatalf("Decode accepted an event that Validate rejects: %v", err)
		}
		if _, err := e.TenantID(); err != nil {
			t.Fatalf("TenantID of a decoded event: %v", err)
		}
		out, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("encode a decoded event: %v", err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode(encode(Decode(b))): %v\n%s", err, out)
		}
		if !sameEnvelope(e, again) {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", e, again)
		}
		ent := registry[e.Type]
		if err := decodeData(e.Type, ent, e.Data, reflect.New(ent.goType).Interface()); err != nil {
			t.Fatalf("payload of a decoded event: %v", err)
		}
	})
}
