package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// DefaultMaxBody is the largest JSON body a route accepts unless the router says otherwise.
const DefaultMaxBody = 1 << 20

// Request is one API Gateway request with the path parameters of the matched route.
type Request struct {
	events.APIGatewayV2HTTPRequest
	Params  map[string]string
	maxBody int
	rate    *rateState // ratelimit.go: the route's class and the headers its decision adds
}

// Header returns the value of header name (API Gateway lower-cases names).
func (r *Request) Header(name string) string {
	return r.Headers[strings.ToLower(name)]
}

// Body returns the raw body, decoded from base64 when API Gateway encoded it.
func (r *Request) Body() ([]byte, error) {
	if !r.IsBase64Encoded {
		return []byte(r.APIGatewayV2HTTPRequest.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(r.APIGatewayV2HTTPRequest.Body)
	if err != nil {
		return nil, Errorf(KindMalformed, "body is not valid base64")
	}
	return b, nil
}

// JSONBody returns the raw body of a JSON request, checked: the media type must be JSON, the size
// at most max bytes, the body not blank, its strings valid UTF-8 without lone surrogates, its
// nesting within MaxDepth (ScanJSON). For routes that parse the JSON themselves (flows); the others
// use DecodeJSON.
func (r *Request) JSONBody(max int) ([]byte, error) {
	if err := r.jsonMediaType(); err != nil {
		return nil, err
	}
	body, err := r.Body()
	if err != nil {
		return nil, err
	}
	if err := checkSize(body, max); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, Errorf(KindMalformed, "body is empty; send a JSON object")
	}
	if err := ScanJSON(body); err != nil {
		return nil, err
	}
	return body, nil
}

// CheckBodySize refuses a body over the route's limit (the router's, SetMaxBody) with 413, for a
// route that must refuse a large body before anything else reads it (an idempotency guard).
func (r *Request) CheckBodySize() error {
	body, err := r.Body()
	if err != nil {
		return err
	}
	return checkSize(body, r.maxBody)
}

// checkSize is the one body-size rule: over max bytes is 413.
func checkSize(body []byte, max int) error {
	if len(body) > max {
		return Errorf(KindTooLarge, "body is %d bytes; the limit is %d", len(body), max)
	}
	return nil
}

// jsonMediaType is the one Content-Type rule: a body that is sent must say it is JSON
// (application/json or a +json type); a request without a body may say anything or nothing.
func (r *Request) jsonMediaType() error {
	ct := r.Header("content-type")
	if ct == "" {
		if r.APIGatewayV2HTTPRequest.Body == "" {
			return nil
		}
		return Errorf(KindMediaType, "a body needs Content-Type: application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return Errorf(KindMediaType, "content type %q is not JSON", ct)
	}
	return nil
}

// BodyOption changes how one route reads its body.
type BodyOption func(max *int)

// MaxBody lowers the size limit of one route's body below the router's, for a route whose body
// is at most a few options.
func MaxBody(n int) BodyOption {
	return func(max *int) { *max = min(*max, n) }
}

func (r *Request) limit(opts []BodyOption) int {
	max := r.maxBody
	for _, o := range opts {
		o(&max)
	}
	return max
}

// DecodeJSON reads the body into v strictly: the media type must be JSON, the size within the
// route's limit, the body one JSON object of v's shape (unknown fields are rejected, type errors
// name the field), and its text clean (see text.go: valid UTF-8, no control characters but line
// breaks and tabs in multi-line fields). v must point to a struct.
func (r *Request) DecodeJSON(v any, opts ...BodyOption) error {
	body, err := r.JSONBody(r.limit(opts))
	if err != nil {
		return err
	}
	return decodeStrict(body, v)
}

// DecodeOptionalJSON is DecodeJSON for routes whose body may be left out: an empty body leaves v
// as it is, whatever the content type says (clients send none, or a form type, with no body);
// anything else must be what DecodeJSON accepts (so a body without Content-Type is 415).
func (r *Request) DecodeOptionalJSON(v any, opts ...BodyOption) error {
	body, err := r.Body()
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return nil
	}
	return r.DecodeJSON(v, opts...)
}

// NoBody checks the body of a route that takes none: empty, or the empty JSON object.
func (r *Request) NoBody() error {
	var none struct{}
	return r.DecodeOptionalJSON(&none)
}

// decodeStrict decodes one JSON object into v, rejecting unknown fields (all of them are reported,
// each with its JSON pointer) and trailing data, and then checks its text.
func decodeStrict(body []byte, v any) error {
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] != '{' {
		if json.Valid(b) {
			return Invalid(FieldError{Field: "", Reason: "must be a JSON object"})
		}
		return Errorf(KindMalformed, "body is not valid JSON")
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && json.Valid(body) {
		if unknown := unknownFields(body, rv.Type().Elem(), ""); len(unknown) > 0 {
			return Invalid(unknown...) // every unknown field, not only the decoder's first
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(KindMalformed, "body holds more than one JSON value")
	}
	if fields := CheckText(v); len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
}

// jsonError turns a decoder error into a caller-facing one, in our words: the decoder's text
// names Go types.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := ""
		if typeErr.Field != "" {
			for _, name := range strings.Split(typeErr.Field, ".") {
				field = jsonptr.Key(field, name)
			}
		}
		return Invalid(FieldError{Field: field, Reason: typeReason(typeErr)})
	case errors.As(err, &syntaxErr):
		return Errorf(KindMalformed, "invalid JSON at byte %d", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return Invalid(FieldError{Field: jsonptr.Key("", name), Reason: "unknown field"})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(KindMalformed, "body ends too early")
	}
	return Errorf(KindMalformed, "body is not valid JSON")
}

// typeReason says what a field must be, in JSON's words rather than Go's.
func typeReason(e *json.UnmarshalTypeError) string {
	t := e.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "must be a string"
	case reflect.Bool:
		return "must be true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if strings.HasPrefix(e.Value, "number") {
			return "must be a whole number in range"
		}
		return "must be a whole number"
	case reflect.Float32, reflect.Float64:
		if strings.HasPrefix(e.Value, "number") {
			return "must be a number in range"
		}
		return "must be a number"
	case reflect.Slice, reflect.Array:
		return "must be a list"
	case reflect.Map, reflect.Struct:
		return "must be an object"
	}
	return "has the wrong type"
}

