// Command interactions is the Lambda function behind POST /interactions,
// Discord's Interactions Endpoint URL: it verifies each interaction,
// answers slash commands and buttons from the table and queues the
// commands that could take longer than Discord's three seconds.
package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/dynamo"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/jobqueue"
	"github.com/kickbot/kickbot/shared/lambdahttp"
)

func main() {
	log := lambdacontext.NewLogger()
	h, err := setup(context.Background(), log)
	if err != nil {
		log.Error("interactions init failed", "err", err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// setup reads the configuration and builds the clients, once per cold start.
func setup(ctx context.Context, log *slog.Logger) (func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), error) {
	table, queueURL := os.Getenv("TABLE_NAME"), os.Getenv("QUEUE_URL")
	if table == "" || queueURL == "" {
		return nil, fmt.Errorf("TABLE_NAME and QUEUE_URL must be set")
	}
	key, err := discord.ParsePublicKey(os.Getenv("DISCORD_PUBLIC_KEY"))
	if err != nil {
		return nil, fmt.Errorf("DISCORD_PUBLIC_KEY: %w", err)
	}
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	ddb, err := dynamo.NewClient(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	sqsClient, err := jobqueue.NewClient(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(ddb, table)
	commands := &interact.Handler{Store: store, Links: store, Roles: store}
	return handler(commands, jobqueue.New(sqsClient, queueURL), key, log, time.Now), nil
}

// handler is the function's whole request path, from the API Gateway event
// to the store and the queue.
func handler(commands *interact.Handler, queue discord.Queue, key ed25519.PublicKey, log *slog.Logger, now func() time.Time) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	bridge := discord.Bridge{Handler: commands, Later: queue, Now: now}
	return lambdahttp.Handler(discord.NewHTTPHandler(discord.Verifier{Key: key}, bridge, log, now))
}
