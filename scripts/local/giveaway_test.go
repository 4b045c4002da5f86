package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/pick"
)

// TestGiveawayEndToEnd plays a keyword giveaway through the local runner:
// /giveaway start, viewers type the keyword through the signed webhook
// (one delivery comes twice, one viewer types it twice, one says it in a
// sentence, one types another word), /giveaway end and /giveaway draw,
// which the worker announces in the fake Kick chat and answers on the
// fake Discord with everything needed to recompute the winners.
func TestGiveawayEndToEnd(t *testing.T) {
	ctx := context.Background()
	const guild, broadcaster = seededGuild, seededChannel
	base := time.Now()
	sim := clock.New(base)
	lc := startLiveChannel(t, config{now: sim.Now})
	r, kick := lc.r, lc.kick
	send := func(name, want string, opts ...discordsim.Option) {
		t.Helper()
		lc.slash(t, "giveaway", name, want, opts...)
	}
	send("start", "Giveaway #1: a chair", discordsim.String("prize", "a chair"), discordsim.String("keyword", "pizza"), discordsim.Int("winners", 2))

	kids := kicksim.NewIDs(base)
	bc := map[string]any{"user_id": broadcaster, "username": "streamer", "is_anonymous": false, "channel_slug": "streamer"}
	n := 0
	say := func(user int64, name, content string) {
		t.Helper()
		n++
		sentAt := time.Now()
		body, err := json.Marshal(map[string]any{
			"message_id": fmt.Sprintf("%08x-0000-4000-8000-%012x", user, n), "broadcaster": bc,
			"sender":  map[string]any{"user_id": user, "username": name, "is_anonymous": false, "channel_slug": name, "identity": map[string]any{"badges": []any{}}},
			"content": content, "emotes": nil, "created_at": sentAt.UTC().Format(time.RFC3339),
		})
		if err != nil {
			t.Fatal(err)
		}
		sim.Set(sentAt.Add(time.Second))
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
	}
	say(71, "ana", "pizza")
	say(72, "bo", "i want pizza")
	say(73, "cy", "PIZZA ")
	say(74, "di", "pizza")
	say(74, "di", "pizza")
	say(75, "ed", "pasta")
	entries, err := r.Store.GiveawayEntries(ctx, guild, 1)
	if err != nil || len(entries) != 3 {
		t.Fatalf("entries = %+v, %v, want ana, cy and di", entries, err)
	}
	send("end", "no longer takes entries")
	send("draw", `"type":5`)
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	said := r.KickFake.Messages()
	if len(said) != 1 || !strings.HasPrefix(said[0].Content, "🎉 Giveaway #1 (a chair): @") || !strings.Contains(said[0].Content, "3 entrants, 3 tickets") {
		t.Fatalf("Kick chat got %+v, want the announcement once", said)
	}
	reqs := r.DiscordFake.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPatch {
		t.Fatalf("fake Discord got %+v, want one PATCH of /giveaway draw's answer", reqs)
	}
	// Recompute the winners from the answer alone.
	raw, _ := json.Marshal(reqs[0].Body)
	var answer struct {
		Embeds []struct {
			Fields []struct{ Name, Value string } `json:"fields"`
		} `json:"embeds"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil || len(answer.Embeds) != 1 {
		t.Fatalf("PATCH body %s: %v, want one embed", raw, err)
	}
	field := map[string]string{}
	for _, f := range answer.Embeds[0].Fields {
		field[f.Name] = strings.Trim(f.Value, "`\n")
	}
	rows, err := csv.NewReader(strings.NewReader(field["Ticket table (id,weight)"])).ReadAll()
	if err != nil {
		t.Fatalf("table %q: %v", field["Ticket table (id,weight)"], err)
	}
	var table []pick.Weighted
	for _, row := range rows[1:] {
		w, _ := strconv.ParseInt(row[1], 10, 64)
		table = append(table, pick.Weighted{ID: row[0], Weight: w})
	}
	seed, err := pick.ParseSeed(field["Seed"])
	if err != nil || !pick.Check(field["Seed commitment"], seed) {
		t.Fatalf("seed %q (%v) does not match commitment %q", field["Seed"], err, field["Seed commitment"])
	}
	p, err := pick.DrawWeighted(seed, field["Period"], table, 2)
	if err != nil || p.ClientSeed != field["Client seed (table digest)"] {
		t.Fatalf("recomputed draw %+v, %v, want client seed %s", p, err, field["Client seed (table digest)"])
	}
	if ids := []string{table[0].ID, table[1].ID, table[2].ID}; !slices.Equal(ids, []string{"ana#71", "cy#73", "di#74"}) {
		t.Errorf("published table ids %v, want ana, cy and di", ids)
	}
	for _, w := range p.Winners {
		if name := strings.Split(w, "#")[0]; !strings.Contains(said[0].Content, "@"+name) {
			t.Errorf("chat said %q, want the recomputed winner %s", said[0].Content, name)
		}
	}
	if f := r.KickFake.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
}
