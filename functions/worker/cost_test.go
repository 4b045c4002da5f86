package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// cost is what one job cost in DynamoDB: calls, and write units as
// DynamoDB bills them (indexes included).
type cost struct {
	Reads, Writes int64
	Units         float64
}

// TestChatCosts counts, through the worker as main wires it, the DynamoDB
// reads, writes and write units of one custom command use, one !call and
// one !gtb (each from the chat message to the reply Kick got) and of one
// timed message, for BENCHMARKS.md.
func TestChatCosts(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	client := dynamotest.Table(t, "kickbot")
	setup := dynamo.New(client, "kickbot")

	kf, kick, _, rest := fakes(t)
	connected(t, setup, kf, now)
	for user := int64(1); user <= 3; user++ {
		if _, err := setup.Credit(ctx, guild, watchtime.Credit{UserID: user, Username: fmt.Sprint("viewer", user), Minute: watchtime.MinuteOf(now), PointsMilli: 5000}); err != nil {
			t.Fatal(err)
		}
	}
	cause := interact.Cause{ID: "1482453932679757825", Expires: now.Add(time.Hour)}
	// hype has the defaults (a 5 s cooldown for everyone); lurk none.
	lurk := custom.New("lurk", "{user} lurks with {points} points")
	lurk.Cooldown = 0
	for i, c := range []custom.Command{custom.New("hype", "HYPE {user}! {count} so far, you have {points} points"), lurk} {
		cause.ID = fmt.Sprint("148245393267975782", i)
		if err := setup.AddCustomCommandOnce(ctx, guild, c, cause); err != nil {
			t.Fatal(err)
		}
	}
	cause.ID = "1482453932679757829"
	if err := setup.AddTimerOnce(ctx, guild, timer.Timer{Name: "socials", Variants: []string{"Follow on X!"}, Interval: 5 * time.Minute,
		MinChatters: 3, Enabled: true, Created: now.Add(-time.Hour)}, cause); err != nil {
		t.Fatal(err)
	}

	// Calls are open (one a viewer, duplicates blocked: the defaults),
	// and so is a GTB round.
	seed, err := pick.NewSeed(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	st, err := calls.Open(calls.State{}, "1482453932679757901", 1, false, seed, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := setup.SaveCallState(ctx, guild, st, interact.Cause{ID: "1482453932679757830", Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.OpenGTBOnce(ctx, guild, 3, now, interact.Cause{ID: "1482453932679757831", Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	units, err := dynamotest.NewUnits(client, "kickbot")
	if err != nil {
		t.Fatal(err)
	}
	counter := &dynamotest.Counter{API: units}
	w := worker(dynamo.New(counter, "kickbot"), rest, kick, slog.New(slog.NewTextHandler(io.Discard, nil)))
	measure := func(j job.Job) cost {
		t.Helper()
		r0, w0, u0 := counter.Reads.Load(), counter.Writes.Load(), total(units)
		if err := w.Do(ctx, j); err != nil {
			t.Fatalf("%s: %v", j, err)
		}
		return cost{Reads: counter.Reads.Load() - r0, Writes: counter.Writes.Load() - w0, Units: total(units) - u0}
	}
	use := func(name string, user int64, at time.Time, args ...string) job.Job {
		id := fmt.Sprintf("01JQ7ZC4M2T8Y1B5N0P6R3K9V%d", user)
		return job.ForEvent(guild, event.Event{ID: id, Type: event.ChatMessage, Broadcaster: broadcaster, SentAt: at,
			Chat: &event.Chat{MessageID: fmt.Sprintf("3f1c8e0a-5b7d-4e2a-9c61-0d8f2b7a4e1%d", user), Sender: event.User{ID: user, Username: fmt.Sprint("viewer", user)},
				Content: strings.TrimSpace("!" + name + " " + strings.Join(args, " ")), CreatedAt: at}}, &command.Command{Name: name, Args: strings.Join(args, " ")})
	}

	tests := []struct {
		name string
		job  job.Job
		want cost
	}{
		// Reads: the command, the settings, the cooldown, the count after
		// the use, the sender's record ({points}), the channel's rate window
		// and its login. Writes: the cooldown, then the use's marker and
		// the count (one transaction: 2 units each), the reply's claim and
		// the rate window.
		{"custom command with a cooldown", use("hype", 1, time.Now()), cost{Reads: 7, Writes: 5, Units: 7}},
		{"custom command without one", use("lurk", 2, time.Now()), cost{Reads: 6, Writes: 4, Units: 6}},
		// Reads: the settings, the per-viewer cooldown, the calls state,
		// the message's, the viewer's and the slot's earlier calls and the
		// round's number (one batch), the rate window and the login.
		// Writes: the cooldown, the call (one transaction of the call, the
		// viewer's count, the slot, the round's number and, this being the
		// round's first call, the round's listing for a purge: 2 units
		// each), the reply's claim and the rate window. No calls channel
		// is set, so nothing is posted to Discord.
		{"!call", use("call", 3, time.Now(), "Book of Dead"), cost{Reads: 6, Writes: 8, Units: 13}},
		// Reads: the settings, the per-viewer cooldown, the round, the rate
		// window and the login. Writes: the cooldown, the guess (on the
		// viewer's shard of the round), the reply's claim and the rate
		// window.
		{"!gtb", use("gtb", 4, time.Now(), "1.5k"), cost{Reads: 5, Writes: 4, Units: 4}},
		// Reads: the guild's channel, its rate window and its login.
		// Writes: the timer's claim, the post's claim and the rate window.
		{"timed message", job.ForTimer(guild, timer.Post{Name: "socials", Slot: time.Now().UTC().Truncate(time.Minute), Text: "Follow on X!"}),
			cost{Reads: 3, Writes: 3, Units: 3}},
	}
	for _, tt := range tests {
		if got := measure(tt.job); got != tt.want {
			t.Errorf("%s costs %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if msgs := kf.Messages(); len(msgs) != 5 {
		t.Fatalf("Kick chat got %d messages, want 4 replies and the timed message: %+v", len(msgs), msgs)
	}
}

func total(u *dynamotest.Units) float64 {
	var n float64
	for _, v := range u.Table {
		n += v
	}
	for _, v := range u.Index {
		n += v
	}
	return n
}
