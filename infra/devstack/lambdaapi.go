package devstack

// Lambda's Invoke API (POST /2015-03-31/functions/{FunctionName}/invocations), enough for the
// real aws-sdk-go-v2 Lambda client pointed at it with AWS_ENDPOINT_URL_LAMBDA: the media edge
// invokes the chat function this way, as it does in AWS under its task role.
//
// Reproduced: FunctionName as a logical id, a function name, a full ARN (with the $LATEST
// qualifier or none) or a partial ARN (ACCOUNT:function:NAME); the Qualifier parameter ($LATEST
// only); InvocationType RequestResponse (the default) and DryRun; the function's answer as the
// body, or its error document with X-Amz-Function-Error: Unhandled (function errors, crashes,
// timeouts); X-Amz-Executed-Version and x-amzn-RequestId; Lambda's errors with
// X-Amzn-ErrorType (ResourceNotFoundException 404, RequestTooLargeException 413,
// TooManyRequestsException 429 when the function's reserved concurrency is 0,
// InvalidParameterValueException 400). A request must be signed: an Authorization header of
// Signature Version 4's shape for the lambda service, with any credentials.
//
// Not reproduced: IAM. The signature is not verified and no policy is evaluated: any signed
// request may invoke any function, where in AWS only principals whose policies allow
// lambda:InvokeFunction on that function may (template.yaml grants it to the media edge's task
// role alone; infra/template tests that). Nor Event (asynchronous) invocations, X-Amz-Log-Type:
// Tail, client context, versions and aliases.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

const invokePathPrefix = "/2015-03-31/functions/"

// sigV4 is the shape of a Signature Version 4 Authorization header for the lambda service.
var sigV4 = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=[^/\s]+/[0-9]{8}/[a-z0-9-]+/lambda/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$`)

// functionARNPattern matches a full or partial function ARN, with an optional qualifier.
var functionARNPattern = regexp.MustCompile(`^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?([0-9]{12}):function:([A-Za-z0-9_-]{1,140})(?::([$A-Za-z0-9_-]+))?$`)

// functionNamePattern is a function name or logical id.
var functionNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,140}$`)

// lambdaAPI serves the Invoke API of the stack's functions.
type lambdaAPI struct {
	st  *Stack
	ln  net.Listener
	srv *http.Server
	// ready is set once the stack's pools exist; until then every request is 503.
	ready atomic.Bool
}

func newLambdaAPI(st *Stack, ln net.Listener) *lambdaAPI {
	a := &lambdaAPI{st: st, ln: ln}
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	return a
}

func (a *lambdaAPI) url() string { return "http://" + a.ln.Addr().String() }

// lambdaError writes one of Lambda's error answers.
func lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.Header().Set("x-amzn-RequestId", newUUID())
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"Type": "User", "message": msg})
	w.Write(b)
}

func (a *lambdaAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), invokePathPrefix)
	escName, tail, _ := strings.Cut(rest, "/")
	if !ok || tail != "invocations" || escName == "" {
		lambdaError(w, http.StatusNotFound, "UnknownOperationException", "devstack serves Lambda's Invoke API only")
		return
	}
	if r.Method != http.MethodPost {
		lambdaError(w, http.StatusMethodNotAllowed, "UnknownOperationException", "Invoke is POST")
		return
	}
	if !sigV4.MatchString(r.Header.Get("Authorization")) {
		lambdaError(w, http.StatusForbidden, "MissingAuthenticationTokenException",
			"the request must be signed with Signature Version 4 for the lambda service (any credentials work locally)")
		return
	}
	if !a.ready.Load() {
		lambdaError(w, http.StatusServiceUnavailable, "ServiceException", "devstack is starting")
		return
	}
	name, err := url.PathUnescape(escName)
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "FunctionName is not a valid path segment")
		return
	}
	p, err := a.pool(name, r.URL.Query().Get("Qualifier"))
	if err != nil {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", err.Error())
		return
	}
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "", "RequestResponse":
	case "DryRun":
		w.Header().Set("x-amzn-RequestId", newUUID())
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException",
			fmt.Sprintf("InvocationType %q is not emulated by devstack; use RequestResponse", typ))
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "reading the payload: "+err.Error())
		return
	}
	if len(payload) > maxPayload {
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", maxPayload))
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}") // Lambda passes an empty payload as an empty JSON object
	}
	res, err := p.invoke(r.Context().Done(), payload)
	switch {
	case err != nil && p.limit == 0:
		lambdaError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
		return
	case errors.Is(err, errPayloadTooLarge):
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", err.Error())
		return
	case err != nil:
		if r.Context().Err() == nil {
			lambdaError(w, http.StatusServiceUnavailable, "ServiceException", err.Error())
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amz-Executed-Version", "$LATEST")
	h.Set("x-amzn-RequestId", res.RequestID)
	if res.FunctionError != "" {
		h.Set("X-Amz-Function-Error", res.FunctionError)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(res.Payload)
}

// pool finds the function a FunctionName names: its logical id, its name, or its ARN.
func (a *lambdaAPI) pool(name, qualifier string) (*pool, error) {
	name, err := parseFunctionName(name, qualifier)
	if err != nil {
		return nil, err
	}
	id := name
	if byName, ok := a.st.model.fnByName[name]; ok {
		id = byName
	}
	p, ok := a.st.pools[id]
	if !ok {
		return nil, fmt.Errorf("Function not found: %s", functionARN(name))
	}
	return p, nil
}

// parseFunctionName reduces a FunctionName (a name or logical id, a full or partial ARN, with or
// without a qualifier) and the Qualifier parameter to the name, refusing what devstack cannot
// run: another account's function, or a qualifier other than $LATEST.
func parseFunctionName(name, qualifier string) (string, error) {
	if m := functionARNPattern.FindStringSubmatch(name); m != nil {
		if m[1] != AccountID {
			return "", fmt.Errorf("Function not found: %s (devstack's account is %s)", name, AccountID)
		}
		name = m[2]
		if m[3] != "" {
			if qualifier != "" && qualifier != m[3] {
				return "", errors.New("the qualifier in FunctionName and the Qualifier parameter differ")
			}
			qualifier = m[3]
		}
	} else if !functionNamePattern.MatchString(name) {
		return "", fmt.Errorf("Function not found: %q is not a function name or ARN", name)
	}
	if qualifier != "" && qualifier != "$LATEST" {
		return "", fmt.Errorf("Function not found: %s:%s (devstack runs $LATEST only)", functionARN(name), qualifier)
	}
	return name, nil
}

// LambdaURL is the endpoint of the local Lambda Invoke API (AWS_ENDPOINT_URL_LAMBDA for an SDK
// client).
func (st *Stack) LambdaURL() string { return st.lambda.url() }
