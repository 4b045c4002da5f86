// Package work is the worker's dispatcher: it takes one job and does what
// its kind and event call for. Stream status and metadata update the
// guild's stream state (and a status goes to the go-live alerts, whose
// live jobs tick them); follows, subscriptions, gifts, KICKs, reward
// redemptions and bans go to the guild's event log, where later features
// announce and reward them, and bans and subscriptions also mark the
// viewer for the sweep. Command jobs answer chat commands in Kick chat,
// sweep jobs credit one guild for one minute, roles jobs grant a guild's
// watchtime roles, timer jobs say a timed message in Kick chat, and
// interaction jobs answer the slash commands that were deferred.
//
// Every write is keyed by the job's cause, so a job that runs twice (SQS
// delivers at least once) changes nothing the second time.
package work

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/rolesync"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// DefaultEventTTL is how long event-log entries are kept.
const DefaultEventTTL = 90 * 24 * time.Hour

// Worker runs jobs. Set Store and Sweep; the rest have defaults.
type Worker struct {
	Store Store
	// Sweep credits one guild for one minute (the sweep's fan-out jobs).
	Sweep interface {
		Guild(ctx context.Context, guild string, m watchtime.Minute, now time.Time) (sweep.Report, error)
	}
	// Chat answers chat commands in Kick chat (package chat).
	Chat interface {
		Run(ctx context.Context, guild string, ev event.Event, cmd command.Command, now time.Time) error
	}
	// Reconnect tells a channel's guilds that Kick refused its login
	// (upkeep.Upkeep); nil leaves it to the hourly check.
	Reconnect interface {
		Reauth(ctx context.Context, broadcaster int64) error
	}
	// Roles grants a guild's watchtime roles (rolesync.Syncer).
	Roles interface {
		Guild(ctx context.Context, guild string) (rolesync.Report, error)
	}
	// Timers and Say say the timed messages the sweep queues (timer
	// jobs): Timers claims each post, Say (a *chat.Sender) says it.
	Timers TimerStore
	Say    chat.Sayer
	// Rand returns a random number in [0, n) for the {random:…} and
	// {randnum:…} of timed messages; nil is math/rand/v2's.
	Rand func(n int64) int64
	// Raffle takes the tickets subs, gifts and KICKs earn; nil earns
	// none.
	Raffle RaffleStore
	// Rewards credits the points and says the thank-you an event earns
	// (rewards.Service), after the event is logged; nil is off.
	Rewards interface {
		Event(ctx context.Context, guild string, ev event.Event, now time.Time) error
	}
	// Announce posts the logged follows, subs, gifts, KICKs and
	// redemptions to Discord, and the follow batches the sweep finds due
	// (follows jobs); nil announces nothing.
	Announce Announcer
	// Live posts go-live alerts and stream recaps (golive.Alerts) from
	// status events and the sweep's live jobs; nil posts none.
	Live LiveAlerts
	// Interact runs deferred slash commands and Replies answers them.
	Interact *interact.Handler
	Replies  Replier
	// RetryAfter is how long the queue waits before offering a failed job
	// again; DefaultRetryAfter when ≤ 0.
	RetryAfter time.Duration
	// Now tells the time; nil is time.Now.
	Now      func() time.Time
	Log      *slog.Logger
	EventTTL time.Duration
}

