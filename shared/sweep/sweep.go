// Package sweep is the bot's clock: once a minute it credits watchtime and
// points to the viewers of every guild that is tracking (live, or tracking
// offline), and now and then checks with Kick that the live status it
// believes is still true.
//
// # Scaling
//
// The work splits by guild. A sweep lists the guilds to visit from the live
// index (one query page per thousand or so guilds). Up to InlineGuilds of
// them are credited in the sweep's own invocation, Concurrency writes at a
// time; past that, the sweep only enqueues one job per guild and the
// worker credits each guild in parallel invocations (one FIFO message
// group per guild). So one sweep invocation does O(guilds / 10) queue
// calls however many viewers there are, and the worker fleet grows with the
// number of live guilds.
//
// Every credit is a conditional write keyed by the minute, so a sweep that
// runs twice, late, or concurrently (or a fan-out job delivered twice)
// credits each viewer once per minute.
package sweep

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// Store is what crediting needs from the database. Implementations return
// fault.Transient for failures a retry may fix.
type Store interface {
	// SweepGuilds lists the guilds to visit: live, or tracking offline.
	SweepGuilds(ctx context.Context) ([]string, error)
	// Stream returns the guild's stream state (zero when never seen).
	Stream(ctx context.Context, guild string) (stream.State, error)
	// Settings returns the guild's settings (the defaults when unset).
	Settings(ctx context.Context, guild string) (settings.Settings, error)
	// ActiveSince lists the guild's viewers active at or after since, with
	// their subscriber and ban state, from the activity index.
	ActiveSince(ctx context.Context, guild string, since time.Time) ([]audience.Viewer, error)
	// Credit adds one minute and c.PointsMilli to the viewer, in one write
	// with no read, unless c.Minute or a later minute was already credited,
	// the viewer's last activity is before since, or the viewer is banned
	// at now. It reports whether it credited.
	Credit(ctx context.Context, guild string, c watchtime.Credit, since, now time.Time) (bool, error)
}

// Queue takes fan-out jobs.
type Queue interface {
	Enqueue(ctx context.Context, jobs ...job.Job) error
}

// Defaults for the Sweeper's tunables.
const (
	DefaultInlineGuilds = 25
	DefaultConcurrency  = 16
)

// Sweeper credits watchtime. Set Store; Queue enables fan-out; Reconciler,
// when set, runs before crediting on the minutes it is due.
type Sweeper struct {
	Store        Store
	Queue        Queue
	Reconciler   *Reconciler
	InlineGuilds int
	Concurrency  int
	Log          *slog.Logger
}

// Report counts what a sweep did.
type Report struct {
	Guilds    int // guilds visited (credited here or fanned out)
	FannedOut int // guilds handed to the worker
	Viewers   int // active viewers considered
	Credited  int // viewer-minutes credited
}

func (r *Report) add(o Report) {
	r.Viewers += o.Viewers
	r.Credited += o.Credited
}

// Run sweeps minute m as of now (the schedule's own time, not the clock of
// whichever machine runs it).
func (s *Sweeper) Run(ctx context.Context, m watchtime.Minute, now time.Time) (Report, error) {
	if s.Reconciler != nil && s.Reconciler.Due(m) {
		if err := s.Reconciler.Run(ctx, now); err != nil {
			// Crediting with the state we have beats crediting nothing.
			s.logger().WarnContext(ctx, "reconcile failed", "err", err)
		}
	}
	guilds, err := s.Store.SweepGuilds(ctx)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Guilds: len(guilds)}
	if s.Queue != nil && len(guilds) > orDefault(s.InlineGuilds, DefaultInlineGuilds) {
		jobs := make([]job.Job, len(guilds))
		for i, g := range guilds {
			jobs[i] = job.ForSweep(g, int64(m), now)
		}
		if err := s.Queue.Enqueue(ctx, jobs...); err != nil {
			return rep, err
		}
		rep.FannedOut = len(guilds)
		return rep, nil
	}
	var mu sync.Mutex
	err = s.each(ctx, len(guilds), func(ctx context.Context, i int) error {
		r, err := s.Guild(ctx, guilds[i], m, now)
		mu.Lock()
		rep.add(r)
		mu.Unlock()
		return err
	})
	return rep, err
}

// Guild credits one guild's active viewers for minute m as of now. Its
// stream state and settings are read once; viewers come from one index
// query; each credit is one conditional write.
func (s *Sweeper) Guild(ctx context.Context, guild string, m watchtime.Minute, now time.Time) (Report, error) {
	st, err := s.Store.Stream(ctx, guild)
	if err != nil {
		return Report{}, err
	}
	set, err := s.Store.Settings(ctx, guild)
	if err != nil {
		return Report{}, err
	}
	if !watchtime.Tracking(st, set) {
		return Report{}, nil
	}
	since := watchtime.Since(now, set)
	viewers, err := s.Store.ActiveSince(ctx, guild, since)
	if err != nil {
		return Report{}, err
	}
	credits := watchtime.Plan(m, now, st, set, viewers)
	var credited atomic.Int64
	err = s.each(ctx, len(credits), func(ctx context.Context, i int) error {
		ok, err := s.Store.Credit(ctx, guild, credits[i], since, now)
		if ok {
			credited.Add(1)
		}
		return err
	})
	return Report{Viewers: len(viewers), Credited: int(credited.Load())}, err
}

// each runs f for 0..n-1 with at most Concurrency at once, and returns the
// errors joined; a Transient one makes the whole result Transient, so the
// caller retries and the conditional writes skip what is already done.
func (s *Sweeper) each(ctx context.Context, n int, f func(context.Context, int) error) error {
	limit := orDefault(s.Concurrency, DefaultConcurrency)
	sem := make(chan struct{}, limit)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := f(ctx, i); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) == 0 {
		return nil
	}
	err := errors.Join(errs...)
	for _, e := range errs {
		if fault.Is(e, fault.Transient) {
			return fault.Wrap(fault.Transient, err, "sweep incomplete")
		}
	}
	return err
}

func (s *Sweeper) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
