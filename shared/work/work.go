// Package work is the worker's dispatcher: it takes one job and does what
// its kind and event call for. Stream status and metadata update the
// guild's stream state; follows, subscriptions, gifts, KICKs, reward
// redemptions and bans go to the guild's event log, where later features
// announce and reward them.
//
// Every write is keyed by the job's cause, so a job that runs twice (SQS
// delivers at least once) changes nothing the second time.
package work

import (
	"context"
	"log/slog"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
)

// DefaultEventTTL is how long event-log entries are kept.
const DefaultEventTTL = 90 * 24 * time.Hour

// Worker runs jobs. Set Store; the rest have defaults.
type Worker struct {
	Store    Store
	Log      *slog.Logger
	EventTTL time.Duration
}

// Do runs one job. Errors carry a kind: only Transient ones are worth a
// retry; an Invalid or NotFound job can never succeed as it is.
func (w *Worker) Do(ctx context.Context, j job.Job) error {
	if err := j.Validate(); err != nil {
		return err
	}
	ev := *j.Event
	switch j.Kind {
	case job.KindCommand:
		// Chat commands arrive with the features that define them; until a
		// command is known it is answered by silence, like Kick chat bots do.
		return fault.E(fault.NotFound, "unknown command !%s", j.Command.Name)
	}
	switch ev.Type {
	case event.LivestreamStatus:
		if ev.Status == nil {
			return fault.E(fault.Invalid, "job %s: status event without status", j.ID)
		}
		return w.Store.SetStreamStatus(ctx, j.Guild, ev.SentAt, *ev.Status)
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
		return w.Store.LogEvent(ctx, j.Guild, ev, ev.OccurredAt().Add(ttl))
	case event.ChatMessage:
		return fault.E(fault.Invalid, "job %s: plain chat is not a job", j.ID)
	default:
		return fault.E(fault.NotFound, "job %s: no handler for event type %q", j.ID, ev.Type)
	}
}
