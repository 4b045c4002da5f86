// Command interactions is the Lambda function behind POST /interactions,
// Discord's Interactions Endpoint URL: it verifies each interaction,
// answers slash commands and buttons from the table and queues the
// commands that could take longer than Discord's three seconds, and any
// that run out of their budget (discord.Bridge).
package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/functions/internal/config"
	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/aws/lambdahttp"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/rewards"
)

func main() { config.Main("interactions", setup) }

// setup reads the configuration and builds the clients, once per cold start.
func setup(env *config.Env, log *slog.Logger) (any, error) {
	key, err := discord.ParsePublicKey(os.Getenv("DISCORD_PUBLIC_KEY"))
	if err != nil {
		return nil, fmt.Errorf("DISCORD_PUBLIC_KEY: %w", err)
	}
	store, err := config.Store(env)
	if err != nil {
		return nil, err
	}
	queue, err := config.Queue(env)
	if err != nil {
		return nil, err
	}
	commands := &interact.Handler{Store: store, Links: store, Roles: store, Bans: store, Custom: store, Timers: store, Hunts: store, Picked: store,
		Calls: &calls.Admin{Store: store, Log: log}} // /calls pick runs in the worker
	commands.GTB = &interact.GTB{Rounds: store, Hunts: store}    // /gtb open and close; the worker answers the rest
	commands.Giveaways = &giveaway.Admin{Store: store, Log: log} // /giveaway start and end; the worker draws
	commands.Raffle = &raffle.Admin{Store: store}                // /raffle draw runs in the worker
	commands.Clips = &clip.Admin{Store: store}
	commands.Rewards = &rewards.Admin{Store: store}
	// /announce test runs in the worker; the flap window needs only the
	// go-live store.
	commands.Announce = &announce.Service{Store: store, Flaps: &golive.Alerts{Store: store}}
	stateKey, baseURL, ok, err := config.Consent(env)
	switch {
	case err != nil:
		return nil, err
	case ok:
		// Only the start links are made here; the rest of /kick runs in
		// the worker.
		commands.Kick = &connect.Service{Store: store, Key: stateKey, BaseURL: baseURL, Log: log}
	default:
		log.Warn("PUBLIC_BASE_URL is not set: /kick connect and /link are off")
	}
	return metric.Handle(config.Metrics(env, "interactions", log), handler(commands, queue, key, log, time.Now)), nil
}

// handler is the function's whole request path, from the API Gateway event
// to the store and the queue.
func handler(commands *interact.Handler, queue discord.Queue, key ed25519.PublicKey, log *slog.Logger, now func() time.Time) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	bridge := discord.Bridge{Handler: commands, Later: queue, Now: now}
	return lambdahttp.Handler(discord.NewHTTPHandler(discord.Verifier{Key: key}, bridge, log, now), log)
}
