// Command sweep is the Lambda function an EventBridge schedule invokes once
// a minute: it credits watchtime and points for that minute, inline for a
// few guilds and through the queue for many, and queues the follow
// announcements that are due. It holds no Kick client: the
// live-status reconcile runs in the upkeep function.
package main

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/functions/internal/config"
	"github.com/kickbot/kickbot/functions/internal/guard"
	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

func main() { config.Main("sweep", setup) }

// setup reads the configuration and builds the clients, once per cold start.
func setup(env *config.Env, log *slog.Logger) (any, error) {
	store, err := config.Store(env)
	if err != nil {
		return nil, err
	}
	queue, err := config.Queue(env)
	if err != nil {
		return nil, err
	}
	// Stats keeps each live minute for the stream's recap; Alerts lists
	// the guilds whose go-live alert or recap waits for a tick.
	sw := &sweep.Sweeper{Store: store, Queue: queue, Timers: store, Raffle: store, Stats: store, Alerts: store, Log: log}
	// The bot's own messages never count as chat that wakes a timer.
	if id, err := strconv.ParseInt(env.Getenv("KICK_BOT_USER_ID"), 10, 64); err == nil && id > 0 {
		sw.BotUserID = id
	}
	follows := func(ctx context.Context, now time.Time) (int, error) {
		return announce.QueueDueFollows(ctx, store, queue, now)
	}
	return metric.HandleErr(config.Metrics(env, "sweep", log), handlerWith(sw, follows, log)), nil
}

// handler sweeps the minute of the schedule's own time, so a late or
// repeated invocation credits the minute it was meant for, once. A panic
// is logged and returned as an error.
func handler(sw *sweep.Sweeper, log *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	return handlerWith(sw, nil, log)
}

// handlerWith is handler that also queues the follow batches due at the
// schedule's time (announce.QueueDueFollows), when follows is set: the
// minute tick is the only clock fine enough for them.
func handlerWith(sw *sweep.Sweeper, follows func(context.Context, time.Time) (int, error), log *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	return guard.Scheduled("sweep", log, func(ctx context.Context, e events.EventBridgeEvent) error {
		if e.Time.IsZero() {
			log.ErrorContext(ctx, "scheduled event without a time: nothing swept", "id", e.ID)
			return nil
		}
		m := watchtime.MinuteOf(e.Time)
		start := time.Now()
		rep, err := sw.Run(ctx, m, e.Time)
		rec := metric.From(ctx)
		rec.Duration(metric.SweepDuration, time.Since(start))
		rec.Count(metric.SweepGuilds, float64(rep.Guilds))
		level := slog.LevelInfo
		if err != nil {
			level = slog.LevelError
		}
		log.Log(ctx, level, "sweep", "minute", int64(m), "guilds", rep.Guilds, "fanned_out", rep.FannedOut,
			"viewers", rep.Viewers, "credited", rep.Credited, "err", err)
		if follows != nil {
			n, ferr := follows(ctx, e.Time)
			switch {
			case ferr != nil:
				log.ErrorContext(ctx, "follow batches due", "queued", n, "err", ferr)
			case n > 0:
				log.InfoContext(ctx, "follow batches due", "queued", n)
			}
			err = errors.Join(err, ferr)
		}
		// An error makes Lambda retry the invocation; the credits already
		// written are skipped by their conditions, the follow jobs by
		// their ids and marks.
		return err
	})
}
