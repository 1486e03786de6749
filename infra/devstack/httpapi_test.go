package devstack

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// checkProblem checks that resp is the problem JSON of kind k.
func checkProblem(t *testing.T, resp *http.Response, body []byte, k *httpapi.Kind) {
	t.Helper()
	var p httpapi.Problem
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil || resp.StatusCode != k.Status || p.Status != k.Status || p.Type != k.TypeURI() ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s %s: %d %s %q (%v); want %s problem JSON", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode,
			resp.Header.Get("Content-Type"), body, err, k.TypeURI())
	}
}

// Regression (issue 7, defect 10): a 7 MB body, under API Gateway's 10 MB but over the 6 MB a
// function can take, answered 500. It is 413 problem JSON, and the function never runs.
func TestHTTPAPIBodyOverLambdaPayload(t *testing.T) {
	st, _ := startStack(t, "http.yaml", nil)
	body := bytes.Repeat([]byte("x"), 7<<20)
	resp, out := do(t, "POST", st.HTTPURL()+"/v1/tenants/t-1", bytes.NewReader(body), map[string][]string{"Content-Type": {"application/json"}})
	checkProblem(t, resp, out, httpapi.KindTooLarge)
	if n := st.Stats("Echo").Invocations; n != 0 {
		t.Errorf("the function ran %d times", n)
	}
	// Just under the limit still reaches the function.
	resp, out = do(t, "POST", st.HTTPURL()+"/v1/tenants/t-1", bytes.NewReader(body[:4<<20]), map[string][]string{"Content-Type": {"application/json"}})
	if resp.StatusCode != 200 {
		t.Errorf("4 MB body: %d %.200s", resp.StatusCode, out)
	}
}

type echoBody struct {
	Event     json.RawMessage   `json:"event"`
	RequestID string            `json:"requestId"`
	ARN       string            `json:"functionArn"`
	Deadline  int64             `json:"deadlineMs"`
	Env       map[string]string `json:"env"`
}

var client = &http.Client{Timeout: 30 * time.Second}

func do(t *testing.T, method, url string, body io.Reader, hdr map[string][]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// decodeEcho checks that the event the function received decodes into aws-lambda-go's
// APIGatewayV2HTTPRequest with no unknown field.
func decodeEcho(t *testing.T, body []byte) (echoBody, events.APIGatewayV2HTTPRequest) {
	t.Helper()
	var e echoBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("response body %q: %v", body, err)
	}
	var ev events.APIGatewayV2HTTPRequest
	dec := json.NewDecoder(bytes.NewReader(e.Event))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("event %s: %v", e.Event, err)
	}
	return e, ev
}

