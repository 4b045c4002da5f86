package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
)

// TestGTBEndToEnd plays a guess-the-balance round through the local
// runner: /gtb open, viewers guess with !gtb through the signed webhook
// (one guesses twice, one types zero, the first delivery comes twice,
// one guess is sent after the close), /gtb close and /gtb result, which the worker announces in the fake Kick
// chat and answers on the fake Discord. The chat gets exactly the
// replies and the announcement.
func TestGTBEndToEnd(t *testing.T) {
	ctx := context.Background()
	const guild, broadcaster = seededGuild, seededChannel
	base := time.Now()
	sim := clock.New(base)
	lc := startLiveChannel(t, config{now: sim.Now})
	r, kick := lc.r, lc.kick
	send := func(name, want string, opts ...discordsim.Option) {
		t.Helper()
		lc.slash(t, "gtb", name, want, opts...)
	}
	send("open", "GTB #1 is open", discordsim.Int("winners", 2))

	kids := kicksim.NewIDs(base)
	bc := map[string]any{"user_id": broadcaster, "username": "streamer", "is_anonymous": false, "channel_slug": "streamer"}
	// The interactions endpoint stamps /gtb with the real clock, so the
	// chat is dated by it too, to the second as Kick dates it; the worker
	// runs at the simulated clock, which moves the cooldowns on.
	n := 0
	say := func(user int64, name, content string, sentAt time.Time, workerAt time.Duration) {
		t.Helper()
		n++
		body, err := json.Marshal(map[string]any{
			"message_id": fmt.Sprintf("%08x-0000-4000-8000-%012x", user, n), "broadcaster": bc,
			"sender":  map[string]any{"user_id": user, "username": name, "is_anonymous": false, "channel_slug": name, "identity": map[string]any{"badges": []any{}}},
			"content": content, "emotes": nil, "created_at": sentAt.UTC().Format(time.RFC3339),
		})
		if err != nil {
			t.Fatal(err)
		}
		sim.Set(sentAt.Add(workerAt))
		d := kicksim.Delivery{ID: kids.Next(sentAt), Type: event.ChatMessage, At: sentAt, Body: body}
		times := 1
		if n == 1 {
			times = 2 // the first is delivered twice, as Kick retries
		}
		for range times {
			if status, err := kick.Send(ctx, d); err != nil || status != http.StatusOK {
				t.Fatalf("chat %q: status %d, err %v", content, status, err)
			}
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	say(71, "ana", "!gtb $1,250", time.Now(), time.Second)
	say(72, "bo", "!gtb 1.2k", time.Now(), time.Second)
	say(73, "cy", "!gtb 0", time.Now(), time.Second)
	say(74, "di", "!gtb 1230", time.Now(), time.Second)
	say(71, "ana", "!gtb 1,236.50", time.Now(), 15*time.Second) // past her cooldown
	send("close", "GTB #1 is closed")
	say(72, "bo", "!gtb 1240", time.Now().Add(2*time.Second), 20*time.Second) // sent after the close, past his cooldown
	send("result", `"type":5`, discordsim.String("amount", "1240"))
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	var said []string
	for _, m := range r.KickFake.Messages() {
		said = append(said, m.Content)
	}
	want := []string{
		"@ana your guess of $1,250.00 is in for GTB #1",
		"@bo your guess of $1,200.00 is in for GTB #1",
		"@cy a guess must be more than $0.00",
		"@di your guess of $1,230.00 is in for GTB #1",
		"@ana your guess for GTB #1 is now $1,236.50 (was $1,250.00)",
		"@bo GTB #1 is closed: no more guesses",
		"GTB #1 result: $1,240.00 🏆 🥇 ana $1,236.50 ($3.50 off) | 🥈 di $1,230.00 ($10.00 off)",
	}
	if strings.Join(said, "\n") != strings.Join(want, "\n") {
		t.Errorf("Kick chat got:\n%s\nwant:\n%s", strings.Join(said, "\n"), strings.Join(want, "\n"))
	}
	reqs := r.DiscordFake.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPatch {
		t.Fatalf("fake Discord got %+v, want one PATCH of /gtb result's answer", reqs)
	}
	if b, _ := json.Marshal(reqs[0].Body); !strings.Contains(string(b), "GTB #1 result: $1,240.00") || !strings.Contains(string(b), "Said in Kick chat.") {
		t.Errorf("PATCH body %s, want the result, said in Kick chat", b)
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
}
