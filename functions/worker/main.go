// Command worker is the Lambda function that runs jobs from the FIFO queue.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/kickbot/kickbot/shared/dynamo"
	"github.com/kickbot/kickbot/shared/jobqueue"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/work"
)

// workerConcurrency bounds the parallel credit writes for one guild: a
// guild with 20,000 active viewers then takes about 20,000 / 32 round
// trips of a few milliseconds, well inside the function's timeout.
const workerConcurrency = 32

func main() {
	log := lambdacontext.NewLogger()
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		log.Error("worker init failed", "err", fmt.Errorf("TABLE_NAME must be set"))
		os.Exit(1)
	}
	ddb, err := dynamo.NewClient(context.Background(), os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil {
		log.Error("worker init failed", "err", err)
		os.Exit(1)
	}
	store := dynamo.New(ddb, table)
	// The worker credits one guild per fan-out job; it never fans out again.
	w := &work.Worker{Store: store, Sweep: &sweep.Sweeper{Store: store, Concurrency: workerConcurrency, Log: log}, Log: log}
	lambda.Start(jobqueue.Handler(w, log))
}