func TestHTTPAPI(t *testing.T) {
	st, logs := startStack(t, "http.yaml", func(c *Config) { c.MaxBodyBytes = 4096 })
	base := st.HTTPURL()
	if out := st.Outputs(); out["ApiUrl"] != base || out["TableName"] != st.Ref("Table") {
		t.Errorf("outputs %v", out)
	}

	t.Run("request and response map like API Gateway", func(t *testing.T) {
		start := time.Now()
		resp, body := do(t, "POST", base+"/v1/tenants/t-42?x=1&x=2&y=a%20b", strings.NewReader(`{"a":1}`), map[string][]string{
			"Content-Type": {"application/json"},
			"X-Custom":     {"a", "b"},
			"Cookie":       {"c1=v1; c2=v2"},
			"User-Agent":   {"devstack-test"},
		})
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		if got := resp.Header.Get("X-Echo"); got != "yes" {
			t.Errorf("X-Echo = %q", got)
		}
		if got := resp.Header.Values("X-Multi"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
			t.Errorf("X-Multi = %q", got)
		}
		if got := resp.Header.Values("Set-Cookie"); len(got) != 2 || got[0] != "session=abc; Path=/" {
			t.Errorf("Set-Cookie = %q", got)
		}
		reqID := resp.Header.Get("Apigw-Requestid")
		e, ev := decodeEcho(t, body)
		checks := []struct {
			name      string
			got, want any
		}{
			{"version", ev.Version, "2.0"},
			{"routeKey", ev.RouteKey, "POST /v1/tenants/{id}"},
			{"rawPath", ev.RawPath, "/v1/tenants/t-42"},
			{"rawQueryString", ev.RawQueryString, "x=1&x=2&y=a%20b"},
			{"query x", ev.QueryStringParameters["x"], "1,2"},
			{"query y", ev.QueryStringParameters["y"], "a b"},
			{"path id", ev.PathParameters["id"], "t-42"},
			{"header x-custom", ev.Headers["x-custom"], "a,b"},
			{"header content-type", ev.Headers["content-type"], "application/json"},
			{"header cookie removed", ev.Headers["cookie"], ""},
			{"cookies", strings.Join(ev.Cookies, "|"), "c1=v1|c2=v2"},
			{"body", ev.Body, `{"a":1}`},
			{"isBase64Encoded", ev.IsBase64Encoded, false},
			{"method", ev.RequestContext.HTTP.Method, "POST"},
			{"http path", ev.RequestContext.HTTP.Path, "/v1/tenants/t-42"},
			{"sourceIp", ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
			{"userAgent", ev.RequestContext.HTTP.UserAgent, "devstack-test"},
			{"stage", ev.RequestContext.Stage, "$default"},
			{"ctx routeKey", ev.RequestContext.RouteKey, "POST /v1/tenants/{id}"},
			{"requestId", ev.RequestContext.RequestID, reqID},
			{"apiId", ev.RequestContext.APIID, st.Ref("HttpApi")},
			{"accountId", ev.RequestContext.AccountID, AccountID},
			{"function name", e.Env["AWS_LAMBDA_FUNCTION_NAME"], st.Ref("Echo")},
			{"memory", e.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128"},
			{"version", e.Env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST"},
			{"region", e.Env["AWS_REGION"], Region},
			{"log format", e.Env["AWS_LAMBDA_LOG_FORMAT"], "JSON"},
			{"handler", e.Env["_HANDLER"], "bootstrap"},
			{"global env", e.Env["GREETING"], "hello"},
			{"!Ref table", e.Env["TABLE"], st.Ref("Table")},
			{"!Sub API URL localised", e.Env["SELF_URL"], st.HTTPURL()},
			{"SQS endpoint", e.Env["AWS_ENDPOINT_URL_SQS"], st.SQSURL()},
			{"DynamoDB endpoint", e.Env["AWS_ENDPOINT_URL_DYNAMODB"], st.Endpoints().DynamoDB},
			{"clean environment", e.Env["HOME"], ""},
			{"invoked ARN", e.ARN, "arn:aws:lambda:us-east-1:000000000000:function:" + st.Ref("Echo")},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			}
		}
		if ev.RequestContext.TimeEpoch < start.UnixMilli() || ev.RequestContext.Time == "" {
			t.Errorf("time %q / %d", ev.RequestContext.Time, ev.RequestContext.TimeEpoch)
		}
		if d := time.UnixMilli(e.Deadline).Sub(start); d < 500*time.Millisecond || d > 2*time.Second {
			t.Errorf("deadline %s after the request, want about the 1s Timeout", d)
		}
		if !strings.HasPrefix(e.Env["_X_AMZN_TRACE_ID"], "Root=1-") {
			t.Errorf("trace id %q", e.Env["_X_AMZN_TRACE_ID"])
		}
		logs.waitLines(t, 5*time.Second, 1, "[Echo] REPORT RequestId: "+e.RequestID, "Memory Size: 128 MB", "Max Memory Used:")
	})

	t.Run("binary bodies are base64 both ways", func(t *testing.T) {
		raw := []byte{0, 1, 2, 0xff, 'x'}
		resp, body := do(t, "PUT", base+"/files/a/b/c.bin", bytes.NewReader(raw), map[string][]string{"Content-Type": {"application/octet-stream"}})
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		_, ev := decodeEcho(t, body)
		if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(raw) {
			t.Errorf("body %q base64=%v", ev.Body, ev.IsBase64Encoded)
		}
		if ev.PathParameters["proxy"] != "a/b/c.bin" || ev.RouteKey != "ANY /files/{proxy+}" {
			t.Errorf("proxy %q routeKey %q", ev.PathParameters["proxy"], ev.RouteKey)
		}
		resp, body = do(t, "GET", base+"/files/x/binary", nil, nil)
		if resp.StatusCode != 201 || !bytes.Equal(body, []byte{0, 1, 2, 0xff}) || resp.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("binary response %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
		}
	})

	t.Run("a response without statusCode is a 200 JSON body", func(t *testing.T) {
		resp, body := do(t, "GET", base+"/ops/plain", nil, nil)
		if resp.StatusCode != 200 || string(body) != `{"hello":"world"}` || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("got %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
		}
	})

	t.Run("no route", func(t *testing.T) {
		for _, c := range []struct{ method, path string }{
			{"GET", "/nope"},
			{"GET", "/v1/tenants/t-1"}, // POST only
			{"GET", "/files"},          // {proxy+} needs a segment
			{"GET", "/ops/a/b"},
		} {
			resp, body := do(t, c.method, base+c.path, nil, nil)
			checkProblem(t, resp, body, httpapi.KindNoRoute)
		}
	})

	t.Run("body over the limit is 413 and never reaches the function", func(t *testing.T) {
		before := st.Stats("Echo").Invocations
		for _, chunked := range []bool{false, true} {
			var body io.Reader = bytes.NewReader(make([]byte, 5000))
			if chunked {
				body = io.MultiReader(strings.NewReader(strings.Repeat("x", 5000))) // no Content-Length
			}
			resp, out := do(t, "POST", base+"/v1/tenants/t-1", body, map[string][]string{"Content-Type": {"text/plain"}})
			checkProblem(t, resp, out, httpapi.KindTooLarge)
		}
		if got := st.Stats("Echo").Invocations; got != before {
			t.Errorf("the function ran %d times for oversized bodies", got-before)
		}
	})

	t.Run("failures are 502 and the next request still works", func(t *testing.T) {
		cases := []struct {
			name, path string
			logged     string
			maxTime    time.Duration
		}{
			{"panic", "/ops/panic", "Error Type: string", 5 * time.Second},
			{"returned error", "/ops/error", "Error Type: errorString", 5 * time.Second},
			{"process exit", "/ops/exit", "Runtime.ExitError", 5 * time.Second},
			{"timeout", "/ops/hang?ms=3000", "Task timed out after 1.00 seconds", 2500 * time.Millisecond},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				replaced := st.Stats("Echo").Replaced
				begin := time.Now()
				resp, body := do(t, "GET", base+c.path, nil, nil)
				took := time.Since(begin)
				if resp.StatusCode != 502 || string(body) != `{"message":"Internal Server Error"}` {
					t.Fatalf("got %d %s", resp.StatusCode, body)
				}
				if took > c.maxTime {
					t.Errorf("took %s", took)
				}
				logs.waitLines(t, 5*time.Second, 1, "[Echo]", c.logged)
				resp, body = do(t, "GET", base+"/ops/ok", nil, nil)
				if resp.StatusCode != 200 {
					t.Fatalf("next request: %d %s", resp.StatusCode, body)
				}
				// A panic, an exit or a timeout ends the instance; a returned error does not.
				want := replaced + 1
				if c.name == "returned error" {
					want = replaced
				}
				if got := waitStats(t, st, "Echo", func(s FunctionStats) bool { return s.Replaced == want }).Replaced; got != want {
					t.Errorf("%d instances replaced, want %d", got-replaced, want-replaced)
				}
			})
		}
		if s := st.Stats("Echo"); s.Timeouts != 1 {
			t.Errorf("stats %+v, want 1 timeout", s)
		}
		logs.waitLines(t, 5*time.Second, 1, "[Echo] REPORT", "Status: timeout")
	})

	t.Run("overlapping requests start more instances", func(t *testing.T) {
		const n = 20
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := client.Get(base + "/slow?ms=300")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}()
		}
		wg.Wait()
		for i, c := range codes {
			if c != 200 {
				t.Errorf("request %d: %d", i, c)
			}
		}
		s := st.Stats("Slow")
		if s.ColdStarts < 2 || s.Peak > 10 || s.Invocations != n {
			t.Errorf("stats %+v: want 2-10 instances for %d overlapping requests", s, n)
		}
		reports := logs.waitLines(t, 5*time.Second, n, "[Slow] REPORT")
		cold := 0
		for _, l := range reports {
			if strings.Contains(l, "[Slow] REPORT") && strings.Contains(l, "Init Duration:") {
				cold++
			}
		}
		if cold != s.ColdStarts {
			t.Errorf("%d REPORT lines with Init Duration, %d instances started", cold, s.ColdStarts)
		}
		// Warm instances are reused.
		for range 3 {
			if resp, _ := do(t, "GET", base+"/slow?ms=1", nil, nil); resp.StatusCode != 200 {
				t.Fatal(resp.StatusCode)
			}
		}
		if got := st.Stats("Slow").ColdStarts; got != s.ColdStarts {
			t.Errorf("sequential requests started %d more instances", got-s.ColdStarts)
		}
	})
}

