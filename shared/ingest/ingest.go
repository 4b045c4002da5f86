// Package ingest decides what a verified Kick event changes: it routes the
// event to the guilds connected to its channel, records viewer activity,
// and queues every piece of work that is not a plain chat message.
//
// # Order of writes
//
// A delivery may fail half-way (the store or the queue is down) and Kick
// then retries it with the same message id. Every step is therefore either
// naturally idempotent or keyed by that id, and the steps run in an order
// that lets a retry finish a half-done delivery without repeating any part:
//
//  1. Record the actor's activity in each guild: one write to the item of
//     the viewer's minute, so repeating it changes nothing the sweep reads.
//     Plain chat stops here: it needs no dedupe record, which keeps it to at
//     most one write per message (and none when this instance already
//     recorded the same viewer, minute, name and badge). A chat message
//     that is an open giveaway's keyword also writes its sender's entry
//     (Giveaways: keyed by giveaway and viewer, so a retry writes nothing
//     new); the keyword is matched against a cached giveaway, so other
//     chat reads and writes nothing more.
//  2. If the delivery is already marked done, stop (a duplicate).
//  3. Enqueue one job per guild. Job ids derive from the guild, type and
//     message id, so the FIFO queue drops a re-sent copy, and the worker
//     keys its writes by the cause, so even a copy the queue let through
//     changes nothing.
//  4. Mark the delivery done (a conditional put with a TTL longer than the
//     webhook's freshness window, so a replay inside the window is caught).
//
// Marking last is what makes retries safe: had the mark come first, a crash
// before the enqueue would turn Kick's retry into a silently lost event.
//
// Everything that can be refused is checked before step 1 (the jobs are
// built and validated first), so a refused delivery has written nothing.
// The dedupe record and the job ids name the event type as well as the
// message id: the type header is not signed, and a copy re-sent under
// another type must not make the genuine delivery look done.
package ingest

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/logattr"
	"github.com/kickbot/kickbot/shared/metric"
)

// Defaults for the Service's tunables.
const (
	// DefaultConnectionTTL bounds how long a broadcaster's guild list is
	// cached; a new connection takes effect within it.
	DefaultConnectionTTL = 30 * time.Second
	// DefaultDeliveryTTL keeps dedupe records. It must exceed the webhook's
	// freshness window (48h) so no accepted replay can outlive its record.
	DefaultDeliveryTTL = 72 * time.Hour
	// DefaultUnprocessableTTL keeps unprocessable deliveries long enough
	// for someone to look at them after a weekend.
	DefaultUnprocessableTTL = 7 * 24 * time.Hour
	// maxTouched bounds the recent-touch cache of one instance.
	maxTouched = 50_000
)

// Service turns verified events into writes and jobs. The zero value is not
// usable; set Store, Queue and Now. It is safe for concurrent use.
type Service struct {
	Store Store
	Queue Queue
	Now   func() time.Time
	Log   *slog.Logger

	// Giveaways enters keyword messages in a guild's open giveaway
	// (giveaway.Entrance); nil enters none.
	Giveaways interface {
		Enter(ctx context.Context, guild string, ev event.Event, now time.Time) error
	}

	ConnectionTTL    time.Duration
	DeliveryTTL      time.Duration
	UnprocessableTTL time.Duration

	mu      sync.Mutex
	conns   map[int64]cachedGuilds
	touched map[touchKey]struct{}
}

type cachedGuilds struct {
	guilds []string
	until  time.Time
}

// touchKey is one activity write: a viewer's minute as this instance
// recorded it.
type touchKey struct {
	guild  string
	user   int64
	minute int64
	name   string
	badge  int8
}

// ErrNotConnected is returned (wrapped, kind NotFound) for events of a
// broadcaster no guild is connected to.
var ErrNotConnected = fault.E(fault.NotFound, "broadcaster is not connected to any guild")