// Response is what a handler returns: a status and a value rendered as JSON (nil: no body).
type Response struct {
	Status  int
	Body    any
	Headers map[string]string
	// Raw, when set, is the body as it is (Body is ignored), of the media type in Headers'
	// Content-Type: sent as text when that is text/* and the bytes are UTF-8, else base64-encoded
	// for API Gateway to send as binary.
	Raw []byte
}

// JSON returns a response with status and body.
func JSON(status int, body any) Response { return Response{Status: status, Body: body} }

// HandlerFunc serves one route.
type HandlerFunc func(ctx context.Context, r *Request) (Response, error)

type route struct {
	key    string // "POST /v1/api-keys/{id}"
	method string
	parts  []string // "{name}" marks a parameter
	h      HandlerFunc
}

// Router dispatches API Gateway requests to handlers by route key ("POST /v1/api-keys/{id}").
type Router struct {
	routes  map[string]*route
	order   []*route
	log     *slog.Logger
	maxBody int
	rate    *rateLimits // ratelimit.go; nil: no rate limit
}

// NewRouter returns an empty router that logs to log.
func NewRouter(log *slog.Logger) *Router {
	return &Router{routes: map[string]*route{}, log: log, maxBody: DefaultMaxBody}
}

// SetMaxBody sets the largest body the router's routes take (DefaultMaxBody unless set); larger
// ones are 413. A route may lower it for itself (MaxBody).
func (rt *Router) SetMaxBody(n int) { rt.maxBody = n }

