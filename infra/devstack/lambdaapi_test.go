package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

// lambdaClient is the real SDK client pointed at the stack, with made-up credentials.
func lambdaClient(st *Stack) *lambda.Client {
	return lambda.NewFromConfig(aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		BaseEndpoint: aws.String(st.LambdaURL()),
	})
}

// The real aws-sdk-go-v2 Lambda client invokes the stack's functions by logical id, name, ARN
// and partial ARN; a function error comes back as Lambda reports it; unknown functions and
// qualifiers are ResourceNotFoundException; a function with no concurrency is throttled; and the
// ECS resources beside the functions are ignored.
func TestLambdaInvokeAPI(t *testing.T) {
	st, _ := startStack(t, "invoke.yaml", nil)
	c := lambdaClient(st)
	ctx := context.Background()
	arn := functionARN("devstack-invoke-echo")
	for _, name := range []string{"Echo", "devstack-invoke-echo", arn, arn + ":$LATEST", AccountID + ":function:devstack-invoke-echo"} {
		out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"rawPath":"/hi","kind":"x"}`)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var resp struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if out.StatusCode != 200 || out.FunctionError != nil || aws.ToString(out.ExecutedVersion) != "$LATEST" ||
			json.Unmarshal(out.Payload, &resp) != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, `"kind":"x"`) {
			t.Fatalf("%s: %d %s %s", name, out.StatusCode, aws.ToString(out.FunctionError), out.Payload)
		}
		if !strings.Contains(resp.Body, `"functionArn":"`+arn+`"`) {
			t.Fatalf("%s: invoked ARN not in %s", name, resp.Body)
		}
	}
	// A function error: 200 with X-Amz-Function-Error and the error document.
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("Echo"), Payload: []byte(`{"rawPath":"/error"}`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorMessage":"handler failed"`) {
		t.Fatalf("function error: %v %+v %s", err, out, out.Payload)
	}
	// A crash: Runtime.ExitError, and the next call is a cold start that works.
	out, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("Echo"), Payload: []byte(`{"rawPath":"/exit"}`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "Runtime.ExitError") {
		t.Fatalf("crash: %v %s", err, out.Payload)
	}
	// DryRun checks the function exists and runs nothing.
	before := st.Stats("Echo").Invocations
	out, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("Echo"), InvocationType: lambdatypes.InvocationTypeDryRun})
	if err != nil || out.StatusCode != http.StatusNoContent || st.Stats("Echo").Invocations != before {
		t.Fatalf("dry run: %v %+v", err, out)
	}

	refused := map[string]struct {
		in   lambda.InvokeInput
		code string
	}{
		"unknown":        {lambda.InvokeInput{FunctionName: aws.String("Nope")}, "ResourceNotFoundException"},
		"other account":  {lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:999999999999:function:devstack-invoke-echo")}, "ResourceNotFoundException"},
		"version":        {lambda.InvokeInput{FunctionName: aws.String("Echo"), Qualifier: aws.String("1")}, "ResourceNotFoundException"},
		"ecs resource":   {lambda.InvokeInput{FunctionName: aws.String("Service")}, "ResourceNotFoundException"},
		"throttled":      {lambda.InvokeInput{FunctionName: aws.String("Throttled")}, "TooManyRequestsException"},
		"event":          {lambda.InvokeInput{FunctionName: aws.String("Echo"), InvocationType: lambdatypes.InvocationTypeEvent}, "InvalidParameterValueException"},
		"payload limits": {lambda.InvokeInput{FunctionName: aws.String("Echo"), Payload: []byte(`"` + strings.Repeat("a", maxPayload) + `"`)}, "RequestTooLargeException"},
	}
	for name, c2 := range refused {
		t.Run(name, func(t *testing.T) {
			_, err := c.Invoke(ctx, &c2.in, func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != c2.code {
				t.Fatalf("%v, want %s", err, c2.code)
			}
		})
	}
	var notFound *lambdatypes.ResourceNotFoundException
	if _, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("Nope")}); !errors.As(err, &notFound) {
		t.Fatalf("typed not found: %v", err)
	}

	// Unsigned requests are refused; so are other paths.
	for path, want := range map[string]int{
		"/2015-03-31/functions/Echo/invocations": http.StatusForbidden,
		"/2015-03-31/functions":                  http.StatusNotFound,
	} {
		resp, err := http.Post(st.LambdaURL()+path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want || resp.Header.Get("X-Amzn-ErrorType") == "" {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, resp.Header)
		}
	}
	// Functions are told where the API is.
	out, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("Echo"), Payload: []byte(`{"rawPath":"/env"}`)})
	if err != nil || !strings.Contains(string(out.Payload), `AWS_ENDPOINT_URL_LAMBDA\":\"`+st.LambdaURL()) {
		t.Fatalf("env: %v %s", err, out.Payload)
	}
}

// FunctionName is untrusted text: whatever parseFunctionName accepts is a plain function name.
func FuzzFunctionName(f *testing.F) {
	for _, s := range []string{"Echo", "arn:aws:lambda:us-east-1:000000000000:function:chat:$LATEST", "000000000000:function:x",
		"arn:aws:lambda:us-east-1:999999999999:function:x", "a/b", "", "x:1"} {
		f.Add(s, "")
		f.Add(s, "$LATEST")
	}
	f.Fuzz(func(t *testing.T, name, qualifier string) {
		got, err := parseFunctionName(name, qualifier)
		if err == nil && !functionNamePattern.MatchString(got) {
			t.Fatalf("%q %q → %q", name, qualifier, got)
		}
	})
}
