package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// announcements records what the runner announces; the queue's worker
// calls it from its own goroutine.
type announcements struct {
	mu    sync.Mutex
	posts []string
	vars  []map[string]string
}

func (a *announcements) Announce(_ context.Context, g string, k announce.Kind, cause string, p announce.Post) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posts = append(a.posts, fmt.Sprintf("%s %s %s %q", g, k, cause, p.Embed.Title))
	a.vars = append(a.vars, p.Vars)
	return nil
}

// TestGoLiveScenario replays a stream (with its deliveries sent twice)
// into the runner: the status event's alert, looked up on the fake Kick,
// and the recap the sweep's tick posts after the flap window, counting
// the stream's events.
func TestGoLiveScenario(t *testing.T) {
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)
	sim := clock.New(base)
	rec := &announcements{}
	lc := startLiveChannel(t, config{now: sim.Now, announcer: rec})
	r := lc.r
	r.KickFake.SetChannel(kickfake.Channel{BroadcasterUserID: seededChannel, Slug: "northwind", Title: "Ranked grind, !discord",
		CategoryName: "Just Chatting", Live: true, StartedAt: base, Thumbnail: "https://images.kick.com/video_thumbnails/northwind/1/480.webp"})
	sc := kicksim.Scenario{Broadcaster: seededChannel, Viewers: 6, Minutes: 4, Seed: 7, Start: base, Duplicates: 6}
	next := base.Add(time.Minute) // the next minute to sweep
	sweepTo := func(until time.Time) {
		t.Helper()
		for ; !next.After(until); next = next.Add(time.Minute) {
			sim.Set(next.Add(time.Second))
			if _, err := r.Sweeper.Run(ctx, watchtime.MinuteOf(next), sim.Now()); err != nil {
				t.Fatal(err)
			}
			if err := r.Queue.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	deliveries := sc.Deliveries()
	slices.SortStableFunc(deliveries, func(a, b kicksim.Delivery) int { return a.At.Compare(b.At) })
	for _, d := range deliveries {
		// The sweep runs each minute of the stream, between its events.
		sweepTo(d.At)
		sim.Set(d.At)
		if status, err := lc.kick.Send(ctx, d); err != nil || status != 200 {
			t.Fatalf("%s: status %d, err %v", d.Type, status, err)
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	end := base.Add(4 * time.Minute)
	sweepTo(end.Add(9 * time.Minute))
	rec.mu.Lock()
	if len(rec.posts) != 1 {
		t.Errorf("announced %q before the flap window passed, want the alert only", rec.posts)
	}
	rec.mu.Unlock()
	sweepTo(end.Add(11 * time.Minute))
	cause := golive.Cause(base)
	want := []string{
		fmt.Sprintf("%s live %s %q", seededGuild, cause, "Ranked grind, !discord"),
		fmt.Sprintf("%s offline %s %q", seededGuild, cause, "Stream recap: Ranked grind, !discord"),
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !slices.Equal(rec.posts, want) {
		t.Fatalf("announced %q, want %q", rec.posts, want)
	}
	v := rec.vars[1]
	t.Logf("recap: %v", v)
	// The scenario's one follow, a new sub and a renewal, 5 gifted subs
	// and 250 KICKs, each delivered twice.
	for k, w := range map[string]string{"duration": "4m", "follows": "1", "subs": "2", "gifts": "5", "kicks": "250", "url": "https://kick.com/northwind"} {
		if v[k] != w {
			t.Errorf("recap {%s} = %q, want %q", k, v[k], w)
		}
	}
	if v["chatters"] == "0" || v["minutes"] == "0" || v["peak"] == "0" {
		t.Errorf("recap vars = %v, want the stream's chatters, peak and minutes", v)
	}
}

// TestMissedStatusEventsAnnounced: Kick delivers neither the go-live nor
// the offline event; the upkeep's check with Kick's channels API finds
// each change, and the alert and the recap go out as the events would
// have sent them, once each however often the check runs.
func TestMissedStatusEventsAnnounced(t *testing.T) {
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Minute).Add(-2 * time.Hour)
	sim := clock.New(base)
	rec := &announcements{}
	lc := startLiveChannel(t, config{now: sim.Now, announcer: rec})
	r := lc.r
	ch := kickfake.Channel{BroadcasterUserID: seededChannel, Slug: "northwind", Title: "Missed go-live",
		CategoryName: "Just Chatting", Live: true, StartedAt: base, Thumbnail: "https://images.kick.com/video_thumbnails/northwind/1/480.webp"}
	r.KickFake.SetChannel(ch)
	check := func(at time.Time) {
		t.Helper()
		sim.Set(at)
		if err := r.Reconciler.Run(ctx, at); err != nil {
			t.Fatal(err)
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The upkeep's runs every five minutes: the first finds the stream.
	for at := base.Add(5 * time.Minute); !at.After(base.Add(30 * time.Minute)); at = at.Add(5 * time.Minute) {
		check(at)
	}
	ch.Live = false
	r.KickFake.SetChannel(ch)
	ended := base.Add(35 * time.Minute)
	check(ended)
	// The sweep's minute ticks post the recap once the flap window passed.
	for m := ended; !m.After(ended.Add(golive.DefaultFlapWindow + 2*time.Minute)); m = m.Add(time.Minute) {
		sim.Set(m.Add(time.Second))
		if _, err := r.Sweeper.Run(ctx, watchtime.MinuteOf(m), sim.Now()); err != nil {
			t.Fatal(err)
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	check(ended.Add(20 * time.Minute))
	cause := golive.Cause(base)
	want := []string{
		fmt.Sprintf("%s live %s %q", seededGuild, cause, "Missed go-live"),
		fmt.Sprintf("%s offline %s %q", seededGuild, cause, "Stream recap: Missed go-live"),
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !slices.Equal(rec.posts, want) {
		t.Fatalf("announced %q, want %q", rec.posts, want)
	}
}
