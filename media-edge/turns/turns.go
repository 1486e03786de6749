// Package turns sends a call's voice turns to the chat bot's turn logic and reads its answer: the
// actions the edge carries out (say, gather, transfer, hangup).
//
// The edge is a platform component: it resolves a call's tenant from the dialled number and
// invokes the chat function directly (Lambda Invoke, RequestResponse) under its own IAM role,
// never with a tenant's API key. In AWS the invoker is the aws-sdk-go-v2 Lambda client with the
// task role's credentials; locally it is the same client pointed at devstack's Invoke API
// (AWS_ENDPOINT_URL_LAMBDA). The payload and the answer are the chat function's
// (functions/chat/handler/invoke.go): the answer is the JSON of POST /v1/voice/turns, or
// {"error": problem}.
//
// Files: turns.go is the client; wire.go the payload and the answer's decoding; errors.go the
// errors a turn can end in.
package turns

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Invoker is what the client needs of the Lambda client; *lambda.Client is one.
type Invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ Invoker = (*lambda.Client)(nil)

// Client runs voice turns against one chat function.
type Client struct {
	inv      Invoker
	function string
	retryer  aws.Retryer
}

// New returns a client invoking function (its name, ARN or partial ARN) through inv.
func New(inv Invoker, function string) *Client {
	return &Client{inv: inv, function: function, retryer: retry.NewStandard(func(o *retry.StandardOptions) {
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(notRun)}
	})}
}

// notRun says whether an invocation failed before the function could run, the only case in which
// a turn is retried: Lambda throttled it (TooManyRequestsException), or no connection was made.
// Anything else (a 5xx, a connection lost once the request was sent) may have run the turn, and a
// turn run twice moves the dialog on twice; that error goes to the edge instead, which tells the
// caller it did not catch that. (The SDK's default retryer would retry those too.)
func notRun(err error) aws.Ternary {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "TooManyRequestsException" {
		return aws.TrueTernary
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return aws.TrueTernary
	}
	return aws.FalseTernary
}

// Input is one voice turn of a call.
type Input struct {
	// CallID is the call's id (the SIP Call-ID): one conversation per call.
	CallID string
	// Caller is the calling number. Personal data: never log it in full.
	Caller string
	// Dialled is the number the caller dialled (the tenant's).
	Dialled string
	// Language is the dialled number's language, "zh" or "en"; "" lets the bot decide.
	Language string
	// Text is what the caller said; DTMF the keys they pressed. At most one of them. Neither is
	// the call's answer on its first turn and a timeout (the caller said nothing) after that.
	Text, DTMF string
	// Confidence is the recogniser's confidence in Text, 0 to 1; sent only with Text.
	Confidence float64
}

// Turn sends one voice turn of tenant t and returns the bot's reply. A turn the chat function
// refused is an *Error (errors.As); a failed invocation (timeout, crash) wraps ErrFunction.
func (c *Client) Turn(ctx context.Context, t tenant.ID, in Input) (Reply, error) {
	if t.IsZero() {
		return Reply{}, fmt.Errorf("voice turn of call %s: %w", in.CallID, errNoTenant)
	}
	payload, err := encode(t, in)
	if err != nil {
		return Reply{}, fmt.Errorf("voice turn of call %s: %w", in.CallID, err)
	}
	out, err := c.inv.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(c.function),
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		Payload:        payload,
	}, func(o *lambda.Options) { o.Retryer = c.retryer })
	if err != nil {
		return Reply{}, fmt.Errorf("invoke %s for call %s: %w", c.function, in.CallID, err)
	}
	if fe := aws.ToString(out.FunctionError); fe != "" {
		return Reply{}, fmt.Errorf("invoke %s for call %s: %w", c.function, in.CallID, functionError(fe, out.Payload))
	}
	r, err := decode(out.Payload)
	if err != nil {
		return Reply{}, fmt.Errorf("voice turn of call %s: %w", in.CallID, err)
	}
	return r, nil
}