// Handle applies one verified event. It returns a NotFound error for an
// unconnected broadcaster (nothing is written) and a Transient error when a
// retry of the same delivery may succeed.
func (s *Service) Handle(ctx context.Context, ev event.Event) error {
	now := s.Now()
	guilds, err := s.guilds(ctx, ev.Broadcaster, now)
	if err != nil {
		return err
	}
	if len(guilds) == 0 {
		return ErrNotConnected
	}
	if len(guilds) == 1 {
		logattr.Add(ctx, slog.String("guild", guilds[0])) // for the lines the webhook logs about this delivery
	} else {
		logattr.Add(ctx, slog.Any("guild", guilds))
	}

	// Build and check the jobs before the first write, so that a refused
	// delivery changes nothing.
	var jobs []job.Job
	if cmd, ok := commandOf(ev); ok || ev.Chat == nil {
		jobs = make([]job.Job, len(guilds))
		for i, g := range guilds {
			jobs[i] = job.ForEvent(g, ev, cmd)
			if err := jobs[i].Validate(); err != nil {
				return err
			}
		}
	}

	if actor, ok := ev.Actor(); ok {
		at := ev.OccurredAt()
		if at.After(now) {
			at = now // a clock ahead of ours must not make a viewer active for longer
		}
		a := audience.Activity{UserID: actor.ID, Username: actor.Username, At: at}
		if ev.Chat != nil {
			// Only chat carries badges; other actions say nothing either way.
			sub := actor.HasBadge("subscriber")
			a.Subscriber = &sub
		}
		for _, g := range guilds {
			if err := s.touch(ctx, g, a); err != nil {
				return err
			}
		}
	}

	if ev.Chat != nil && s.Giveaways != nil {
		for _, g := range guilds {
			if err := s.Giveaways.Enter(ctx, g, ev, now); err != nil {
				return err
			}
		}
	}

	if jobs == nil {
		return nil // plain chat: activity (and a keyword entry) is all it changes
	}

	done, err := s.Store.Delivered(ctx, ev.ID, ev.Type)
	if err != nil {
		return err
	}
	if done {
		s.logger().DebugContext(ctx, "duplicate delivery", "message_id", ev.ID, "event_type", ev.Type)
		metric.From(ctx).Count(metric.DeliveriesDuplicate, 1)
		return nil
	}
	if err := s.Queue.Enqueue(ctx, jobs...); err != nil {
		return err
	}
	return s.Store.MarkDelivered(ctx, ev.ID, ev.Type, now, now.Add(durationOr(s.DeliveryTTL, DefaultDeliveryTTL)))
}

// commandOf returns the chat command in ev, if it is a chat message that
// holds one that may have an answer: a built-in, or any name a custom
// command may have (command.Routable). Whether the guild has that custom
// command is the worker's question: asking here would cost a read on the
// webhook's path, and a cache of the guild's names would make a new
// command wait for it. A "!word" that is no command costs one queue
// message and one read in the worker.
func commandOf(ev event.Event) (*command.Command, bool) {
	if ev.Chat == nil {
		return nil, false
	}
	c, ok := command.Parse(ev.Chat.Content)
	if !ok || !command.Routable(c.Name) {
		return nil, false
	}
	return &c, true
}

// KeepUnprocessable keeps a verified delivery that cannot be handled, for
// UnprocessableTTL, stamped with the time it was received.
func (s *Service) KeepUnprocessable(ctx context.Context, u Unprocessable) error {
	now := s.Now()
	u.ReceivedAt = now
	return s.Store.KeepUnprocessable(ctx, u, now.Add(durationOr(s.UnprocessableTTL, DefaultUnprocessableTTL)))
}

// guilds returns the broadcaster's guilds, from the cache while it is fresh.
// Unconnected broadcasters are cached too: their events are as frequent.
func (s *Service) guilds(ctx context.Context, broadcaster int64, now time.Time) ([]string, error) {
	s.mu.Lock()
	c, ok := s.conns[broadcaster]
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.guilds, nil
	}
	guilds, err := s.Store.Guilds(ctx, broadcaster)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.conns == nil {
		s.conns = make(map[int64]cachedGuilds)
	}
	s.conns[broadcaster] = cachedGuilds{guilds: guilds, until: now.Add(durationOr(s.ConnectionTTL, DefaultConnectionTTL))}
	s.mu.Unlock()
	return guilds, nil
}

// touch records viewer activity unless this instance already recorded the
// same viewer in the same minute with the same name and badge: activity is
// kept per minute, so that write would change nothing the sweep reads.
func (s *Service) touch(ctx context.Context, guild string, a audience.Activity) error {
	k := touchKey{guild: guild, user: a.UserID, minute: a.At.Unix() / 60, name: a.Username, badge: badgeOf(a.Subscriber)}
	s.mu.Lock()
	_, done := s.touched[k]
	s.mu.Unlock()
	if done {
		return nil
	}
	if err := s.Store.TouchViewer(ctx, guild, a); err != nil {
		return err
	}
	s.mu.Lock()
	if s.touched == nil || len(s.touched) >= maxTouched {
		s.pruneTouched(k.minute)
	}
	s.touched[k] = struct{}{}
	s.mu.Unlock()
	return nil
}

// badgeOf folds what an action says about a subscription into a key part:
// 0 says nothing, 1 no, 2 yes.
func badgeOf(sub *bool) int8 {
	switch {
	case sub == nil:
		return 0
	case *sub:
		return 2
	}
	return 1
}

// pruneTouched drops entries of minutes before minute; if that frees too
// little the cache starts over, which only costs some repeated writes.
func (s *Service) pruneTouched(minute int64) {
	if s.touched == nil {
		s.touched = make(map[touchKey]struct{})
		return
	}
	for k := range s.touched {
		if k.minute < minute {
			delete(s.touched, k)
		}
	}
	if len(s.touched) >= maxTouched*3/4 {
		s.touched = make(map[touchKey]struct{})
	}
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
