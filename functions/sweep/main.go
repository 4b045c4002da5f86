// Command sweep is the Lambda function an EventBridge schedule invokes once
// a minute: it credits watchtime and points for that minute, inline for a
// few guilds and through the queue for many, and queues the follow
// announcements that are due. It holds no Kick client: the
// live-status reconcile runs in the upkeep function.
package main

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/functions/internal/config"
	"github.com/kickbot/kickbot/functions/internal/guard"
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
	sw := &sweep.Sweeper{Store: store, Queue: queue, Timers: store, Raffle: store, Stats: store, Alerts: store, Follows: store, Log: log}
	// The bot's own messages never count as chat that wakes a timer.
	if id, err := strconv.ParseInt(env.Getenv("KICK_BOT_USER_ID"), 10, 64); err == nil && id > 0 {
		sw.BotUserID = id
	}
	return metric.HandleErr(config.Metrics(env, "sweep", log), handler(sw, log)), nil
}

// handler sweeps the minute of the schedule's own time, so a late or
// repeated invocation credits the minute it was meant for, once, and
// queues the follow batches due then (the Sweeper's Follows). A panic is
// logged and returned as an error.
func handler(sw *sweep.Sweeper, log *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
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
			"viewers", rep.Viewers, "credited", rep.Credited, "follow_batches", rep.Follows, "err", err)
		// An error makes Lambda retry the invocation; the credits already
		// written are skipped by their conditions, the follow jobs by
		// their ids and marks.
		return err
	})
}
