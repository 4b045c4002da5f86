// Package config reads the functions' configuration from the environment,
// and their secrets from SSM Parameter Store, once per cold start, and
// builds the clients it names. A secret NAME is read from the variable
// NAME (local runs) or from the SecureString parameter named by
// NAME_PARAMETER (deployed); see package secret.
package config

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/jobqueue"
	"github.com/kickbot/kickbot/shared/aws/secret"
	"github.com/kickbot/kickbot/shared/clipsvc"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/logattr"
	"github.com/kickbot/kickbot/shared/metric"
)

// Env reads one function's configuration. Make it with New.
type Env struct {
	ctx context.Context
	// Getenv reads a variable; New sets os.Getenv.
	Getenv func(string) string
	// SSM reads parameters; nil makes a client on the first secret that
	// names one.
	SSM secret.API
}

// New returns an Env that reads the process's environment with ctx.
func New(ctx context.Context) *Env { return &Env{ctx: ctx, Getenv: os.Getenv} }

// Secret returns the secret name, or "" when neither name nor
// name_PARAMETER is set. Its errors name the parameter, never a value.
func (e *Env) Secret(name string) (string, error) {
	value, param := e.Getenv(name), e.Getenv(name+"_PARAMETER")
	if e.SSM == nil && value == "" && param != "" {
		c, err := secret.NewClient(e.ctx)
		if err != nil {
			return "", err
		}
		e.SSM = c
	}
	v, err := secret.Resolve(e.ctx, e.SSM, value, param)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// Require returns the variables names, or an error naming those unset.
func (e *Env) Require(names ...string) ([]string, error) {
	vals := make([]string, len(names))
	var missing []string
	for i, n := range names {
		if vals[i] = e.Getenv(n); vals[i] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%v must be set", missing)
	}
	return vals, nil
}

// Store returns the table TABLE_NAME names, at AWS_ENDPOINT_URL if set.
func Store(e *Env) (*dynamo.Store, error) {
	v, err := e.Require("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	c, err := dynamo.NewClient(e.ctx, e.Getenv("AWS_ENDPOINT_URL"))
	if err != nil {
		return nil, err
	}
	return dynamo.New(c, v[0]), nil
}

// Queue returns the jobs queue QUEUE_URL names.
func Queue(e *Env) (*jobqueue.Queue, error) {
	v, err := e.Require("QUEUE_URL")
	if err != nil {
		return nil, err
	}
	c, err := jobqueue.NewClient(e.ctx, e.Getenv("AWS_ENDPOINT_URL"))
	if err != nil {
		return nil, err
	}
	return jobqueue.New(c, v[0]), nil
}

// Kick returns a client of Kick's API and OAuth server with the app's
// credentials (KICK_CLIENT_ID, KICK_CLIENT_SECRET; KICK_API_URL and
// KICK_AUTH_URL move it, for development), or nil when KICK_CLIENT_ID is
// unset.
func Kick(e *Env) (*kickapi.Client, error) {
	id := strings.TrimSpace(e.Getenv("KICK_CLIENT_ID"))
	if id == "" {
		return nil, nil
	}
	sec, err := e.Secret("KICK_CLIENT_SECRET")
	if err != nil {
		return nil, err
	}
	if sec == "" {
		return nil, fmt.Errorf("KICK_CLIENT_ID is set but not KICK_CLIENT_SECRET or KICK_CLIENT_SECRET_PARAMETER")
	}
	c := kickapi.New(id, sec)
	c.APIBase, c.AuthBase = e.Getenv("KICK_API_URL"), e.Getenv("KICK_AUTH_URL")
	return c, nil
}

// DiscordApp is the Discord application the bot runs as.
type DiscordApp struct {
	ID, BotToken string
	// APIURL moves the REST calls, for development; "" is Discord.
	APIURL string
}

// Discord returns the Discord application (DISCORD_APPLICATION_ID,
// DISCORD_BOT_TOKEN, DISCORD_API_URL); ok is false when
// DISCORD_APPLICATION_ID is unset. It returns the values, not a client, so
// that a function without Discord links none of its code.
func Discord(e *Env) (app DiscordApp, ok bool, err error) {
	app.ID = e.Getenv("DISCORD_APPLICATION_ID")
	if app.ID == "" {
		return DiscordApp{}, false, nil
	}
	if app.BotToken, err = e.Secret("DISCORD_BOT_TOKEN"); err != nil {
		return DiscordApp{}, false, err
	}
	if app.BotToken == "" {
		return DiscordApp{}, false, fmt.Errorf("DISCORD_APPLICATION_ID is set but not DISCORD_BOT_TOKEN or DISCORD_BOT_TOKEN_PARAMETER")
	}
	app.APIURL = e.Getenv("DISCORD_API_URL")
	return app, true, nil
}

// Consent returns the state-signing key (STATE_SIGNING_KEY, hex) and the
// public base URL (PUBLIC_BASE_URL) the Kick connection builds its links
// from, each a secret by package secret's convention (the template keeps
// the base URL in SSM, since the API's own URL cannot go into the
// environment of a function it routes to). ok is false when neither is
// set.
func Consent(e *Env) (key []byte, baseURL string, ok bool, err error) {
	rawURL, err := e.Secret("PUBLIC_BASE_URL")
	if err != nil {
		return nil, "", false, err
	}
	rawKey, err := e.Secret("STATE_SIGNING_KEY")
	if err != nil {
		return nil, "", false, err
	}
	switch {
	case rawURL == "" && rawKey == "":
		return nil, "", false, nil
	case rawURL == "":
		return nil, "", false, fmt.Errorf("STATE_SIGNING_KEY is set, so PUBLIC_BASE_URL or PUBLIC_BASE_URL_PARAMETER must be too")
	case rawKey == "":
		return nil, "", false, fmt.Errorf("PUBLIC_BASE_URL is set, so STATE_SIGNING_KEY or STATE_SIGNING_KEY_PARAMETER must be too")
	}
	if baseURL, err = connect.ParseBaseURL(rawURL); err != nil {
		return nil, "", false, fmt.Errorf("PUBLIC_BASE_URL: %w", err)
	}
	if key, err = connect.ParseKey(rawKey); err != nil {
		return nil, "", false, fmt.Errorf("STATE_SIGNING_KEY: %w", err)
	}
	return key, baseURL, true, nil
}

// Metrics returns where the function name's invocations write their
// metrics: stdout, in the namespace METRICS_NAMESPACE names (the template
// sets one per stack), each metric with the dimension Function=name.
func Metrics(e *Env, name string, log *slog.Logger) metric.Sink {
	return metric.Stdout(e.Getenv("METRICS_NAMESPACE"), name, e.Getenv("AWS_LAMBDA_LOG_LEVEL"), log)
}

// Logger is Lambda's JSON logger, each line given the attributes of its
// context (package logattr: the guild, the event type, the delivery or
// interaction id).
func Logger() *slog.Logger {
	return slog.New(logattr.NewHandler(lambdacontext.NewLogger().Handler()))
}

// ClipService returns the client of the optional clip service
// (CLIP_SERVICE_URL, with its API key CLIP_SERVICE_KEY), or nil when
// CLIP_SERVICE_URL is unset: !clip then marks moments only.
func ClipService(e *Env) (*clipsvc.Client, error) {
	base := strings.TrimSpace(e.Getenv("CLIP_SERVICE_URL"))
	if base == "" {
		return nil, nil
	}
	key, err := e.Secret("CLIP_SERVICE_KEY")
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, fmt.Errorf("CLIP_SERVICE_URL is set but not CLIP_SERVICE_KEY or CLIP_SERVICE_KEY_PARAMETER")
	}
	c, err := clipsvc.New(base, key)
	if err != nil {
		return nil, fmt.Errorf("CLIP_SERVICE_URL: %w", err)
	}
	return c, nil
}

// Main is a function's main: it builds the handler with setup once, from
// the process's environment and with Lambda's JSON logger, and serves it;
// a setup error is logged and ends the process, so Lambda reports a
// failed init.
func Main(name string, setup func(env *Env, log *slog.Logger) (handler any, err error)) {
	log := Logger()
	h, err := setup(New(context.Background()), log)
	if err != nil {
		log.Error(name+" init failed", "err", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
