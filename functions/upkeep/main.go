// Command upkeep is the Lambda function three EventBridge schedules
// invoke, each with its task as input: {"task":"live"} every five minutes
// reconciles live status with Kick's channels API (off the sweep's path,
// at most sweep.DefaultMaxChannels channels a run); {"task":"roles"} every
// ten minutes fans the watchtime role sync out per guild; {"task":"connections"} every
// hour renews Kick logins, tells guilds whose login Kick refused, repairs
// event subscriptions and takes guilds without a connection out of the
// sweep's live index.
package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/kickbot/kickbot/functions/internal/bot"
	"github.com/kickbot/kickbot/functions/internal/config"
	"github.com/kickbot/kickbot/functions/internal/guard"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/notice"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/upkeep"
)

func main() {
	config.Main("upkeep", func(env *config.Env, log *slog.Logger) (any, error) {
		u, err := setup(env, log)
		if err != nil {
			return nil, err
		}
		return metric.HandleErr(config.Metrics(env, "upkeep", log), handler(u, log, time.Now)), nil
	})
}

// setup reads the configuration and builds the clients, once per cold start.
func setup(env *config.Env, log *slog.Logger) (*upkeep.Upkeep, error) {
	store, err := config.Store(env)
	if err != nil {
		return nil, err
	}
	queue, err := config.Queue(env)
	if err != nil {
		return nil, err
	}
	kick, err := config.Kick(env)
	if err != nil {
		return nil, err
	}
	rest, err := bot.REST(env)
	if err != nil {
		return nil, err
	}
	u := &upkeep.Upkeep{Store: store, Queue: queue, Unlist: unlist(store, log), Log: log}
	if kick != nil {
		u.Reconcile = (&sweep.Reconciler{Store: store, Channels: kick, Queue: queue, Log: log}).Run
	} else {
		log.Warn("KICK_CLIENT_ID or the client secret is not set: live status is not reconciled with Kick's API")
	}
	if kick == nil || rest == nil {
		log.Warn("the Kick app (KICK_CLIENT_ID and its secret) or the Discord app (DISCORD_APPLICATION_ID and the bot token) is not set: Kick logins and subscriptions are not kept")
		return u, nil
	}
	k := kickapi.Adapter{Client: kick}
	svc := &connect.Service{Store: store, Kick: k, Log: log}
	u.Tokens = &credential.Source{Store: store, Kick: k}
	u.Notify = &notice.Notifier{Store: store, Poster: rest}
	u.Repair = func(ctx context.Context) error {
		rep, err := svc.RepairAll(ctx)
		log.Log(ctx, levelOf(err, len(rep.Failed) > 0), "subscriptions repaired", "channels", rep.Channels, "created", rep.Created,
			"removed", rep.Removed, "orphans", rep.Orphans, "failed", rep.Failed, "err", err)
		return err
	}
	return u, nil
}

// unlist returns the task that takes guilds without a connection out of
// the live index, logging the ones it took.
func unlist(store *dynamo.Store, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		guilds, err := store.UnlistDisconnected(ctx)
		if len(guilds) > 0 || err != nil {
			log.Log(ctx, levelOf(err, false), "guilds without a connection taken out of the live index", "guilds", guilds, "err", err)
		}
		return err
	}
}

// levelOf is the level of a task's log line: ERROR when it failed, WARN
// when part of it did, INFO otherwise.
func levelOf(err error, partly bool) slog.Level {
	switch {
	case err != nil:
		return slog.LevelError
	case partly:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// Input is what a schedule sends.
type Input struct {
	Task upkeep.Task `json:"task"`
}

// handler runs the task the schedule names. An error makes Lambda retry
// the invocation; every task is safe to repeat. A panic is logged and
// returned as an error.
func handler(u *upkeep.Upkeep, log *slog.Logger, now func() time.Time) func(context.Context, Input) error {
	return guard.Scheduled("upkeep", log, func(ctx context.Context, in Input) error {
		err := u.Run(ctx, in.Task, now())
		log.Log(ctx, levelOf(err, false), "upkeep", "task", in.Task, "err", err)
		if fault.Is(err, fault.Invalid) {
			return nil // a schedule with a wrong input: a retry cannot help
		}
		return err
	})
}
