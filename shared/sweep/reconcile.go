package sweep

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/stream"
)

// Channels asks Kick for the live status of channels (by broadcaster id).
// Channels it does not report are left alone.
type Channels interface {
	Observe(ctx context.Context, broadcasters []int64) ([]stream.Observation, error)
}

// ReconcileStore is what reconciling needs from the database.
type ReconcileStore interface {
	Connections(ctx context.Context) ([]stream.Connection, error)
	// StreamStates returns the stream state of each of guilds (a zero
	// State for one never seen), read in batches, not one by one.
	StreamStates(ctx context.Context, guilds []string) (map[string]stream.State, error)
	SetStreamStatus(ctx context.Context, guild string, at time.Time, s event.Status) error
	// MarkChecked records that Kick was asked about guild's channel at at
	// and did not contradict the status delivered at statusAt; a status
	// that changed meanwhile is left unmarked.
	MarkChecked(ctx context.Context, guild string, statusAt, at time.Time) error
}

// Defaults for the Reconciler's tunables.
const (
	// DefaultStaleAfter: only a status neither delivered nor confirmed
	// within this is checked, so a fresh status event is never overruled
	// by a lagging API, and a channel confirmed offline is not asked again
	// on every run.
	DefaultStaleAfter = 10 * time.Minute
	// DefaultMaxChannels caps the channels asked about per run: four of
	// Kick's channels requests (50 ids each). With the upkeep running it
	// every five minutes, that is under one Kick call a minute; channels
	// past the cap wait for the next run, oldest first.
	DefaultMaxChannels = 200
)

// Reconciler repairs live status that Kick's events got wrong: a missed
// go-live or offline event (Kick drops some), or a stream that ended long
// ago but is still marked live. It asks Kick's channels API about the
// connections whose status was neither delivered nor confirmed within
// StaleAfter, at most MaxChannels channels per run, the longest unknown
// first, corrects the ones that differ and marks the rest as checked.
// The upkeep runs it on its own schedule, off the sweep's path: its reads
// grow with the number of connections, the sweep's must not.
type Reconciler struct {
	Store       ReconcileStore
	Channels    Channels
	StaleAfter  time.Duration
	MaxChannels int
	// Queue, when set, takes a status job for each correction, so that the
	// worker announces it as it would the status event Kick did not
	// deliver: the go-live alert, or the recap of a stream that ended.
	Queue Queue
	Log   *slog.Logger
}

// Run checks stale connections with Kick and corrects the ones that
// differ. When Kick fails, the state is left as it was and the error
// returned.
func (r *Reconciler) Run(ctx context.Context, now time.Time) error {
	conns, err := r.Store.Connections(ctx)
	if err != nil || len(conns) == 0 {
		return err
	}
	guilds := make([]string, 0, len(conns))
	for _, c := range conns {
		guilds = append(guilds, c.Guild)
	}
	states, err := r.Store.StreamStates(ctx, guilds)
	if err != nil {
		return err
	}
	stale := DefaultStaleAfter
	if r.StaleAfter > 0 {
		stale = r.StaleAfter
	}
	var due []stream.Connection
	for _, c := range conns {
		if now.Sub(states[c.Guild].Known()) >= stale {
			due = append(due, c)
		}
	}
	// Longest unknown first, so that channels past the cap, which stay
	// unmarked, come first in the next run.
	slices.SortStableFunc(due, func(a, b stream.Connection) int {
		return cmp.Or(states[a.Guild].Known().Compare(states[b.Guild].Known()), cmp.Compare(a.Guild, b.Guild))
	})
	limit := orDefault(r.MaxChannels, DefaultMaxChannels)
	byBroadcaster := map[int64][]string{}
	var ask []int64
	for _, c := range due {
		if len(byBroadcaster[c.Broadcaster]) == 0 {
			if len(ask) == limit {
				continue
			}
			ask = append(ask, c.Broadcaster)
		}
		byBroadcaster[c.Broadcaster] = append(byBroadcaster[c.Broadcaster], c.Guild)
	}
	if len(ask) == 0 {
		return nil
	}
	obs, err := r.Channels.Observe(ctx, ask)
	if err != nil {
		return err
	}
	seen := make(map[int64]stream.Observation, len(obs))
	for _, o := range obs {
		seen[o.Broadcaster] = o
	}
	for _, b := range ask {
		o, reported := seen[b]
		for _, g := range byBroadcaster[b] {
			st := states[g]
			if !reported || !st.Differs(o) {
				// Confirmed, or a channel Kick does not know: either way
				// asked and answered, so not asked again until stale,
				// and it cannot hold a place before the others for ever.
				if err := r.Store.MarkChecked(ctx, g, st.StatusAt, now); err != nil {
					return err
				}
				continue
			}
			s := event.Status{Live: o.Live, Title: o.Title, StartedAt: o.StartedAt}
			if !o.Live {
				s.EndedAt = now
			}
			// Queued before the status is corrected: were it the other way
			// round, a failed enqueue would leave nothing for the next run to
			// correct, and the alert would be lost. A correction that fails
			// after its job was queued is queued again by the next run, under
			// a later time, which the alerts take as a repeat.
			if r.Queue != nil {
				ev := event.Event{ID: fmt.Sprintf("reconcile-%d-%d", b, now.UnixMilli()), Type: event.LivestreamStatus,
					SentAt: now, Broadcaster: b, Status: &s}
				if err := r.Queue.Enqueue(ctx, job.ForEvent(g, ev, nil)); err != nil {
					return err
				}
			}
			if err := r.Store.SetStreamStatus(ctx, g, now, s); err != nil {
				return err
			}
			r.logger().InfoContext(ctx, "live status corrected from Kick's API",
				"guild", g, "broadcaster", o.Broadcaster, "live", o.Live)
		}
	}
	return nil
}

func (r *Reconciler) logger() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}
