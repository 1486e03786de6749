// Command httpecho is a test function behind the HTTP API: it echoes the event it received, or
// panics, fails, or sleeps, depending on the path.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type echo struct {
	Event     json.RawMessage   `json:"event"`
	RequestID string            `json:"requestId"`
	ARN       string            `json:"functionArn"`
	Deadline  int64             `json:"deadlineMs"`
	Env       map[string]string `json:"env"`
}

var envNames = []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_REGION", "AWS_LAMBDA_LOG_FORMAT", "_HANDLER", "GREETING", "TABLE", "SELF_URL", "AWS_ENDPOINT_URL_DYNAMODB",
	"AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_LAMBDA", "_X_AMZN_TRACE_ID", "HOME"}

func handle(ctx context.Context, raw json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	ms, _ := strconv.Atoi(req.QueryStringParameters["ms"])
	switch {
	case strings.HasSuffix(req.RawPath, "/panic"):
		panic("boom")
	case strings.HasSuffix(req.RawPath, "/error"):
		return events.APIGatewayV2HTTPResponse{}, errors.New("handler failed")
	case strings.HasSuffix(req.RawPath, "/exit"):
		os.Exit(3)
	case strings.HasSuffix(req.RawPath, "/binary"):
		return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff}),
			IsBase64Encoded: true, Headers: map[string]string{"Content-Type": "application/octet-stream"}}, nil
	case strings.HasSuffix(req.RawPath, "/plain"):
		return events.APIGatewayV2HTTPResponse{}, nil // replaced below by a bare JSON value
	}
	if ms > 0 {
		time.Sleep(time.Duration(ms) * time.Millisecond) // deliberately ignores the deadline
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	e := echo{Event: raw, RequestID: lc.AwsRequestID, ARN: lc.InvokedFunctionArn, Deadline: deadline.UnixMilli(), Env: map[string]string{}}
	for _, k := range envNames {
		if v, ok := os.LookupEnv(k); ok {
			e.Env[k] = v
		}
	}
	body, _ := json.Marshal(e)
	return events.APIGatewayV2HTTPResponse{
		StatusCode:        200,
		Headers:           map[string]string{"Content-Type": "application/json", "X-Echo": "yes"},
		MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}},
		Cookies:           []string{"session=abc; Path=/", "theme=dark"},
		Body:              string(body),
	}, nil
}

func main() {
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (any, error) {
		var req struct {
			RawPath string `json:"rawPath"`
		}
		json.Unmarshal(raw, &req)
		if strings.HasSuffix(req.RawPath, "/plain") {
			return map[string]string{"hello": "world"}, nil
		}
		return handle(ctx, raw)
	})
}
