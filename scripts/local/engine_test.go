package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestChatEngineScenario plays the replayer's chat-engine scenario
// (kicksim.ChatEngine) through the local runner on a simulated clock: an
// admin makes three custom commands and two timers in Discord, then a
// quarter hour of chat, busy, quiet and busy again, comes in through the
// signed webhook while the sweep runs every minute, twice. It checks every
// message the fake Kick chat got, in order, with the minute it came in.
func TestChatEngineScenario(t *testing.T) {
	ctx := context.Background()
	const guild, broadcaster = seededGuild, seededChannel
	// The minutes start after the commands and timers are made (now, by the
	// real clock of the interactions endpoint).
	base := time.Now().UTC().Truncate(time.Minute).Add(2 * time.Minute)
	sim := clock.New(base)
	lc := startLiveChannel(t, config{now: sim.Now})
	r, ds, admin, kick := lc.r, lc.ds, lc.admin, lc.kick
	// Connected with the channel's name, as the OAuth connection does.
	if err := r.Store.ConnectChannel(ctx, guild, broadcaster, "northwind", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := r.Store.SetStreamStatus(ctx, guild, base.Add(-time.Minute), event.Status{Live: true, StartedAt: base.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}

	sc := kicksim.ChatEngine{Broadcaster: broadcaster, Start: base}
	var ids discordsim.IDs
	for _, s := range sc.Setup() {
		status, body, err := ds.Send(ctx, admin.Command(ids.Next(), s.Name, s.Opts...))
		if err != nil || status != http.StatusOK || !strings.Contains(string(body), "added") {
			t.Fatalf("/%s %v: status %d, err %v, body %s", s.Name, s.Opts, status, err, body)
		}
	}

	var got []string
	seen := 0
	collect := func(minute int) {
		t.Helper()
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := r.KickFake.Messages()
		for _, m := range msgs[seen:] {
			got = append(got, fmt.Sprintf("%02d %s", minute, m.Content))
		}
		seen = len(msgs)
	}
	for i := range sc.Length() {
		m := base.Add(time.Duration(i) * time.Minute)
		sim.Set(m.Add(time.Second))
		for range 2 { // each minute swept twice: timers post once
			if _, err := r.Sweeper.Run(ctx, watchtime.MinuteOf(m), sim.Now()); err != nil {
				t.Fatal(err)
			}
		}
		collect(i)
		for _, d := range sc.Minute(i) {
			sim.Set(d.At.Add(time.Second))
			if status, err := kick.Send(ctx, d); err != nil || status != http.StatusOK {
				t.Fatalf("minute %d chat: status %d, err %v", i, status, err)
			}
			collect(i)
		}
	}
	want := []string{
		"00 HYPE! viewer002 brings it (1 so far)",      // !h at :15 is inside hype's 10 s cooldown: silent
		"01 Go follow viewer002 at kick.com/viewer002", // viewer000 subscribes; viewer001 cannot run !so
		"01 HYPE! viewer002 brings it (2 so far)",      // !HypeTrain: an alias, any case
		"02 viewer001 says: {points} and {count}",      // typed variables stay literal
		// viewer001's !echo again: inside echo's 60 s per-viewer cooldown
		"02 Commands: !points, !watchtime, !commands, !hunt, !gtb, !call, !current, !tickets, !raffle, !clip, !echo, !hype, !so",
		"03 @viewer002 has 0 points so far. Chat while the stream is live to earn some!", // !nosuchcommand: silent
		"03 HYPE! viewer001 brings it (3 so far)",
		"04 Follow on X!", // socials, 4 viewers chatted since it was made
		// 5 to 8: the chat is quiet; socials waits for three chatters
		"09 Be kind in northwind", // rules: two chatters since it was made
		"11 HYPE! viewer004 brings it (4 so far)",
		"12 Join the Discord!", // socials' next message: three chatters since its last post
		"12 @viewer002 has watched 12m",
		"13 viewer004 says: bye {user}",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Kick chat (-want +got):\n%s", diff)
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
}
