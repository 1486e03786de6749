// Command wsecho is a test WebSocket function: $connect refuses ?deny=1, the "echo" route pushes
// "echo:<text>" back through the @connections API with the real apigatewaymanagementapi client,
// $default pushes "default:<body>", and $disconnect prints "DISCONNECTED <id>".
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

type handler struct {
	api *apigatewaymanagementapi.Client
}

func (h *handler) push(ctx context.Context, id, msg string) error {
	_, err := h.api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(msg)})
	return err
}

func (h *handler) handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	switch rc.RouteKey {
	case "$connect":
		if req.QueryStringParameters["deny"] == "1" {
			return events.APIGatewayProxyResponse{StatusCode: 403, Body: "denied"}, nil
		}
		fmt.Printf("CONNECTED %s %s\n", rc.ConnectionID, rc.EventType)
	case "$disconnect":
		fmt.Printf("DISCONNECTED %s %s\n", rc.ConnectionID, rc.EventType)
	case "echo":
		var msg struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(req.Body), &msg); err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 400}, nil
		}
		if err := h.push(ctx, rc.ConnectionID, "echo:"+msg.Text+" via "+rc.EventType+" "+rc.Stage); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	default:
		if err := h.push(ctx, rc.ConnectionID, "default:"+req.Body); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	}
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	api := apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(os.Getenv("WS_ENDPOINT"))
	})
	lambda.Start((&handler{api: api}).handle)
}
