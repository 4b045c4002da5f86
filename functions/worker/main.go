// Command worker is the Lambda function that runs jobs from the FIFO queue.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/dynamo"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/jobqueue"
	"github.com/kickbot/kickbot/shared/secret"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/work"
)

// workerConcurrency bounds the parallel credit writes for one guild: a
// guild with 20,000 active viewers then takes about 20,000 / 32 round
// trips of a few milliseconds, well inside the function's timeout.
const workerConcurrency = 32

func main() {
	log := lambdacontext.NewLogger()
	w, err := setup(context.Background(), log)
	if err != nil {
		log.Error("worker init failed", "err", err)
		os.Exit(1)
	}
	lambda.Start(jobqueue.Handler(w, log))
}

// setup reads the configuration and builds the clients, once per cold start.
func setup(ctx context.Context, log *slog.Logger) (*work.Worker, error) {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME must be set")
	}
	ddb, err := dynamo.NewClient(ctx, os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil {
		return nil, err
	}
	store := dynamo.New(ddb, table)
	// The worker credits one guild per fan-out job; it never fans out again.
	w := &work.Worker{Store: store, Sweep: &sweep.Sweeper{Store: store, Concurrency: workerConcurrency, Log: log}, Log: log}
	rest, err := discordREST(ctx)
	if err != nil {
		return nil, err
	}
	if rest != nil {
		w.Interact, w.Replies = &interact.Handler{Store: store}, discord.Replies{REST: rest}
	} else {
		log.Warn("DISCORD_APPLICATION_ID or the bot token is not set: deferred slash commands are not answered")
	}
	return w, nil
}

// discordREST returns a Discord REST client as the bot, or nil when the
// application is not configured.
func discordREST(ctx context.Context) (*discord.REST, error) {
	app := os.Getenv("DISCORD_APPLICATION_ID")
	if app == "" {
		return nil, nil
	}
	var ssm secret.API
	if os.Getenv("DISCORD_BOT_TOKEN_PARAMETER") != "" {
		c, err := secret.NewClient(ctx)
		if err != nil {
			return nil, err
		}
		ssm = c
	}
	token, err := secret.FromEnv(ctx, ssm, "DISCORD_BOT_TOKEN")
	if err != nil || token == "" {
		return nil, err
	}
	return discord.NewREST(token, app, os.Getenv("DISCORD_API_URL"))
}
