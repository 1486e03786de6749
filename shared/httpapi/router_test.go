package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func request(method, path, body string) events.APIGatewayV2HTTPRequest {
	r := events.APIGatewayV2HTTPRequest{RawPath: path, Body: body, Headers: map[string]string{"content-type": "application/json"}}
	r.RequestContext.HTTP.Method = method
	return r
}

func problemOf(t *testing.T, resp events.APIGatewayV2HTTPResponse) Problem {
	t.Helper()
	if resp.Headers["Content-Type"] != "application/problem+json" {
		t.Fatalf("content type %q", resp.Headers["Content-Type"])
	}
	var p Problem
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRouter(t *testing.T) {
	rt := NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	type body struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	rt.Handle("POST /v1/things/{id}", func(_ context.Context, r *Request) (Response, error) {
		var b body
		if err := r.DecodeJSON(&b); err != nil {
			return Response{}, err
		}
		return JSON(201, map[string]any{"id": r.Params["id"], "name": b.Name}), nil
	})
	rt.Handle("GET /v1/boom", func(context.Context, *Request) (Response, error) { panic("secret table name") })
	rt.Handle("GET /v1/fail", func(context.Context, *Request) (Response, error) {
		return Response{}, errors.New("dynamodb: ResourceNotFoundException table lingxi-Table")
	})

	tests := map[string]struct {
		req    events.APIGatewayV2HTTPRequest
		status int
		kind   *Kind
		field  string
	}{
		"ok":            {request("POST", "/v1/things/t1", `{"name":"<a>","n":1}`), 201, nil, ""},
		"no route":      {request("GET", "/v1/nothing", ""), 404, KindNoRoute, ""},
		"wrong method":  {request("GET", "/v1/things/t1", ""), 404, KindNoRoute, ""},
		"bad json":      {request("POST", "/v1/things/t1", `{"name":`), 400, KindMalformed, ""},
		"two values":    {request("POST", "/v1/things/t1", `{} {}`), 400, KindMalformed, ""},
		"unknown field": {request("POST", "/v1/things/t1", `{"tenant":"b"}`), 400, KindValidation, "/tenant"},
		"wrong type":    {request("POST", "/v1/things/t1", `{"n":"x"}`), 400, KindValidation, "/n"},
		"too large":     {request("POST", "/v1/things/t1", `{"name":"`+strings.Repeat("x", DefaultMaxBody)+`"}`), 413, KindTooLarge, ""},
		"panic":         {request("GET", "/v1/boom", ""), 500, KindInternal, ""},
		"internal":      {request("GET", "/v1/fail", ""), 500, KindInternal, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := rt.Serve(context.Background(), tc.req)
			if err != nil || resp.StatusCode != tc.status {
				t.Fatalf("status %d (%v), want %d: %s", resp.StatusCode, err, tc.status, resp.Body)
			}
			if tc.kind == nil {
				if !strings.Contains(resp.Body, `"name":"<a>"`) || !strings.Contains(resp.Body, `"id":"t1"`) {
					t.Fatalf("body %s", resp.Body)
				}
				return
			}
			p := problemOf(t, resp)
			if p.Type != tc.kind.TypeURI() || p.Status != tc.status {
				t.Fatalf("problem %+v", p)
			}
			if strings.Contains(resp.Body, "secret") || strings.Contains(resp.Body, "dynamodb") {
				t.Fatalf("internal detail reached the caller: %s", resp.Body)
			}
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Fatalf("errors %+v do not point at %s", p.Errors, tc.field)
			}
		})
	}
}

// The router's limit is the one every body check uses: DecodeJSON, CheckBodySize (a check before
// anything reads the body, as the chat function's) and a route's own lower MaxBody.
func TestRouterMaxBody(t *testing.T) {
	rt := NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	rt.SetMaxBody(32)
	var v struct {
		A string `json:"a"`
	}
	rt.Handle("POST /decode", func(_ context.Context, r *Request) (Response, error) {
		return JSON(200, nil), r.DecodeJSON(&v)
	})
	rt.Handle("POST /check", func(_ context.Context, r *Request) (Response, error) {
		return JSON(200, nil), r.CheckBodySize()
	})
	rt.Handle("POST /small", func(_ context.Context, r *Request) (Response, error) {
		return JSON(200, nil), r.DecodeOptionalJSON(&v, MaxBody(12))
	})
	tests := map[string]struct {
		path, body string
		status     int
	}{
		"decode within":     {"/decode", `{"a":"` + strings.Repeat("x", 20) + `"}`, 200},
		"decode over":       {"/decode", `{"a":"` + strings.Repeat("x", 40) + `"}`, 413},
		"check within":      {"/check", strings.Repeat("x", 32), 200},
		"check over":        {"/check", strings.Repeat("x", 33), 413},
		"route max within":  {"/small", `{"a":"xx"}`, 200},
		"route max over":    {"/small", `{"a":"xxxxxx"}`, 413},
		"route max nothing": {"/small", "", 200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, _ := rt.Serve(context.Background(), request("POST", tc.path, tc.body))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, resp.Body, tc.status)
			}
			if tc.status == 413 {
				if p := problemOf(t, resp); p.Type != KindTooLarge.TypeURI() || !strings.Contains(p.Detail, "the limit is") {
					t.Fatalf("problem %+v", p)
				}
			}
		})
	}
}
