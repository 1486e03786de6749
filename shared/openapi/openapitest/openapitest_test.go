package openapitest

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func request(method, path, body string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json", "authorization": "Bearer k"}}
	req.RequestContext.HTTP.Method = method
	return req
}

func response(status int, body string, headers map[string]string) events.APIGatewayV2HTTPResponse {
	h := map[string]string{"Content-Type": "application/json"}
	if status >= 400 {
		h["Content-Type"] = "application/problem+json"
	}
	for k, v := range headers {
		h[k] = v
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: body, Headers: h}
}

// TestValidateBites: the check refuses what drifts from the contract, and passes what does not.
func TestValidateBites(t *testing.T) {
	turn := `{"id":"c1","messages":[],"quick_replies":null,"actions":[],"state":"active"}`
	for name, c := range map[string]struct {
		req  events.APIGatewayV2HTTPRequest
		resp events.APIGatewayV2HTTPResponse
		ok   bool
	}{
		"conforming turn": {request("POST", "/v1/conversations/c1/messages", `{"text":"hi"}`), response(200, turn, nil), true},
		"field the contract lacks": {request("POST", "/v1/conversations/c1/messages", `{"text":"hi"}`),
			response(200, `{"id":"c1","messages":[],"quick_replies":[],"actions":[],"state":"active","mood":"happy"}`, nil), false},
		"field missing": {request("POST", "/v1/conversations/c1/messages", `{"text":"hi"}`),
			response(200, `{"id":"c1","messages":[],"actions":[],"state":"active"}`, nil), false},
		"undocumented status": {request("POST", "/v1/conversations/c1/messages", `{"text":"hi"}`),
			response(418, `{"type":"urn:lingxi:problem:teapot","title":"t","status":418}`, nil), false},
		"problem type the route does not answer": {request("GET", "/v1/conversations/c1", ""),
			response(404, `{"type":"urn:lingxi:problem:quota-exceeded","title":"t","status":404}`, nil), false},
		"accepted request the contract refuses": {request("POST", "/v1/conversations/c1/messages", `{"text":"hi","mood":1}`),
			response(200, turn, nil), false},
		"refused bad request, documented problem": {request("POST", "/v1/conversations/c1/messages", `{"mood":1}`),
			response(400, `{"type":"urn:lingxi:problem:validation","title":"t","status":400,"errors":[{"field":"/mood","reason":"unknown field"}]}`, nil), true},
		"429 without Retry-After": {request("GET", "/v1/conversations/c1", ""),
			response(429, `{"type":"urn:lingxi:problem:rate-limited","title":"t","status":429}`, nil), false},
		"429 with Retry-After": {request("GET", "/v1/conversations/c1", ""),
			response(429, `{"type":"urn:lingxi:problem:rate-limited","title":"t","status":429}`, map[string]string{"Retry-After": "1"}), true},
		"unknown route": {request("GET", "/v1/nowhere", ""),
			response(404, `{"type":"urn:lingxi:problem:no-route","title":"t","status":404}`, nil), true},
	} {
		t.Run(name, func(t *testing.T) {
			err := Validate(c.req, c.resp)
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
