package httpapi_test

import (
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// The fields a refused chat turn carries (docs/limits.md shows the same).
func ExampleRateDecision_Headers() {
	d := httpapi.RateDecision{Quota: 20, Window: time.Second, Burst: 40, Reset: 1900 * time.Millisecond, RetryAfter: 50 * time.Millisecond}
	h := d.Headers(httpapi.RateChat)
	for _, k := range []string{"RateLimit-Policy", "RateLimit", "Retry-After"} {
		fmt.Printf("%s: %s\n", k, h[k])
	}
	// Output:
	// RateLimit-Policy: "chat";q=20;w=1;burst=40
	// RateLimit: "chat";r=0;t=2
	// Retry-After: 1
}
