package handler

import (
	"errors"
	"testing"

	"github.com/lingxi/lingxi/shared/botconfig"
)

// ParseMessage takes any queue body without panicking, and accepts only a valid tenant and job id;
// everything it refuses is to be dropped, not retried.
func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		`{"tenant":"acme","job":"20250603T101304.882Z-4f9a1c07"}`,
		`{"tenant":"acme","job":"../x"}`,
		`{"tenant":"ACME","job":"20250603T101304.882Z-4f9a1c07"}`,
		`{"tenant":"acme","job":"20250603T101304.882Z-4f9a1c07","extra":1}`,
		`{}`, `null`, `[]`, ``, "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		ten, job, err := ParseMessage(body)
		if err != nil {
			if !errors.Is(err, errDrop) {
				t.Fatalf("refusal %v is not marked to drop", err)
			}
			return
		}
		if ten.IsZero() || !botconfig.ValidJobID(job) {
			t.Fatalf("accepted %q as %v/%q", body, ten, job)
		}
	})
}
