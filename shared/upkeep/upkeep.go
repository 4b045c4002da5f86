// Package upkeep is the bot's slow clock. Every ten minutes it fans the
// watchtime role sync out to each connected guild, one job each. Every
// hour it looks after the Kick connections: it renews each channel's
// login before it lapses, tells a guild's admins once when Kick refuses
// it, has the channels' event subscriptions repaired, since Kick drops
// them silently after a day of failed deliveries, and has guilds without
// a connection taken out of the sweep's live index. Every five minutes it
// has the live status reconciled with Kick's API, off the sweep's path.
package upkeep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/stream"
)

// RolesEvery is the role sync's period, as the template schedules it.
const RolesEvery = 10 * time.Minute

// LiveEvery is the live-status reconcile's period, as the template
// schedules it.
const LiveEvery = 5 * time.Minute

// Store lists the connections and reads their credentials.
type Store interface {
	Connections(ctx context.Context) ([]stream.Connection, error)
	Guilds(ctx context.Context, broadcaster int64) ([]string, error)
	Load(ctx context.Context, broadcaster int64) (credential.Record, error)
}

// Queue takes jobs for the worker.
type Queue interface {
	Enqueue(ctx context.Context, jobs ...job.Job) error
}

// Tokens renews a channel's login when it is due (credential.Source).
type Tokens interface {
	Token(ctx context.Context, broadcaster int64) (string, error)
}

// Notifier posts a message to a guild's admins once per key.
type Notifier interface {
	Once(ctx context.Context, guild, key, message string) (sent bool, err error)
}

// Upkeep runs the periodic tasks. Set Store and Queue; without Tokens
// and Notify logins are not kept, without Repair subscriptions are not
// repaired (a bot without a Kick app).
type Upkeep struct {
	Store  Store
	Queue  Queue
	Tokens Tokens
	Notify Notifier
	// Repair restores every connected channel's event subscriptions.
	Repair func(ctx context.Context) error
	// Unlist takes guilds without a connection out of the live index, so
	// the sweep stops visiting them; nil skips it.
	Unlist func(ctx context.Context) error
	// Reconcile checks the live status the bot believes with Kick's API
	// (sweep.Reconciler.Run); nil skips it (a bot without a Kick app).
	Reconcile func(ctx context.Context, now time.Time) error
	Log       *slog.Logger
}

// Task names the tasks the schedules start.
type Task string

const (
	Roles       Task = "roles"
	Connections Task = "connections"
	Live        Task = "live"
)

// Run runs task as of now.
func (u *Upkeep) Run(ctx context.Context, task Task, now time.Time) error {
	switch task {
	case Roles:
		_, err := u.FanOutRoles(ctx, now)
		return err
	case Connections:
		return u.Keep(ctx)
	case Live:
		if u.Reconcile == nil {
			return nil
		}
		return u.Reconcile(ctx, now)
	}
	return fault.E(fault.Invalid, "unknown upkeep task %q", task)
}

// FanOutRoles queues one role-sync job per connected guild and returns
// how many. A second run in the same period queues the same job ids,
// which the queue drops.
func (u *Upkeep) FanOutRoles(ctx context.Context, now time.Time) (int, error) {
	conns, err := u.Store.Connections(ctx)
	if err != nil {
		return 0, err
	}
	var guilds []string
	for _, c := range conns {
		guilds = append(guilds, c.Guild)
	}
	slices.Sort(guilds)
	guilds = slices.Compact(guilds)
	jobs := make([]job.Job, 0, len(guilds))
	for _, g := range guilds {
		jobs = append(jobs, job.ForRoles(g, now, RolesEvery))
	}
	if len(jobs) == 0 {
		return 0, nil
	}
	return len(jobs), u.Queue.Enqueue(ctx, jobs...)
}

// Keep renews every connected channel's login when due, tells the guilds
// of a channel whose login Kick refused (once per refusal), then repairs
// the subscriptions and unlists guilds without a connection. One channel's failure does not stop the others; the
// first error is returned after all were tried.
func (u *Upkeep) Keep(ctx context.Context) error {
	conns, err := u.Store.Connections(ctx)
	if err != nil {
		return err
	}
	guilds := map[int64][]string{}
	for _, c := range conns {
		guilds[c.Broadcaster] = append(guilds[c.Broadcaster], c.Guild)
	}
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if u.Tokens != nil && u.Notify != nil {
		needing := 0
		for _, b := range slices.Sorted(maps.Keys(guilds)) {
			refused, err := u.keepLogin(ctx, b, guilds[b])
			keep(err)
			if refused {
				needing += len(guilds[b])
				u.log().WarnContext(ctx, "Kick refused the channel's login: its guilds must connect it again",
					"broadcaster", b, "guilds", guilds[b])
			}
		}
		// Written when 0 too, so that the alarm sees the runs that found none.
		metric.From(ctx).Count(metric.ConnectionsNeedingReauth, float64(needing))
	}
	if u.Repair != nil {
		keep(u.Repair(ctx))
	}
	if u.Unlist != nil {
		keep(u.Unlist(ctx))
	}
	return first
}

// keepLogin renews broadcaster's login if due and reports a refused one;
// refused says Kick refused it, so that the streamer must connect again.
func (u *Upkeep) keepLogin(ctx context.Context, broadcaster int64, guilds []string) (refused bool, err error) {
	rec, err := u.Store.Load(ctx, broadcaster)
	if fault.Is(err, fault.NotFound) {
		return false, nil // connected before logins were kept (a seeded connection)
	}
	if err != nil {
		return false, err
	}
	if !rec.NeedsReauth {
		_, err = u.Tokens.Token(ctx, broadcaster)
		if !errors.Is(err, credential.ErrReconnect) {
			return false, err
		}
		if rec, err = u.Store.Load(ctx, broadcaster); err != nil {
			return true, err
		}
	}
	u.tell(ctx, broadcaster, rec, guilds)
	return true, nil
}

// Reauth tells the guilds connected to broadcaster that Kick refused its
// login, if it did: for the worker, when a chat reply meets
// credential.ErrReconnect, so that admins hear of it at once rather than
// at the next hourly run. Each refusal is told once either way.
func (u *Upkeep) Reauth(ctx context.Context, broadcaster int64) error {
	if u.Notify == nil {
		return nil
	}
	rec, err := u.Store.Load(ctx, broadcaster)
	if err != nil || !rec.NeedsReauth {
		return err
	}
	guilds, err := u.Store.Guilds(ctx, broadcaster)
	if err != nil {
		return err
	}
	u.tell(ctx, broadcaster, rec, guilds)
	return nil
}

// tell posts the reconnect notice to guilds. The record's version
// changes with each refusal and reconnection, so each refusal is told
// once.
func (u *Upkeep) tell(ctx context.Context, broadcaster int64, rec credential.Record, guilds []string) {
	key := fmt.Sprintf("kick-reauth#%d#%d", broadcaster, rec.Version)
	msg := "Kick no longer accepts the bot's login for this server's Kick channel, so the bot cannot post in its chat. An admin needs to run /kick connect again."
	for _, g := range guilds {
		if _, err := u.Notify.Once(ctx, g, key, msg); err != nil {
			u.log().WarnContext(ctx, "could not tell the guild to reconnect Kick", "guild", g, "broadcaster", broadcaster, "error", err)
		}
	}
}

func (u *Upkeep) log() *slog.Logger {
	if u.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return u.Log
}
