package webhooks

import (
	"strings"
	"testing"
	"time"
)

// FuzzVerifyAt: any headers and body are answered with nil or one of the two errors, and only a
// header holding the right signature passes.
func FuzzVerifyAt(f *testing.F) {
	f.Add("1800000000", "v1=00", []byte(`{}`))
	f.Add("1800000000", "v1=,v1=zz, v0=1", []byte(""))
	f.Add("-1", "", []byte("x"))
	secret := []byte("s")
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, ts, header string, body []byte) {
		err := VerifyAt([][]byte{secret}, ts, header, body, now, time.Hour)
		if err == nil {
			if !strings.Contains(strings.ToLower(header), Sign(secret, ts, body)) {
				t.Fatalf("accepted %q for %q", header, body)
			}
		}
	})
}
