// Package sweep is the bot's clock: once a minute it credits watchtime and
// points to the viewers of every guild that is tracking (live, or tracking
// offline). Its Reconciler, which checks with Kick that the live status
// the bot believes is still true, runs on the upkeep's schedule instead:
// the sweep reads nothing per connection, so its duration depends on the
// live guilds, not on how many guilds are connected.
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
// Each guild has a checkpoint: the last minute credited in full. A run
// credits the minutes after it, in order, and moves it on; every credit is
// a conditional write keyed by its minute (see watchtime). So a sweep that
// runs twice, late, concurrently, or fails part-way (or a fan-out job
// delivered twice, or a guild crossing between the inline path and the
// jobs) credits each eligible viewer exactly once per minute, and a minute
// that a run missed is made up by the next.
//
// A guild with timed messages (package timer) may also get one post a
// minute: after crediting, the sweep picks the timer due at the minute
// from the activity it read and queues a job keyed by guild, timer and
// minute, which the worker claims on the timer's item and says. The
// timers' count rides on the checkpoint, so a guild without timers costs
// nothing more.
package sweep

import (
	"context"
	"errors"
	"github.com/kickbot/kickbot/shared/announce"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// Store is what crediting needs from the database. Implementations return
// fault.Transient for failures a retry may fix.
type Store interface {
	// SweepGuilds lists the guilds to visit: live, tracking offline, or
	// with minutes of a past stream still to credit.
	SweepGuilds(ctx context.Context) ([]string, error)
	// Stream returns the guild's stream state (zero when never seen).
	Stream(ctx context.Context, guild string) (stream.State, error)
	// Settings returns the guild's settings (the defaults when unset).
	Settings(ctx context.Context, guild string) (settings.Settings, error)
	// Checkpoint returns the guild's last minute credited in full and how
	// many timers it has.
	Checkpoint(ctx context.Context, guild string) (Checkpoint, error)
	// Advance moves the checkpoint forward to through (never back), and
	// keeps the guild on the sweep's list while listed.
	Advance(ctx context.Context, guild string, through watchtime.Minute, listed bool) error
	// Activity returns the guild's viewer activity in minutes from to to,
	// at least one entry per viewer and minute in which they took part.
	Activity(ctx context.Context, guild string, from, to watchtime.Minute) ([]audience.Activity, error)
	// Subscriptions maps the guild's viewers to their latest known
	// subscription.
	Subscriptions(ctx context.Context, guild string) (map[int64]watchtime.Subscription, error)
	// Credit adds one minute and c.PointsMilli to the viewer, in one write
	// with no read, unless c.Minute or a later minute was already credited
	// to them or they were banned at its start (see watchtime.Banned). It
	// reports whether it credited.
	Credit(ctx context.Context, guild string, c watchtime.Credit) (bool, error)
	// BuildBoards rebuilds the guild's leaderboards from every viewer's
	// totals as read at at.
	BuildBoards(ctx context.Context, guild string, at time.Time) error
}

// Checkpoint is how far a guild's minutes are credited, kept with what
// else the sweep must know of the guild each minute.
type Checkpoint struct {
	// Through is the last minute credited in full; OK is false when the
	// guild has none yet.
	Through watchtime.Minute
	OK      bool
	// Timers is how many timed messages the guild has: with none the
	// sweep reads nothing more for them.
	Timers int
}

// Queue takes fan-out jobs.
type Queue interface {
	Enqueue(ctx context.Context, jobs ...job.Job) error
}

// Defaults for the Sweeper's tunables.
const (
	// BoardEvery: a guild's leaderboards are rebuilt after a run that
	// credited a minute divisible by it, and when its stream's last minute
	// is credited. A build reads the whole audience, so not every minute.
	BoardEvery = 5

	DefaultInlineGuilds = 25
	DefaultConcurrency  = 16
)

// Sweeper credits watchtime. Set Store; Queue enables fan-out and timed
// messages, with Timers.
type Sweeper struct {
	Store Store
	Queue Queue
	// Timers enables timed messages: each minute a guild with timers may
	// queue one post (see timers.go). Nil posts none.
	Timers TimerStore
	// Raffle, when set, turns watchtime into raffle tickets after each
	// leaderboard build, from the minutes that build read about. Nil
	// converts none.
	Raffle RaffleWatch
	// BotUserID is the Kick user id of the app's bot account, whose own
	// messages never count as chat for a timer; 0 when not known.
	BotUserID int64
	// Stats, when set, keeps each live minute's numbers for the stream's
	// recap (package golive). Nil keeps none.
	Stats StreamStats
	// Alerts, when set with Queue, lists the guilds with a go-live alert
	// or recap pending, for each of which a run queues a tick job.
	Alerts PendingAlerts
	// Follows, when set with Queue, lists the follow batches due: a run
	// queues a job for each batch due by its time
	// (announce.QueueDueFollows), the minute tick being the only clock
	// fine enough for them.
	Follows      announce.DueLister
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
	Follows   int // follow batches queued
}

func (r *Report) add(o Report) {
	r.Viewers += o.Viewers
	r.Credited += o.Credited
}

// Run sweeps every guild up to minute m (the schedule's own time, not the
// clock of whichever machine runs it): each guild's minutes from its
// checkpoint on, so a run that failed, came late or never came is made up
// by the next.
//
// It also queues the follow batches due by now (Follows), whether or not
// the crediting failed; a failure of either is returned, so that the
// invocation is retried: the credits already written are skipped by their
// conditions, the follow jobs by their ids and marks.
func (s *Sweeper) Run(ctx context.Context, m watchtime.Minute, now time.Time) (Report, error) {
	rep, err := s.sweepAll(ctx, m, now)
	if s.Follows != nil && s.Queue != nil {
		n, ferr := announce.QueueDueFollows(ctx, s.Follows, s.Queue, now)
		rep.Follows = n
		err = errors.Join(err, ferr)
	}
	return rep, err
}

// sweepAll sweeps every guild up to minute m, inline or fanned out.
func (s *Sweeper) sweepAll(ctx context.Context, m watchtime.Minute, now time.Time) (Report, error) {
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
		s.tickAlerts(ctx, m, now)
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
	s.tickAlerts(ctx, m, now)
	return rep, err
}

// tickAlerts queues a go-live tick for each guild with an alert or recap
// pending. A tick that is not queued is queued by the next minute's run,
// so a failure is logged, not returned: it must not make the credits
// retry.
func (s *Sweeper) tickAlerts(ctx context.Context, m watchtime.Minute, now time.Time) {
	if s.Alerts == nil || s.Queue == nil {
		return
	}
	guilds, err := s.Alerts.PendingLiveAlerts(ctx)
	if err == nil && len(guilds) > 0 {
		jobs := make([]job.Job, len(guilds))
		for i, g := range guilds {
			jobs[i] = job.ForLive(g, int64(m), now)
		}
		err = s.Queue.Enqueue(ctx, jobs...)
	}
	if err != nil {
		s.logger().WarnContext(ctx, "go-live ticks not queued", "minute", int64(m), "err", err)
	}
}

// Guild credits one guild's minutes after its checkpoint, up to m, in
// order: for each minute, every eligible viewer with one conditional write,
// then the checkpoint moves past it. A minute with a write that failed
// transiently stops the run there, so the checkpoint never passes a minute
// with a credit missing; the next run (or a retry) starts again from it
// and the conditional writes skip what is done. Stream state, settings,
// subscriptions and the span's activity are read once per run. Then, for
// a guild with timers, it queues the timed message due at m, if any.
func (s *Sweeper) Guild(ctx context.Context, guild string, m watchtime.Minute, now time.Time) (Report, error) {
	st, err := s.Store.Stream(ctx, guild)
	if err != nil {
		return Report{}, err
	}
	set, err := s.Store.Settings(ctx, guild)
	if err != nil {
		return Report{}, err
	}
	cp, err := s.Store.Checkpoint(ctx, guild)
	if err != nil {
		return Report{}, err
	}
	rep, read, err := s.credit(ctx, guild, m, now, st, set, cp)
	metric.From(ctx).Count(metric.ViewerMinutesCredited, float64(rep.Credited))
	if err != nil {
		return rep, err
	}
	if s.Timers != nil && cp.Timers > 0 {
		// A timer that could not post now is due again next minute.
		if err := s.postTimer(ctx, guild, m, st, set, read); err != nil {
			s.logger().WarnContext(ctx, "timed message not queued", "guild", guild, "minute", int64(m), "err", err)
		}
	}
	return rep, nil
}

// read is the activity a run read, of minutes from to to; ok is false
// when it read none.
type read struct {
	acts     []audience.Activity
	from, to watchtime.Minute
	ok       bool
}

// credit credits guild's minutes after cp, up to m (see Guild), and
// returns the activity it read.
func (s *Sweeper) credit(ctx context.Context, guild string, m watchtime.Minute, now time.Time, st stream.State, set settings.Settings, cp Checkpoint) (Report, read, error) {
	through, ok := cp.Through, cp.OK
	from, to, empty := watchtime.Span(through, ok, m, st, set)
	if empty {
		if ok && watchtime.Settled(through, st, set) {
			// Listed, though settled: the final build failed, or the
			// stream ended within minutes already credited.
			return Report{}, read{}, s.finish(ctx, guild, through, now)
		}
		return Report{}, read{}, nil
	}
	if ok {
		// A guild's first sweep starts MaxSpan back by design: not behind.
		metric.From(ctx).Record(metric.CreditsBehind, metric.Count, float64(m-from))
	}
	if !anyTracked(from, to, st, set) {
		if err := s.endMinute(ctx, guild, from, to, st, set); err != nil {
			return Report{}, read{}, err
		}
		if err := s.Store.Advance(ctx, guild, to, true); err != nil || !watchtime.Settled(to, st, set) {
			return Report{}, read{}, err
		}
		return Report{}, read{}, s.finish(ctx, guild, to, now)
	}
	first, _ := watchtime.Window(from, set)
	acts, err := s.Store.Activity(ctx, guild, first, to-1)
	if err != nil {
		return Report{}, read{}, err
	}
	seen := read{acts: acts, from: first, to: to - 1, ok: true}
	subs, err := s.Store.Subscriptions(ctx, guild)
	if err != nil {
		return Report{}, seen, err
	}
	var rep Report
	boards := false
	for minute := from; minute <= to; minute++ {
		credits := watchtime.Plan(minute, st, set, acts, subs)
		var credited atomic.Int64
		err := s.each(ctx, len(credits), func(ctx context.Context, i int) error {
			ok, err := s.Store.Credit(ctx, guild, credits[i])
			if ok {
				credited.Add(1)
			}
			return err
		})
		rep.Viewers += len(credits)
		rep.Credited += int(credited.Load())
		if err != nil && fault.Is(err, fault.Transient) {
			return rep, seen, err
		}
		if err != nil {
			// A write DynamoDB refuses for good (a bug, an item too large)
			// would stall the guild for ever if it held the checkpoint.
			s.logger().ErrorContext(ctx, "credits refused", "guild", guild, "minute", int64(minute), "err", err)
		}
		if err := s.streamMinute(ctx, guild, minute, st, set, acts, credits); err != nil {
			return rep, seen, err
		}
		// One checkpoint write per minute that credited someone, so a run
		// cut short keeps its progress, and one at the end. The stream's
		// last minute keeps the guild listed until its final build is
		// done (see finish).
		settled := watchtime.Settled(minute, st, set)
		if minute == to && settled {
			if err := s.Store.Advance(ctx, guild, minute, true); err != nil {
				return rep, seen, err
			}
			if err := s.finish(ctx, guild, minute, now); err != nil {
				return rep, seen, err
			}
			continue
		}
		if len(credits) > 0 || minute == to {
			if err := s.Store.Advance(ctx, guild, minute, true); err != nil {
				return rep, seen, err
			}
		}
		if len(credits) > 0 && minute%BoardEvery == 0 {
			boards = true
		}
	}
	if boards {
		// The credits are in; a board that failed to build is rebuilt
		// after the next minute due, or by the stream's final build.
		if err := s.build(ctx, guild, now); err != nil {
			s.logger().WarnContext(ctx, "leaderboards or raffle watchtime not updated", "guild", guild, "err", err)
		}
	}
	return rep, seen, nil
}

// build rebuilds guild's leaderboards and converts its raffle watchtime
// from the totals they read. Conversions are keyed by the hour they
// grant, so one that failed is made by the next build.
func (s *Sweeper) build(ctx context.Context, guild string, now time.Time) error {
	if err := s.Store.BuildBoards(ctx, guild, now); err != nil {
		return err
	}
	if s.Raffle != nil {
		if _, err := s.Raffle.ConvertRaffleWatch(ctx, guild, now); err != nil {
			return err
		}
	}
	return nil
}

// finish is the build after a stream's last minute is credited, whether
// or not that minute credited anyone: without it, the minutes since the
// last build (BoardEvery) would reach the boards and the raffle only at
// the next stream, and a viewer's hour completed in them would miss a
// draw made before. Only then is the guild taken off the sweep's list;
// a build that failed leaves it listed, and the next run builds again.
func (s *Sweeper) finish(ctx context.Context, guild string, through watchtime.Minute, now time.Time) error {
	if err := s.build(ctx, guild, now); err != nil {
		s.logger().WarnContext(ctx, "stream's final leaderboards or raffle watchtime not updated; the next run retries", "guild", guild, "err", err)
		return nil
	}
	return s.Store.Advance(ctx, guild, through, false)
}

// StreamStats keeps the numbers of a stream's recap (*dynamo.Store).
type StreamStats interface {
	// StreamMinute adds m to the stream part that started at start, once
	// however often it is called for the same minute.
	StreamMinute(ctx context.Context, guild string, start time.Time, m StreamMinute) error
}

// StreamMinute is what one credited minute adds to its stream's recap.
type StreamMinute struct {
	Minute watchtime.Minute
	// Chatters are the viewers who chatted in the minute before Minute
	// (the one its credits judge), one entry each.
	Chatters []audience.Activity
	// Credits and PointsMilli are the minute's planned credits: what the
	// minute credits, however many runs it takes.
	Credits     int
	PointsMilli int64
}

// PendingAlerts lists the guilds with a go-live alert or recap pending
// (*dynamo.Store).
type PendingAlerts interface {
	PendingLiveAlerts(ctx context.Context) ([]string, error)
}

// streamMinute hands a live minute's numbers to Stats: the chatters of
// the minute before it (the bot and the guild's ignored names left out)
// and its credits. Only a Transient failure stops the run, so that the
// retry counts the minute; the stats never hold up credits otherwise.
func (s *Sweeper) streamMinute(ctx context.Context, guild string, minute watchtime.Minute, st stream.State, set settings.Settings, acts []audience.Activity, credits []watchtime.Credit) error {
	// The minute before must overlap the stream: its chatters are the
	// ones counted.
	if s.Stats == nil || st.StartedAt.IsZero() || minute.Start().Before(st.StartedAt) ||
		(!st.Live && !(minute - 1).Start().Before(st.EndedAt)) {
		return nil
	}
	sm := StreamMinute{Minute: minute, Credits: len(credits)}
	for _, c := range credits {
		sm.PointsMilli += c.PointsMilli
	}
	seen := map[int64]bool{}
	for _, a := range acts {
		if watchtime.MinuteOf(a.At) != minute-1 || seen[a.UserID] || a.UserID == s.BotUserID ||
			slices.Contains(set.Ignored, strings.ToLower(a.Username)) {
			continue
		}
		seen[a.UserID] = true
		sm.Chatters = append(sm.Chatters, a)
	}
	if sm.Credits == 0 && len(sm.Chatters) == 0 {
		return nil
	}
	err := s.Stats.StreamMinute(ctx, guild, st.StartedAt, sm)
	if err != nil && !fault.Is(err, fault.Transient) {
		s.logger().ErrorContext(ctx, "stream stats refused", "guild", guild, "minute", int64(minute), "err", err)
		return nil
	}
	return err
}

// endMinute hands the recap the chatters of the stream's last, partial
// minute: they are counted by the minute after it, which is not tracked
// (it credits nobody), so the credit loop never reaches it.
func (s *Sweeper) endMinute(ctx context.Context, guild string, from, to watchtime.Minute, st stream.State, set settings.Settings) error {
	if s.Stats == nil || st.Live || st.StartedAt.IsZero() || st.EndedAt.IsZero() {
		return nil
	}
	m := watchtime.MinuteOf(st.EndedAt) + 1
	if m < from || m > to || !st.EndedAt.After(m.Start().Add(-time.Minute)) {
		return nil
	}
	acts, err := s.Store.Activity(ctx, guild, m-1, m-1)
	if err != nil {
		return err
	}
	return s.streamMinute(ctx, guild, m, st, set, acts, nil)
}

// RaffleWatch turns a guild's watchtime into tickets of its open raffle
// period (*dynamo.Store is one).
type RaffleWatch interface {
	ConvertRaffleWatch(ctx context.Context, guild string, now time.Time) (int64, error)
}

// anyTracked reports whether any minute from from to to counts.
func anyTracked(from, to watchtime.Minute, st stream.State, set settings.Settings) bool {
	for m := from; m <= to; m++ {
		if watchtime.TrackedAt(m, st, set) {
			return true
		}
	}
	return false
}

// each runs f for 0..n-1 with at most Concurrency at once, and returns the
// errors joined; a Transient one makes the whole result Transient, so the
// caller retries and the conditional writes skip what is already done.
func (s *Sweeper) each(ctx context.Context, n int, f func(context.Context, int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next atomic.Int64
	)
	// A fixed set of workers taking the next index, not a goroutine per
	// item: a guild of 100,000 viewers is 100,000 items.
	for range min(orDefault(s.Concurrency, DefaultConcurrency), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := safely(ctx, i, f); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
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

// safely runs f(ctx, i), turning a panic into an Internal error: nothing
// recovers a panic in another goroutine, so it would end the process and
// the invocation with it, whatever the Lambda handler recovers.
func safely(ctx context.Context, i int, f func(context.Context, int) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fault.E(fault.Internal, "sweep step panicked: %v", v)
		}
	}()
	return f(ctx, i)
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
