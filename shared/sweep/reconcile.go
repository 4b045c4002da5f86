package sweep

import (
	"context"
	"log/slog"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// Channels asks Kick for the live status of channels (by broadcaster id).
// Channels it does not report are left alone.
type Channels interface {
	Observe(ctx context.Context, broadcasters []int64) ([]stream.Observation, error)
}

// ReconcileStore is what reconciling needs from the database.
type ReconcileStore interface {
	Connections(ctx context.Context) ([]stream.Connection, error)
	Stream(ctx context.Context, guild string) (stream.State, error)
	SetStreamStatus(ctx context.Context, guild string, at time.Time, s event.Status) error
}

// Defaults for the Reconciler's tunables.
const (
	// DefaultEvery: reconcile on every fifth sweep minute.
	DefaultEvery = 5
	// DefaultStaleAfter: only a status older than this is checked, so a
	// fresh status event is never overruled by a lagging API.
	DefaultStaleAfter = 10 * time.Minute
)

// Reconciler repairs live status that Kick's events got wrong: a missed
// go-live or offline event (Kick drops some), or a stream that ended long
// ago but is still marked live. It asks Kick's channels API about every
// connection whose status is older than StaleAfter and corrects the ones
// that differ.
type Reconciler struct {
	Store      ReconcileStore
	Channels   Channels
	Every      int // sweep minutes between runs
	StaleAfter time.Duration
	Log        *slog.Logger
}

// Due reports whether the sweep of minute m should reconcile first.
func (r *Reconciler) Due(m watchtime.Minute) bool {
	return int64(m)%int64(orDefault(r.Every, DefaultEvery)) == 0
}

// Run checks stale connections with Kick and corrects the ones that
// differ. When Kick fails, the state is
// left as it was and the error returned.
func (r *Reconciler) Run(ctx context.Context, now time.Time) error {
	conns, err := r.Store.Connections(ctx)
	if err != nil {
		return err
	}
	stale := DefaultStaleAfter
	if r.StaleAfter > 0 {
		stale = r.StaleAfter
	}
	states := map[string]stream.State{}
	byBroadcaster := map[int64][]string{}
	var ask []int64
	for _, c := range conns {
		st, err := r.Store.Stream(ctx, c.Guild)
		if err != nil {
			return err
		}
		if now.Sub(st.StatusAt) < stale {
			continue
		}
		states[c.Guild] = st
		if len(byBroadcaster[c.Broadcaster]) == 0 {
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
	for _, o := range obs {
		for _, g := range byBroadcaster[o.Broadcaster] {
			st := states[g]
			if !st.Differs(o) {
				continue
			}
			s := event.Status{Live: o.Live, Title: o.Title, StartedAt: o.StartedAt}
			if !o.Live {
				s.EndedAt = now
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