func (w *Worker) now() time.Time {
	if w.Now == nil {
		return time.Now()
	}
	return w.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// Do runs one job. Errors carry a kind: only Transient ones are worth a
// retry; an Invalid or NotFound job can never succeed as it is.
func (w *Worker) Do(ctx context.Context, j job.Job) error {
	if err := j.Validate(); err != nil {
		return err
	}
	switch j.Kind {
	case job.KindSweep:
		if w.Sweep == nil {
			return fault.E(fault.Internal, "worker has no sweeper for job %s", j.ID)
		}
		_, err := w.Sweep.Guild(ctx, j.Guild, watchtime.Minute(j.Sweep.Minute), j.Sweep.At)
		return err
	case job.KindInteraction:
		return w.interaction(ctx, j)
	case job.KindTimer:
		return w.timer(ctx, j)
	case job.KindFollows:
		return w.follows(ctx, j)
	case job.KindLive:
		if w.Live == nil {
			return nil
		}
		return w.Live.Tick(ctx, j.Guild, w.now())
	case job.KindCommand:
		if w.Chat == nil {
			// Without a voice in chat a command is answered by silence,
			// like an unknown one.
			return fault.E(fault.NotFound, "unknown command !%s", j.Command.Name)
		}
		err := w.Chat.Run(ctx, j.Guild, *j.Event, *j.Command, w.now())
		if errors.Is(err, credential.ErrReconnect) && w.Reconnect != nil {
			// Tell the admins now, not at the next hourly check.
			if rerr := w.Reconnect.Reauth(ctx, j.Event.Broadcaster); rerr != nil {
				w.log().WarnContext(ctx, "could not tell the guilds to reconnect Kick", "job", j.ID, "error", rerr)
			}
		}
		return err
	case job.KindRoles:
		if w.Roles == nil {
			return fault.E(fault.Internal, "worker has no role sync for job %s", j.ID)
		}
		rep, err := w.Roles.Guild(ctx, j.Guild)
		for _, p := range rep.Problems {
			if p.Err != nil {
				// The problem stays unreported; the next sync tries again.
				w.log().WarnContext(ctx, "could not tell the guild's admins about a role problem",
					"guild", j.Guild, "problem", p.Key(), "error", p.Err)
			}
		}
		// Problems of the server's setup never fail the job: only a
		// Transient error is worth a retry.
		return err
	}
	ev := *j.Event
	switch ev.Type {
	case event.LivestreamStatus:
		if ev.Status == nil {
			return fault.E(fault.Invalid, "job %s: status event without status", j.ID)
		}
		if err := w.Store.SetStreamStatus(ctx, j.Guild, ev.SentAt, *ev.Status); err != nil || w.Live == nil {
			return err
		}
		return w.Live.Status(ctx, j.Guild, ev.Broadcaster, ev.SentAt, *ev.Status, w.now())
	case event.LivestreamMetadata:
		if ev.Metadata == nil {
			return fault.E(fault.Invalid, "job %s: metadata event without metadata", j.ID)
		}
		return w.Store.SetStreamMetadata(ctx, j.Guild, ev.SentAt, *ev.Metadata)
	case event.Followed, event.SubscriptionNew, event.SubscriptionRenew, event.SubscriptionGifts,
		event.KicksGifted, event.RewardRedemption, event.Banned:
		ttl := w.EventTTL
		if ttl <= 0 {
			ttl = DefaultEventTTL
		}
		// From the signed delivery time: a renewal's created_at may be the
		// subscription's start, months back, and would expire the entry on
		// arrival.
		if err := w.Store.LogEvent(ctx, j.Guild, ev, ev.SentAt.Add(ttl)); err != nil {
			return err
		}
		if err := w.viewerState(ctx, j.Guild, ev); err != nil {
			return err
		}
		if err := w.raffleTickets(ctx, j.Guild, ev); err != nil {
			return err
		}
		if err := w.announce(ctx, j.Guild, ev); err != nil {
			return err
		}
		if w.Rewards == nil {
			return nil
		}
		return w.Rewards.Event(ctx, j.Guild, ev, w.now())
	case event.ChatMessage:
		return fault.E(fault.Invalid, "job %s: plain chat is not a job", j.ID)
	default:
		return fault.E(fault.NotFound, "job %s: no handler for event type %q", j.ID, ev.Type)
	}
}

// LiveAlerts posts go-live alerts and stream recaps (golive.Alerts).
type LiveAlerts interface {
	Status(ctx context.Context, guild string, broadcaster int64, at time.Time, s event.Status, now time.Time) error
	Tick(ctx context.Context, guild string, now time.Time) error
}

// viewerState records what an event says about viewers that watchtime
// depends on: bans (no credit while banned) and subscriptions (the
// subscriber multiplier).
func (w *Worker) viewerState(ctx context.Context, guild string, ev event.Event) error {
	switch {
	case ev.Ban != nil:
		if ev.Ban.Target.ID == 0 {
			return nil
		}
		until := ev.Ban.ExpiresAt
		if ev.Ban.Permanent() {
			until = audience.Forever
		}
		// The ban's own time orders it against other bans and unbans; a
		// payload without one falls back to the signed delivery time.
		issued := ev.Ban.CreatedAt
		if issued.IsZero() {
			issued = ev.SentAt
		}
		return w.Store.RecordBan(ctx, guild, ev.Ban.Target, issued, until)
	case ev.Sub != nil:
		return w.subscribed(ctx, guild, ev, ev.Sub.Subscriber, ev.Sub.ExpiresAt)
	case ev.Gifts != nil:
		for _, u := range ev.Gifts.Giftees {
			if err := w.subscribed(ctx, guild, ev, u, ev.Gifts.ExpiresAt); err != nil {
				return err
			}
		}
	}
	return nil
}

// subscribed records a subscription from the event's time; without an
// expiry in the payload it is taken to last a month, Kick's subscription
// period, from the event. A month that ended before the delivery counts
// from the delivery: a renewal's created_at may be the subscription's
// start, months back.
func (w *Worker) subscribed(ctx context.Context, guild string, ev event.Event, u event.User, until time.Time) error {
	if u.ID == 0 {
		return nil
	}
	if until.IsZero() {
		until = ev.OccurredAt().AddDate(0, 1, 0)
		if until.Before(ev.SentAt) {
			until = ev.SentAt.AddDate(0, 1, 0)
		}
	}
	return w.Store.RecordSubscription(ctx, guild, u, ev.OccurredAt(), until)
}
