package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestTimersEndToEnd plays a quarter hour of a stream through the local
// runner: an admin adds two timers with /timer, chat comes in busy, goes
// quiet and comes back through the signed webhook, the sweep runs every
// minute twice and the worker says what is due in the fake Kick chat. The
// chat gets exactly the timers due, in turn and one a minute, and nothing
// while it is quiet.
func TestTimersEndToEnd(t *testing.T) {
	ctx := context.Background()
	const guild, broadcaster = "guild-1", int64(4402117)
	// The stream's minutes start a minute or two after the timers are
	// made (now, by the real clock of the interactions endpoint): the
	// first slots they may post in are 4 and 9 wherever now falls.
	base := time.Now().UTC().Truncate(time.Minute).Add(2 * time.Minute)
	sim := clock.New(base)
	r := startRunnerWith(t, config{DynamoAddr: "127.0.0.1:0", Seed: guild + ":" + fmt.Sprint(broadcaster), now: sim.Now})
	access, refresh := r.KickFake.IssueUserToken(kickfake.User{ID: broadcaster, Name: "streamer"}, "chat:write")
	if err := r.Store.PutCredentials(ctx, broadcaster, credential.Token{Access: access, Refresh: refresh, Expiry: time.Now().Add(2 * time.Hour)},
		[]string{"chat:write"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Store.SetStreamStatus(ctx, guild, base.Add(-time.Minute), event.Status{Live: true, StartedAt: base.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}

	dkey, err := discordsim.ReadPrivateKey(r.DiscordPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	ds := &discordsim.Sender{URL: r.URL + "/interactions", Key: dkey}
	admin := discordsim.Caller{Guild: guild, UserID: "5", Admin: true}
	var ids discordsim.IDs
	for _, add := range [][]discordsim.Option{
		{discordsim.String("name", "socials"), discordsim.String("message", "Follow on X! || Join the Discord!"), discordsim.Int("interval", 5)},
		{discordsim.String("name", "rules"), discordsim.String("message", "Be kind in chat"), discordsim.Int("interval", 10), discordsim.Int("min_chatters", 2)},
	} {
		status, body, err := ds.Send(ctx, admin.Command(ids.Next(), "timer", discordsim.Sub("add", add...)))
		if err != nil || status != http.StatusOK || !strings.Contains(string(body), "Timer added") {
			t.Fatalf("/timer add: status %d, err %v, body %s", status, err, body)
		}
	}

	kkey, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	kick := &kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: kkey}
	// chatters by minute: busy, quiet from minute 4 to 11, then back.
	chatters := map[int]int{0: 4, 1: 4, 2: 4, 3: 4, 12: 2, 13: 3}
	said := map[int][]string{}
	seen := 0
	for i := range 16 {
		m := base.Add(time.Duration(i) * time.Minute)
		sim.Set(m.Add(time.Second))
		for range 2 { // each minute swept twice: posts once
			if _, err := r.Sweeper.Run(ctx, watchtime.MinuteOf(m), sim.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := r.KickFake.Messages()
		for _, msg := range msgs[seen:] {
			if msg.BroadcasterUserID != broadcaster || msg.Type != "bot" {
				t.Errorf("minute %d: a message %+v, want the bot's in the channel", i, msg)
			}
			said[i] = append(said[i], msg.Content)
		}
		seen = len(msgs)
		if n := chatters[i]; n > 0 {
			sc := kicksim.Scenario{Broadcaster: broadcaster, Viewers: n, Start: m.Add(5 * time.Second)}
			for _, d := range sc.ChatBurst(n) {
				sim.Set(d.At.Add(time.Second))
				if status, err := kick.Send(ctx, d); err != nil || status != http.StatusOK {
					t.Fatalf("minute %d chat: status %d, err %v", i, status, err)
				}
			}
		}
	}
	// socials is due at 4 after the busy start; at 9 both wait, but only
	// rules (2 chatters since it was made) may post into the quiet chat;
	// socials says its next message once three viewers chatted since its
	// last, which the sweep sees at 14.
	want := map[int][]string{4: {"Follow on X!"}, 9: {"Be kind in chat"}, 14: {"Join the Discord!"}}
	if fmt.Sprint(said) != fmt.Sprint(want) {
		t.Errorf("Kick chat by minute = %v, want %v", said, want)
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
}
