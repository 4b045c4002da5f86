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

// TestHuntEndToEnd runs a bonus hunt through the local runner: an admin
// starts it, adds and pays bonuses with /hunt through the signed
// interactions endpoint, and a viewer's !hunt, through the signed
// webhook and the queue, gets the hunt's summary in the fake Kick chat.
func TestHuntEndToEnd(t *testing.T) {
	ctx := context.Background()
	const guild, broadcaster = seededGuild, seededChannel
	now := time.Now().UTC()
	sim := clock.New(now)
	lc := startLiveChannel(t, config{now: sim.Now})
	r, ds, admin, kick := lc.r, lc.ds, lc.admin, lc.kick

	var ids discordsim.IDs
	str := discordsim.String
	for _, step := range []struct {
		sub  string
		opts []discordsim.Option
		want string
	}{
		{"start", []discordsim.Option{str("balance", "$1,000"), str("name", "Friday")}, "Hunt started"},
		{"add", []discordsim.Option{str("slot", "Gates of Olympus"), str("bet", "2")}, "Added bonus #1"},
		{"add", []discordsim.Option{str("slot", "Sweet Bonanza"), str("bet", "1")}, "Added bonus #2"},
		{"add", []discordsim.Option{str("slot", "Wanted Dead or a Wild"), str("bet", "3")}, "Added bonus #3"},
		{"payout", []discordsim.Option{str("slot", "gates of olympus"), str("amount", "150")}, "75.00x"},
		{"payout", []discordsim.Option{str("slot", "#2"), str("amount", "33.33")}, "33.33x"},
	} {
		status, body, err := ds.Send(ctx, admin.Command(ids.Next(), "hunt", discordsim.Sub(step.sub, step.opts...)))
		if err != nil || status != http.StatusOK || !strings.Contains(string(body), step.want) {
			t.Fatalf("/hunt %s: status %d, err %v, body %s; want %q", step.sub, status, err, body, step.want)
		}
	}

	user := func(id int64, name string) map[string]any {
		return map[string]any{"is_anonymous": false, "user_id": id, "username": name, "is_verified": false,
			"profile_picture": "", "channel_slug": name, "identity": map[string]any{"username_color": "#1E90FF", "badges": []any{}}}
	}
	at := sim.Now()
	body, err := json.Marshal(map[string]any{"message_id": "0000002a-0000-4000-8000-000000000001", "broadcaster": user(broadcaster, "streamer"),
		"sender": user(70_000_001, "viewer001"), "content": "!hunt", "emotes": nil, "created_at": at.Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	d := kicksim.Delivery{ID: kicksim.NewIDs(at).Next(at), Type: event.ChatMessage, At: at, Body: body}
	for range 2 { // Kick retries: one answer
		if status, err := kick.Send(ctx, d); err != nil || status != http.StatusOK {
			t.Fatalf("!hunt: status %d, err %v", status, err)
		}
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, m := range r.KickFake.Messages() {
		said = append(said, m.Content)
	}
	// won 183.33 on 3.00 of bets opened: 61.11x; 816.67 still to win on 3.00.
	want := []string{"🎰 Bonus hunt Friday: 3 bonuses, 2 opened | start $1,000.00 | won $183.33 | profit -$816.67 | avg 61.11x | break-even 272.23x"}
	if fmt.Sprint(said) != fmt.Sprint(want) {
		t.Errorf("Kick chat = %q, want %q", said, want)
	}
}