func TestConcurrencyLimitQueues(t *testing.T) {
	st, _ := startStack(t, "http.yaml", func(c *Config) { c.Concurrency = 2 })
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(st.HTTPURL() + "/slow?ms=200")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if s := st.Stats("Slow"); s.Peak != 2 || s.Invocations != 6 {
		t.Errorf("stats %+v: want at most 2 instances serving 6 queued requests", s)
	}
}

func TestRouteMatching(t *testing.T) {
	specs := []*httpRouteSpec{
		{Method: "GET", Path: "/pets/dog/1", Stage: defaultStage},
		{Method: "GET", Path: "/pets/dog/{id}", Stage: defaultStage},
		{Method: "GET", Path: "/pets/{proxy+}", Stage: defaultStage},
		{Method: "ANY", Path: "/{proxy+}", Stage: defaultStage},
		{Method: "POST", Path: "/v1/{a}/{b}", Stage: defaultStage},
		{Method: "GET", Path: "/items", Stage: "prod"},
		{Method: "ANY", Path: defaultStage, Stage: defaultStage},
	}
	h := &httpAPI{}
	for _, s := range specs {
		r, err := newHTTPRoute(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		h.routes = append(h.routes, r)
	}
	cases := []struct {
		method, path, want string
		params             map[string]string
	}{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"POST", "/pets/dog/1", "ANY /{proxy+}", map[string]string{"proxy": "pets/dog/1"}},
		{"POST", "/v1/x/y", "POST /v1/{a}/{b}", map[string]string{"a": "x", "b": "y"}},
		{"POST", "/v1/x%2Fz/y", "POST /v1/{a}/{b}", map[string]string{"a": "x/z", "b": "y"}},
		{"GET", "/prod/items", "GET /items", nil},
		{"GET", "/", "$default", nil},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, "http://x"+c.path, nil)
			r, params := h.match(req.Method, req.URL.EscapedPath())
			if r == nil || r.routeKey != c.want {
				t.Fatalf("matched %v, want %s", r, c.want)
			}
			for k, v := range c.params {
				if params[k] != v {
					t.Errorf("param %s = %q, want %q", k, params[k], v)
				}
			}
		})
	}
}

