package webhooks_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/webhooks"
)

// A partner's receiver checks every delivery before trusting it.
func ExampleVerify() {
	secret := "whsec_example" // shown once when the endpoint was created
	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if err := webhooks.Verify([]string{secret}, r.Header, body, 5*time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent) // any 2xx acknowledges the delivery
	})

	body := []byte(`{"id":"0190-…","type":"contact.created"}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	for _, sig := range []string{
		webhooks.Sign([]byte(secret), ts, body),
		webhooks.Sign([]byte("someone else's"), ts, body),
	} {
		req := httptest.NewRequest(http.MethodPost, "/lingxi", strings.NewReader(string(body)))
		req.Header.Set(webhooks.HeaderTimestamp, ts)
		req.Header.Set(webhooks.HeaderSignature, sig)
		rec := httptest.NewRecorder()
		receiver.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// 204
	// 401
}
