// Command agents is the WebSocket API's function: $connect authenticates a person's session or a
// widget visitor's token and registers the connection, $disconnect forgets it, and $default
// answers pings. Messages to clients are pushed by other functions (shared/push).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lingxi/lingxi/functions/agents/handler"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/lambdaenv"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
)

func main() {
	log := lambdacontext.NewLogger()
	var env lambdaenv.Required
	table := env.Get("TABLE_NAME")
	cfg, err := env.AWSConfig(context.Background())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), table)
	authn, err := auth.NewAuthenticator(db, "") // people and visitors only: no platform admin
	if err != nil {
		log.Error("configure auth", "err", err)
		os.Exit(1)
	}
	lambda.StartHandlerFunc(handler.New(authn, push.NewRegistry(db), log).Handle)
}
