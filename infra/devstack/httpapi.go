package devstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// httpRoute is one route of an HTTP API, ready to match.
type httpRoute struct {
	spec     *httpRouteSpec
	routeKey string
	segs     []routeSeg
	greedy   bool
	pool     *pool
}

type routeSeg struct {
	lit    string
	param  string
	greedy bool
}

func newHTTPRoute(spec *httpRouteSpec, p *pool) (*httpRoute, error) {
	r := &httpRoute{spec: spec, pool: p}
	if spec.Path == defaultStage {
		r.routeKey = defaultStage
		return r, nil
	}
	r.routeKey = spec.Method + " " + spec.Path
	parts := strings.Split(strings.TrimPrefix(spec.Path, "/"), "/")
	for i, s := range parts {
		switch {
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
			if i != len(parts)-1 {
				return nil, fmt.Errorf("route %s: a greedy {name+} must be the last segment", r.routeKey)
			}
			r.segs = append(r.segs, routeSeg{param: s[1 : len(s)-2], greedy: true})
			r.greedy = true
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			r.segs = append(r.segs, routeSeg{param: s[1 : len(s)-1]})
		default:
			r.segs = append(r.segs, routeSeg{lit: s})
		}
	}
	return r, nil
}

// match reports whether the route takes a request for path segs, and its path parameters.
func (r *httpRoute) match(method string, segs []string) (map[string]string, bool) {
	if r.spec.Method != "ANY" && r.spec.Method != method {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range r.segs {
		if s.greedy {
			rest := ""
			if i < len(segs) {
				rest = strings.Join(segs[i:], "/")
			}
			if rest == "" {
				return nil, false // {proxy+} needs at least one segment
			}
			params[s.param] = rest
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if s.param != "" {
			if segs[i] == "" {
				return nil, false
			}
			params[s.param] = segs[i]
			continue
		}
		if s.lit != segs[i] {
			return nil, false
		}
	}
	if len(segs) != len(r.segs) {
		return nil, false
	}
	return params, true
}

// rank orders matching routes like API Gateway: an exact method beats ANY, a route without a greedy
// variable beats one with, then literal segments beat {params} beat {proxy+}, left to right.
func (r *httpRoute) rank() []int {
	class := 0
	if r.greedy {
		class++
	}
	if r.spec.Method == "ANY" {
		class += 2
	}
	key := []int{-class}
	for _, s := range r.segs {
		switch {
		case s.greedy:
			key = append(key, 0)
		case s.param != "":
			key = append(key, 1)
		default:
			key = append(key, 2)
		}
	}
	return key
}

func better(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return len(a) > len(b)
}

// httpAPI serves every HTTP API route of the template on one port, as API Gateway HTTP APIs with
// Lambda proxy integrations, payload format 2.0.
type httpAPI struct {
	st      *Stack
	routes  []*httpRoute
	maxBody int64
	srv     *http.Server
	ln      net.Listener
}

// match finds the route for a request; path is the escaped path, unescaped segment by segment.
func (h *httpAPI) match(method, path string) (*httpRoute, map[string]string) {
	var best *httpRoute
	var bestParams map[string]string
	var bestRank []int
	var deflt *httpRoute
	for _, rt := range h.routes {
		p := path
		if rt.spec.Stage != defaultStage {
			var ok bool
			if p, ok = strings.CutPrefix(path, "/"+rt.spec.Stage); !ok || p != "" && p[0] != '/' {
				continue
			}
		}
		if rt.spec.Path == defaultStage {
			if deflt == nil {
				deflt = rt
			}
			continue
		}
		segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
		for i, s := range segs {
			if u, err := url.PathUnescape(s); err == nil {
				segs[i] = u
			}
		}
		params, ok := rt.match(method, segs)
		if !ok {
			continue
		}
		if rk := rt.rank(); best == nil || better(rk, bestRank) {
			best, bestParams, bestRank = rt, params, rk
		}
	}
	if best != nil {
		return best, bestParams
	}
	return deflt, nil
}

// writeProblem answers what API Gateway, configured as our template configures it, answers
// without reaching a function: a problem JSON of the product's kind k (see docs/local-stack.md).
func writeProblem(w http.ResponseWriter, k *httpapi.Kind, detail string) int {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(k.Status)
	json.NewEncoder(w).Encode(httpapi.Problem{Type: k.TypeURI(), Title: k.Title, Status: k.Status, Detail: detail})
	return k.Status
}

func writeGatewayJSON(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q}`, msg)
}

// v2Request is the payload format 2.0 event, field for field as API Gateway sends it (empty
// optional members are left out, as API Gateway does).
type v2Request struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        v2RequestContext  `json:"requestContext"`
	Body                  *string           `json:"body,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
}

type v2RequestContext struct {
	AccountID    string `json:"accountId"`
	APIID        string `json:"apiId"`
	DomainName   string `json:"domainName"`
	DomainPrefix string `json:"domainPrefix"`
	HTTP         struct {
		Method    string `json:"method"`
		Path      string `json:"path"`
		Protocol  string `json:"protocol"`
		SourceIP  string `json:"sourceIp"`
		UserAgent string `json:"userAgent"`
	} `json:"http"`
	RequestID string `json:"requestId"`
	RouteKey  string `json:"routeKey"`
	Stage     string `json:"stage"`
	Time      string `json:"time"`
	TimeEpoch int64  `json:"timeEpoch"`
}

// v2Response is what a function may return; anything else that is valid JSON is the body of a 200.
type v2Response struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// isTextContent reports whether API Gateway passes a body of this type as text rather than base64.
func isTextContent(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml", "application/ecmascript", "application/yaml", "application/x-yaml":
		return true
	}
	return strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

const apiGatewayTime = "02/Jan/2006:15:04:05 -0700"

func (h *httpAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if static := h.static(r.URL.Path); static != nil {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		static.ServeHTTP(sw, r)
		h.st.sink.line("[static] ", fmt.Sprintf("%s %s %d %s", r.Method, r.URL.RequestURI(), sw.status, time.Since(start).Round(time.Microsecond)))
		return
	}
	reqID := apiRequestID()
	w.Header().Set("Apigw-Requestid", reqID)
	status := h.serve(w, r, reqID, start)
	h.st.sink.line("[HttpApi] ", fmt.Sprintf("%s %s %d %s", r.Method, r.URL.RequestURI(), status, time.Since(start).Round(time.Microsecond)))
}

// static is the handler of Config.Static with the longest prefix of path, or nil.
func (h *httpAPI) static(path string) http.Handler {
	var best http.Handler
	n := -1
	for prefix, hd := range h.st.cfg.Static {
		if strings.HasPrefix(path, prefix) && len(prefix) > n {
			best, n = hd, len(prefix)
		}
	}
	return best
}

// statusWriter remembers the status a static handler answered, for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (h *httpAPI) serve(w http.ResponseWriter, r *http.Request, reqID string, start time.Time) int {
	rawPath := r.URL.EscapedPath()
	route, params := h.match(r.Method, rawPath)
	if route == nil {
		return writeProblem(w, httpapi.KindNoRoute, r.Method+" "+rawPath)
	}
	tooLarge := fmt.Sprintf("the request body is over the %d bytes this API takes", h.maxBody)
	if r.ContentLength > h.maxBody {
		return writeProblem(w, httpapi.KindTooLarge, tooLarge)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		writeGatewayJSON(w, http.StatusBadRequest, "Bad Request")
		return http.StatusBadRequest
	}
	if int64(len(body)) > h.maxBody {
		return writeProblem(w, httpapi.KindTooLarge, tooLarge)
	}

	ev := v2Request{Version: "2.0", RouteKey: route.routeKey, RawPath: rawPath, RawQueryString: r.URL.RawQuery, Headers: map[string]string{}}
	host, port, _ := net.SplitHostPort(r.Host)
	if host == "" {
		host = r.Host
	}
	srcIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, c := range r.Header[k] {
				for _, part := range strings.Split(c, ";") {
					if part = strings.TrimSpace(part); part != "" {
						ev.Cookies = append(ev.Cookies, part)
					}
				}
			}
			continue
		}
		ev.Headers[lk] = strings.Join(r.Header[k], ",")
	}
	ev.Headers["host"] = r.Host
	if r.ContentLength > 0 {
		ev.Headers["content-length"] = strconv.FormatInt(r.ContentLength, 10)
	}
	ev.Headers["x-forwarded-for"] = srcIP
	ev.Headers["x-forwarded-port"] = port
	ev.Headers["x-forwarded-proto"] = "http"
	ev.Headers["x-amzn-trace-id"] = "Root=1-" + strconv.FormatInt(start.Unix(), 16) + "-" + strings.ReplaceAll(newUUID(), "-", "")[:24]
	if r.URL.RawQuery != "" {
		q, _ := url.ParseQuery(r.URL.RawQuery)
		ev.QueryStringParameters = map[string]string{}
		for k, v := range q {
			ev.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	if len(params) > 0 {
		ev.PathParameters = params
	}
	if len(body) > 0 {
		var s string
		if isTextContent(r.Header.Get("Content-Type")) {
			s = string(body)
		} else {
			s = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
		ev.Body = &s
	}
	rc := &ev.RequestContext
	rc.AccountID = AccountID
	rc.APIID = route.spec.APIID
	rc.DomainName = r.Host
	rc.DomainPrefix, _, _ = strings.Cut(host, ".")
	rc.HTTP.Method = r.Method
	rc.HTTP.Path = r.URL.Path
	rc.HTTP.Protocol = r.Proto
	rc.HTTP.SourceIP = srcIP
	rc.HTTP.UserAgent = r.UserAgent()
	rc.RequestID = reqID
	rc.RouteKey = route.routeKey
	rc.Stage = route.spec.Stage
	rc.Time = start.UTC().Format(apiGatewayTime)
	rc.TimeEpoch = start.UnixMilli()

	payload, err := json.Marshal(ev)
	if err != nil {
		writeGatewayJSON(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError
	}
	if len(payload) > maxPayload {
		// The event would not fit Lambda's invocation limit: the function is never called.
		return writeProblem(w, httpapi.KindTooLarge, fmt.Sprintf("the request is over the %d bytes a function can take", maxPayload))
	}
	ctx, cancel := context.WithTimeout(r.Context(), route.spec.Timeout)
	defer cancel()
	res, err := route.pool.invoke(ctx.Done(), payload)
	switch {
	case err != nil && ctx.Err() == context.DeadlineExceeded:
		writeGatewayJSON(w, http.StatusServiceUnavailable, "Service Unavailable")
		return http.StatusServiceUnavailable
	case err != nil:
		if !errors.Is(err, errClosed) {
			h.st.log.Error("invoke failed", "function", route.spec.Function, "err", err)
		}
		writeGatewayJSON(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError
	case res.FunctionError != "":
		writeGatewayJSON(w, http.StatusBadGateway, "Internal Server Error")
		return http.StatusBadGateway
	}
	return h.writeResponse(w, route, res.Payload)
}

// writeResponse maps the function's output to the HTTP response like API Gateway: a JSON object with
// statusCode is a structured response; any other valid JSON is the body of a 200 application/json.
func (h *httpAPI) writeResponse(w http.ResponseWriter, route *httpRoute, out []byte) int {
	var resp v2Response
	trimmed := bytes.TrimSpace(out)
	structured := len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &resp) == nil && resp.StatusCode != nil
	if !structured {
		if !json.Valid(trimmed) {
			h.st.log.Warn("function returned a response that is not JSON", "function", route.spec.Function)
			writeGatewayJSON(w, http.StatusBadGateway, "Internal Server Error")
			return http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(trimmed)
		return http.StatusOK
	}
	status := *resp.StatusCode
	if status < 100 || status > 599 {
		h.st.log.Warn("function returned an invalid statusCode", "function", route.spec.Function, "statusCode", status)
		writeGatewayJSON(w, http.StatusBadGateway, "Internal Server Error")
		return http.StatusBadGateway
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			h.st.log.Warn("function returned isBase64Encoded with a body that is not base64", "function", route.spec.Function)
			writeGatewayJSON(w, http.StatusBadGateway, "Internal Server Error")
			return http.StatusBadGateway
		}
		body = b
	}
	hdr := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			hdr.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		hdr.Set(k, v)
	}
	for _, c := range resp.Cookies {
		hdr.Add("Set-Cookie", c)
	}
	if _, ok := hdr["Content-Type"]; !ok {
		hdr["Content-Type"] = nil // no sniffing: API Gateway sends no type the function did not set
	}
	w.WriteHeader(status)
	w.Write(body)
	return status
}
