// Command webhook is the Lambda function behind POST /webhooks/kick: it
// verifies Kick's signature, records activity and queues work.
package main

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/jobqueue"
	"github.com/kickbot/kickbot/shared/aws/lambdahttp"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/kick"
	"github.com/kickbot/kickbot/shared/logattr"
	"github.com/kickbot/kickbot/shared/metric"
)

func main() {
	// Lambda's JSON logger, each line with its context's attributes (see
	// config.Logger, not used here for the reason below).
	log := slog.New(logattr.NewHandler(lambdacontext.NewLogger().Handler()))
	h, err := setup(context.Background(), log)
	if err != nil {
		log.Error("webhook init failed", "err", err)
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
	key := kick.DefaultPublicKey()
	if path := os.Getenv("KICK_PUBLIC_KEY_FILE"); path != "" {
		k, err := kick.LoadPublicKey(path)
		if err != nil {
			return nil, err
		}
		key = k
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
	h := handler(dynamo.New(ddb, table), jobqueue.New(sqsClient, queueURL), key, log, time.Now)
	// One EMF document per invocation; config.Metrics is not used here,
	// to keep the SSM client out of the hottest function's cold start.
	return metric.Handle(metric.Stdout(os.Getenv("METRICS_NAMESPACE"), "webhook", os.Getenv("AWS_LAMBDA_LOG_LEVEL"), log), h), nil
}

// handler is the function's whole request path, from the API Gateway event
// to the store and the queue.
func handler(store ingest.Store, queue ingest.Queue, key *rsa.PublicKey, log *slog.Logger, now func() time.Time) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	svc := &ingest.Service{Store: store, Queue: queue, Now: now, Log: log}
	if gs, ok := store.(interface { // *dynamo.Store; a test's fake may have no giveaways
		giveaway.Current
		giveaway.Enterer
	}); ok {
		svc.Giveaways = &giveaway.Entrance{Keywords: &giveaway.Keywords{Store: gs}, Store: gs}
	}
	return lambdahttp.Handler(kick.NewHandler(kick.NewVerifier(key), svc.Handle, svc.KeepUnprocessable, log, now), log)
}