// Config.Static answers its prefixes on the HTTP API's port before the routes (the console's files,
// as CloudFront serves them beside the API); every other path still reaches the functions.
func TestHTTPAPIStatic(t *testing.T) {
	files := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "files:"+r.URL.Path)
	})
	config := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "config") })
	st, _ := startStack(t, "http.yaml", func(c *Config) {
		c.Static = map[string]http.Handler{"/console/": files, "/console/config.json": config}
	})
	for path, want := range map[string]string{
		"/console/":              "files:/console/",
		"/console/app.js":        "files:/console/app.js",
		"/console/config.json":   "config",
		"/console/config.json/x": "config",
	} {
		resp, out := do(t, "GET", st.HTTPURL()+path, nil, nil)
		if resp.StatusCode != 200 || string(out) != want || resp.Header.Get("Apigw-Requestid") != "" {
			t.Errorf("GET %s: %d %q; want 200 %q from the static handler", path, resp.StatusCode, out, want)
		}
	}
	if n := st.Stats("Echo").Invocations; n != 0 {
		t.Errorf("the function ran %d times for static paths", n)
	}
	resp, _ := do(t, "GET", st.HTTPURL()+"/files/console/app.js", nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Apigw-Requestid") == "" || st.Stats("Echo").Invocations != 1 {
		t.Errorf("GET /files/console/app.js: %d; want the route's 200 from the function", resp.StatusCode)
	}
}
