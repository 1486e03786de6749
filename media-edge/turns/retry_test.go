package turns

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/lingxi/lingxi/shared/tenant"
)

// A turn is retried only when the function surely did not run: a throttled invocation is sent
// again, one that failed with a server error (the turn may have run) is not. The real SDK client
// talks to a loopback server that answers the first request as the case says and the next ones
// with a reply.
func TestRetriesOnlyWhatDidNotRun(t *testing.T) {
	acme, _ := tenant.Parse("acme")
	cases := map[string]struct {
		status   int
		code     string
		requests int64
		ok       bool
	}{
		"throttled":         {http.StatusTooManyRequests, "TooManyRequestsException", 2, true},
		"service exception": {http.StatusInternalServerError, "ServiceException", 1, false},
		"bad gateway":       {http.StatusBadGateway, "", 1, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if n.Add(1) == 1 {
					if c.code != "" {
						w.Header().Set("X-Amzn-ErrorType", c.code)
					}
					w.WriteHeader(c.status)
					io.WriteString(w, `{"message":"no"}`)
					return
				}
				io.WriteString(w, `{"conversation_id":"v1","actions":[{"type":"hangup"}],"state":"ended"}`)
			}))
			defer srv.Close()
			cl := lambda.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
				Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
			r, err := New(cl, "chat").Turn(context.Background(), acme, Input{CallID: "c1", DTMF: "1"})
			if got := n.Load(); got != c.requests {
				t.Fatalf("%d requests, want %d (err %v)", got, c.requests, err)
			}
			var api smithy.APIError
			switch {
			case c.ok && (err != nil || r.State != StateEnded):
				t.Fatalf("%+v %v", r, err)
			case !c.ok && err == nil:
				t.Fatal("no error")
			case !c.ok && c.code != "" && (!errors.As(err, &api) || api.ErrorCode() != c.code):
				t.Fatalf("error %v", err)
			}
		})
	}
}
