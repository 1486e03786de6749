// Package openapitest checks, in tests, that real requests and responses conform to the contract
// (shared/openapi's openapi.json), with kin-openapi's openapi3filter. The handler tests call Check
// from the helper every request goes through, so each end-to-end test is also a conformance test.
package openapitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/lingxi/lingxi/shared/openapi"
)

var (
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	setup  error
)

func load() (routers.Router, error) {
	once.Do(func() {
		var err error
		if doc, err = openapi3.NewLoader().LoadFromData(openapi.JSON()); err != nil {
			setup = err
			return
		}
		doc.Servers = nil // match paths wherever the test serves them
		// Binary answers (a report's HTML or PDF) are checked as files: their media type, not a schema.
		for _, mt := range []string{"text/html", "application/pdf"} {
			if openapi3filter.RegisteredBodyDecoder(mt) == nil {
				openapi3filter.RegisterBodyDecoder(mt, openapi3filter.FileBodyDecoder)
			}
		}
		if err := doc.Validate(context.Background()); err != nil {
			setup = err
			return
		}
		router, setup = legacy.NewRouter(doc)
	})
	return router, setup
}

// seen records the (route, status) pairs Validate has checked, for Uncovered.
var seen = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

// Check fails t unless resp, the answer to req, is what the contract says req's operation
// answers: a documented status, its body's schema, its required headers. The request is checked
// too when it succeeded (a 2xx): a request the handler accepted must be one the contract allows.
// A refused request is not checked, since tests send bad requests on purpose; its answer is.
func Check(t testing.TB, req events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if err := Validate(req, resp); err != nil {
		t.Errorf("OpenAPI contract: %s %s → %d: %v", req.RequestContext.HTTP.Method, path(req), resp.StatusCode, err)
	}
}

// Validate is Check's verdict: nil when req and resp conform.
func Validate(req events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) error {
	rt, err := load()
	if err != nil {
		return err
	}
	hreq, err := httpRequest(req)
	if err != nil {
		return err
	}
	route, params, err := rt.FindRoute(hreq)
	if err != nil {
		if resp.StatusCode == http.StatusNotFound && strings.Contains(resp.Body, "urn:lingxi:problem:no-route") {
			return nil // not a route: the router's 404, as documented in the info
		}
		return fmt.Errorf("%w: a route the contract does not describe? Add its Operation to its handler package's Contract() and run go test ./shared/openapi -update", err)
	}
	seen.Lock()
	seen.m[route.Method+" "+route.Path+" "+strconv.Itoa(resp.StatusCode)] = true
	seen.Unlock()
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: hreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			return errors.Join(errors.New("the handler accepted a request the contract does not allow"), err)
		}
	}
	h := http.Header{}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return err
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: h,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	return openapi3filter.ValidateResponse(ctx, out)
}

func path(req events.APIGatewayV2HTTPRequest) string {
	if req.RawPath != "" {
		return req.RawPath
	}
	return req.RequestContext.HTTP.Path
}

// httpRequest rebuilds the HTTP request API Gateway turned into req.
func httpRequest(req events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	u := &url.URL{Scheme: "http", Host: "lingxi.test", Path: path(req)}
	if req.RawQueryString != "" {
		u.RawQuery = req.RawQueryString
	} else if len(req.QueryStringParameters) > 0 {
		q := url.Values{}
		for k, v := range req.QueryStringParameters {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	method := req.RequestContext.HTTP.Method
	hreq, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	return hreq, nil
}

// Uncovered returns the success answers ("PUT /v1/intents/{id} 201") of routes that the checks
// so far never saw, for the given route keys: a documented status no test produces. Problem
// statuses are not counted; many (500, 503) only a fault produces.
func Uncovered(routes []string) []string {
	if _, err := load(); err != nil {
		return []string{err.Error()}
	}
	seen.Lock()
	defer seen.Unlock()
	var out []string
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil {
			out = append(out, r+": not in the contract")
			continue
		}
		for status := range item.GetOperation(method).Responses.Map() {
			if n, err := strconv.Atoi(status); err == nil && n < 400 && !seen.m[r+" "+status] {
				out = append(out, r+" "+status)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Main runs a handler package's tests (call it from TestMain) and then, when every test ran and
// passed, fails the run if a success answer the contract documents for routes was never seen.
// A run narrowed with -run or -skip, or -short, checks nothing more.
func Main(m *testing.M, routes []string) int {
	code := m.Run()
	narrowed := testing.Short()
	for _, f := range []string{"test.run", "test.skip"} {
		if fl := flag.Lookup(f); fl != nil && fl.Value.String() != "" {
			narrowed = true
		}
	}
	seen.Lock()
	none := len(seen.m) == 0 // every test skipped
	seen.Unlock()
	if code != 0 || narrowed || none {
		return code
	}
	if miss := Uncovered(routes); len(miss) > 0 {
		fmt.Fprintf(os.Stderr, "OpenAPI contract: no test sees these documented answers (test them, or drop them from Contract()):\n  %s\n",
			strings.Join(miss, "\n  "))
		return 1
	}
	return 0
}
