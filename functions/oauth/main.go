// Command oauth is the Lambda function behind GET /oauth/kick/start and
// GET /oauth/kick/callback: it sends a streamer or a viewer from a Discord
// button to Kick's consent page (PKCE, signed single-use state) and, when
// Kick sends them back, connects the guild to the streamer's channel or
// links the viewer's Kick account, and shows a page saying what happened.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/functions/internal/config"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/lambdahttp"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/oauthweb"
	"github.com/kickbot/kickbot/shared/metric"
)

func main() { config.Main("oauth", setup) }

// setup reads the configuration and builds the clients, once per cold
// start. Without KICK_CLIENT_ID the pages answer that Kick is not set up;
// with it, the state-signing key and the public base URL are needed too.
func setup(env *config.Env, log *slog.Logger) (any, error) {
	store, err := config.Store(env)
	if err != nil {
		return nil, err
	}
	kick, err := config.Kick(env)
	if err != nil {
		return nil, err
	}
	if kick == nil {
		log.Warn("KICK_CLIENT_ID is not set: the OAuth routes answer that the Kick connection is not set up")
		return metric.Handle(config.Metrics(env, "oauth", log), handler(nil, log, time.Now)), nil
	}
	key, baseURL, ok, err := config.Consent(env)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("KICK_CLIENT_ID is set, so STATE_SIGNING_KEY and PUBLIC_BASE_URL (or their _PARAMETER names) must be too")
	}
	return metric.Handle(config.Metrics(env, "oauth", log), handler(service(key, baseURL, store, kick, log), log, time.Now)), nil
}

// service is the consent flow on store and Kick.
func service(key []byte, baseURL string, store *dynamo.Store, kick *kickapi.Client, log *slog.Logger) *connect.Service {
	return &connect.Service{Store: store, Kick: kickapi.Adapter{Client: kick}, Key: key, BaseURL: baseURL, Log: log}
}

// handler is the function's whole request path, from the API Gateway event
// to the store and Kick; a nil flow answers that Kick is not set up.
func handler(flow oauthweb.Flow, log *slog.Logger, now func() time.Time) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return lambdahttp.Handler(oauthweb.New(flow, log, now), log)
}
