package sweep

import (
	"context"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TimerStore is what timed messages need from the database.
// Implementations return fault.Transient for failures a retry may fix.
type TimerStore interface {
	// Timers returns the guild's timers with their post state.
	Timers(ctx context.Context, guild string) ([]timer.Timer, error)
}

// postTimer queues the post of guild's one timer due at minute m, if
// any (timer.Pick), as a job keyed by guild, timer and slot; the worker
// claims and says it. Whether enough viewers chatted is judged first from
// the activity the run read already (r); older chat is read, once, only
// when a timer is still waiting for chatters the run did not read, so a
// busy guild reads nothing more and a quiet one little.
func (s *Sweeper) postTimer(ctx context.Context, guild string, m watchtime.Minute, st stream.State, set settings.Settings, r read) error {
	timers, err := s.Timers.Timers(ctx, guild)
	if err != nil {
		return err
	}
	now := m.Start()
	ch := timer.Channel{Live: st.Live, LiveSince: st.StartedAt}
	from, needChat := timer.ReadFrom(timers, now, ch)
	ch.Chats = s.chats(r.acts, set)
	post, ok := timer.Pick(timers, now, ch)
	if first := watchtime.MinuteOf(from); !ok && needChat && (!r.ok || first < r.from) {
		to := m - 1
		if r.ok {
			to = r.from - 1
		}
		older, err := s.Store.Activity(ctx, guild, first, to)
		if err != nil {
			return err
		}
		ch.Chats = append(ch.Chats, s.chats(older, set)...)
		post, ok = timer.Pick(timers, now, ch)
	}
	if !ok {
		return nil
	}
	if s.Queue == nil {
		return fault.E(fault.Internal, "the sweep has no queue for timer %s", post.Name)
	}
	// The post's text is the timer's as written; the worker renders it.
	return s.Queue.Enqueue(ctx, job.ForTimer(guild, post))
}

// chats is the chat in acts that counts for timers: activity with a badge
// (only a chat message carries one), not by the bot itself nor by a name
// the guild ignores (the streamer's other bots).
func (s *Sweeper) chats(acts []audience.Activity, set settings.Settings) []timer.Chat {
	out := make([]timer.Chat, 0, len(acts))
	for _, a := range acts {
		if a.Subscriber == nil || (s.BotUserID != 0 && a.UserID == s.BotUserID) || set.IsIgnored(a.Username) {
			continue
		}
		out = append(out, timer.Chat{UserID: a.UserID, At: a.At})
	}
	return out
}
