// Command live is the stream consumer that keeps each tenant's wallboard (shared/wallboard) and
// pushes messages, contact updates, agent statuses and the wallboard's figures to the WebSocket
// connections of agents, supervisors and widget visitors (shared/push).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lingxi/lingxi/functions/live/handler"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table, endpoint := env.Get("TABLE_NAME"), env.Get(push.EndpointEnv)
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	sender := push.NewSender(push.NewRegistry(db), push.NewClient(cfg, endpoint))
	reader := floor.New(db, nil) // reads only: a tenant's first board starts from the floor
	lambda.StartHandlerFunc(handler.New(db, sender, handler.Config{}, log, handler.WithFloor(reader)).Handle)
}
