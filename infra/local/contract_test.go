package local

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/openapi/openapitest"
)

// contractClient is the HTTP client the end-to-end tests call the local stack with: every request
// sent through it and the answer the running product gave are checked against the OpenAPI contract
// (openapitest.Check, kin-openapi): a documented status, its body's schema and headers, and — when
// the product accepted it — a request the contract allows. A refused request, sent as bad input on
// purpose, has only its answer checked.
func contractClient(t testing.TB) *http.Client {
	return &http.Client{Transport: contractTransport{t: t, next: http.DefaultTransport}}
}

type contractTransport struct {
	t    testing.TB
	next http.RoundTripper
}

func (c contractTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var reqBody []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := c.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	req := events.APIGatewayV2HTTPRequest{
		RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Headers: first(r.Header), Body: string(reqBody),
	}
	req.RequestContext.HTTP.Method = r.Method
	req.RequestContext.HTTP.Path = r.URL.Path
	openapitest.Check(c.t, req, events.APIGatewayV2HTTPResponse{
		StatusCode: resp.StatusCode, Headers: first(resp.Header), Body: string(respBody),
	})
	return resp, nil
}

// first keeps each header's first value, as API Gateway's events carry them.
func first(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for k, v := range h {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return m
}

// The checker itself: an answer the contract documents passes, one it does not fails the test.
func TestContractClientChecks(t *testing.T) {
	for _, tc := range []struct {
		path   string
		status int
		body   string
		fails  bool
	}{
		{"/v1/nowhere", 404, `{"type":"urn:lingxi:problem:no-route","title":"Not Found","status":404}`, false},
		{"/v1/tenant", http.StatusTeapot, `{}`, true},
	} {
		rec := &recorder{TB: t}
		c := &http.Client{Transport: contractTransport{t: rec, next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: tc.status, Header: http.Header{"Content-Type": {"application/problem+json"}},
				Body: io.NopCloser(bytes.NewBufferString(tc.body)), Request: r}, nil
		})}}
		resp, err := c.Get("http://127.0.0.1:1" + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(resp.Body); string(b) != tc.body {
			t.Errorf("%s: the caller read %q, want the answer's body %q", tc.path, b, tc.body)
		}
		if rec.failed != tc.fails {
			t.Errorf("%s → %d: check failed = %v, want %v (%s)", tc.path, tc.status, rec.failed, tc.fails, rec.msg)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// recorder is a testing.TB that notes a failure instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}
