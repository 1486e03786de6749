package turns_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lingxi/lingxi/media-edge/turns"
	"github.com/lingxi/lingxi/shared/tenant"
)

// greeter stands in for the Lambda client: it answers every turn with the chat function's answer
// to a call's first turn.
type greeter struct{}

func (greeter) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"conversation_id":"cv-call-1","actions":[` +
		`{"type":"say","text":"您好，请问有什么可以帮您？"},{"type":"gather","dtmf":true,"max_digits":1,"timeout_ms":8000}],` +
		`"state":"active","language":"zh"}`)}, nil
}

// The edge answers a call: the first turn carries no input, and the bot greets and listens. In
// production the Invoker is lambda.NewFromConfig(cfg) under the task role; locally the same client
// with AWS_ENDPOINT_URL_LAMBDA pointing at devstack.
func ExampleClient_Turn() {
	demo, _ := tenant.Parse("demo") // in the edge: the dialled number's tenant, from the directory
	c := turns.New(greeter{}, "lingxi-ChatFunction")
	r, err := c.Turn(context.Background(), demo, turns.Input{CallID: "a84b4c76e66710@192.0.2.4", Caller: "+8613800138000", Dialled: "+862160001234"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range r.Actions {
		fmt.Println(a.Type, a.Text, a.MaxDigits)
	}
	// Output:
	// say 您好，请问有什么可以帮您？ 0
	// gather  1
}
