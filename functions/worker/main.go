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
	"github.com/kickbot/kickbot/shared/work"
)

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
	w := &work.Worker{Store: dynamo.New(ddb, table), Log: log}
	lambda.Start(jobqueue.Handler(w, log))
}
