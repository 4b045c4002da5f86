package work

import (
	"context"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
)

// Announcer posts a guild's events to Discord (announce.Service).
type Announcer interface {
	// Event announces ev once per cause: a follow joins the guild's
	// follow batch, the rest are posted at once.
	Event(ctx context.Context, guild string, ev event.Event) error
	// FlushFollows posts guild's follow batch opened at opened, once.
	FlushFollows(ctx context.Context, guild string, opened time.Time) error
}

// announce announces a logged event. Only a Transient failure fails the
// job: a channel that is gone or closed to the bot stays so on a retry,
// and the event is recorded already.
func (w *Worker) announce(ctx context.Context, guild string, ev event.Event) error {
	if w.Announce == nil || ev.Type == event.Banned {
		return nil
	}
	err := w.Announce.Event(ctx, guild, ev)
	if err != nil && !fault.Is(err, fault.Transient) {
		w.log().WarnContext(ctx, "event not announced", "guild", guild, "event", ev.ID, "type", string(ev.Type), "error", err)
		return nil
	}
	return err
}

// follows posts a follow batch the sweep found due.
func (w *Worker) follows(ctx context.Context, j job.Job) error {
	if w.Announce == nil {
		return nil
	}
	return w.Announce.FlushFollows(ctx, j.Guild, j.Follows)
}
