// Command tick is a test scheduled function: it prints "TICK <event JSON>".
package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, ev events.EventBridgeEvent) error {
		b, _ := json.Marshal(ev)
		fmt.Printf("TICK %s\n", b)
		return nil
	})
}