// Handle registers h for routeKey, written as API Gateway writes it: "METHOD /path/{param}".
func (rt *Router) Handle(routeKey string, h HandlerFunc) {
	method, path, ok := strings.Cut(routeKey, " ")
	if !ok {
		panic(fmt.Sprintf("httpapi: route key %q is not \"METHOD /path\"", routeKey))
	}
	r := &route{key: routeKey, method: method, parts: strings.Split(strings.Trim(path, "/"), "/"), h: h}
	rt.routes[routeKey] = r
	rt.order = append(rt.order, r)
}

// Routes returns the registered route keys.
func (rt *Router) Routes() []string {
	keys := make([]string, 0, len(rt.order))
	for k := range rt.routes {
		keys = append(keys, k)
	}
	return keys
}

// Serve handles one request. It never returns an error: failures become problem responses, and
// their detail goes to the log with the request id.
func (rt *Router) Serve(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	log := rt.log.With("route", req.RouteKey, "method", req.RequestContext.HTTP.Method, "path", req.RawPath)
	r, params := rt.match(req)
	if r == nil {
		return ProblemResponse(ProblemFor(Errorf(KindNoRoute, "%s %s", req.RequestContext.HTTP.Method, req.RawPath), req.RawPath)), nil
	}
	req.RouteKey = r.key // as API Gateway sets it, also when the route was matched by path here
	in := &Request{APIGatewayV2HTTPRequest: req, Params: params, maxBody: rt.maxBody, rate: rt.rateFor(r)}
	resp, err := rt.call(ctx, r, in)
	if err != nil {
		p := ProblemFor(err, req.RawPath)
		if p.Status >= 500 {
			log.ErrorContext(ctx, "request failed", "status", p.Status, "err", err)
		} else {
			log.InfoContext(ctx, "request rejected", "status", p.Status, "problem", p.Type, "detail", p.Detail)
		}
		pr := ProblemResponse(p)
		in.rate.addTo(pr.Headers)
		return pr, nil
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: resp.Status, Headers: map[string]string{}}
	in.rate.addTo(out.Headers)
	for k, v := range resp.Headers {
		out.Headers[k] = v
	}
	if resp.Raw != nil {
		if strings.HasPrefix(out.Headers["Content-Type"], "text/") && utf8.Valid(resp.Raw) {
			out.Body = string(resp.Raw)
		} else {
			out.Body, out.IsBase64Encoded = base64.StdEncoding.EncodeToString(resp.Raw), true
		}
		return out, nil
	}
	if resp.Body != nil {
		b, err := marshal(resp.Body)
		if err != nil {
			log.ErrorContext(ctx, "encode response", "err", err)
			return ProblemResponse(ProblemFor(err, req.RawPath)), nil
		}
		out.Headers["Content-Type"] = "application/json"
		out.Body = string(b)
	}
	return out, nil
}

// call runs the handler, turning a panic into an internal error so one bad request cannot kill
// the runtime.
func (rt *Router) call(ctx context.Context, r *route, req *Request) (resp Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return r.h(ctx, req)
}

func (rt *Router) match(req events.APIGatewayV2HTTPRequest) (*route, map[string]string) {
	if r, ok := rt.routes[req.RouteKey]; ok {
		return r, req.PathParameters
	}
	// Route key absent or $default: match method and path like API Gateway would.
	method := req.RequestContext.HTTP.Method
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range rt.order {
		if r.method != method && r.method != "ANY" || len(r.parts) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, p := range r.parts {
			if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
				params[p[1:len(p)-1]] = segs[i]
			} else if p != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return r, params
		}
	}
	return nil, nil
}

// marshal encodes v as JSON without HTML escaping: API bodies are not embedded in HTML, and
// callers should read "<" rather than "\u003c".
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// DecodeStrictJSON is DecodeJSON for a body that did not come through API Gateway (a direct Lambda
// invocation's payload): the same text checks (ScanJSON, CheckText) and strict decoding, without
// the media type and size rules, which belong to HTTP.
func DecodeStrictJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return Errorf(KindMalformed, "body is empty; send a JSON object")
	}
	if err := ScanJSON(body); err != nil {
		return err
	}
	return decodeStrict(body, v)
}
