package work

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/reply"
	"github.com/kickbot/kickbot/shared/response"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/timer"
)

// TimerStore is what saying a timed message needs from the database.
// Implementations return fault.Transient for failures a retry may fix.
type TimerStore interface {
	// ClaimTimerPost records p as its timer's latest post if the timer's
	// last post is still p.Prior, and reports whether p may be said (true
	// again for a retry of p itself); false when another post came
	// between or the timer is gone.
	ClaimTimerPost(ctx context.Context, guild string, p timer.Post) (bool, error)
	// Connection returns the Kick channel guild is connected to;
	// fault.NotFound when it has none.
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
	// Stream returns the guild's stream state, for the variables of a
	// message that shows it.
	Stream(ctx context.Context, guild string) (stream.State, error)
}

// timer says the timed message of j in the guild's Kick chat: unless it
// is stale (reply.Stale from its slot), it claims the post on the timer
// (so of the posts decided from one state one is said, and the timer's
// last post and next variant move on), then says it through the chat
// Sender, whose claim of the post's cause says it once however often the
// job runs, within the channel's rate window. The message's variables
// are filled in just before (render).
func (w *Worker) timer(ctx context.Context, j job.Job) error {
	if w.Timers == nil || w.Say == nil {
		return fault.E(fault.Internal, "worker has no timer store or chat sender for job %s", j.ID)
	}
	p, now := *j.Timer, w.now()
	log := w.log().With("guild", j.Guild, "timer", p.Name, "slot", p.Slot)
	if reply.Stale(p.Slot, now) {
		log.WarnContext(ctx, "timed message not said: stale", "age", now.Sub(p.Slot))
		return nil
	}
	ok, err := w.Timers.ClaimTimerPost(ctx, j.Guild, p)
	if err != nil {
		return err
	}
	if !ok {
		log.InfoContext(ctx, "timed message not said: another post came first, or the timer is gone")
		return nil
	}
	broadcaster, channel, _, err := w.Timers.Connection(ctx, j.Guild)
	if fault.Is(err, fault.NotFound) {
		log.InfoContext(ctx, "timed message not said: no Kick channel")
		return nil
	}
	if err != nil {
		return err
	}
	text, err := w.render(ctx, j.Guild, p.Text, channel, now)
	if err != nil {
		return err
	}
	out, err := w.Say.Say(ctx, chat.Message{
		Broadcaster: broadcaster, Text: text,
		Cause: fmt.Sprintf("timer/%s/%s/%d", j.Guild, p.Name, p.Slot.Unix()/60),
	}, now)
	switch {
	case errors.Is(err, credential.ErrReconnect) && w.Reconnect != nil:
		if rerr := w.Reconnect.Reauth(ctx, broadcaster); rerr != nil {
			log.WarnContext(ctx, "could not tell the guilds to reconnect Kick", "error", rerr)
		}
	case fault.Is(err, fault.Transient) && reply.Stale(p.Slot, now.Add(w.retryAfter())):
		// A retry would find the post stale; the timer waits its interval.
		log.WarnContext(ctx, "timed message not said: a retry would be too late", "err", err)
		return nil
	case err == nil:
		log.InfoContext(ctx, "timed message", "outcome", out)
	}
	return err
}

func (w *Worker) retryAfter() time.Duration {
	if w.RetryAfter <= 0 {
		return DefaultRetryAfter
	}
	return w.RetryAfter
}

// render fills in the variables of a timed message (timer.Validate
// allows only those of the channel and the stream, and randomness),
// reading the stream state only when the text shows it.
func (w *Worker) render(ctx context.Context, guild, text, channel string, now time.Time) (string, error) {
	d := response.Data{Channel: channel, Now: now, Rand: w.Rand}
	if d.Rand == nil {
		d.Rand = rand.Int64N
	}
	if response.Needs(text).Has(response.Stream) {
		st, err := w.Timers.Stream(ctx, guild)
		if err != nil {
			return "", err
		}
		d.Live, d.StartedAt, d.Title, d.Category = st.Live, st.StartedAt, st.Title, st.Category.Name
	}
	return response.Render(text, d), nil
}
