package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestExportAndPurgeEndToEnd plays a guild's data ownership through the
// local runner: viewers chat through the signed webhook and are credited,
// features are started with slash commands, /export answers with the
// viewers' CSV attached (a multipart edit on the fake Discord), then
// /kick disconnect purge:true asks, the admin's click on its button
// purges, and a scan of the whole table finds nothing of the guild and
// no login of its channel.
func TestExportAndPurgeEndToEnd(t *testing.T) {
	ctx := context.Background()
	base := time.Now()
	sim := clock.New(base)
	lc := startLiveChannel(t, config{now: sim.Now})
	r, kick := lc.r, lc.kick
	drain := func() {
		t.Helper()
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	lastAnswer := func() discord.Request {
		t.Helper()
		reqs := r.DiscordFake.Requests()
		if len(reqs) == 0 || reqs[len(reqs)-1].Method != http.MethodPatch {
			t.Fatalf("fake Discord got %d requests (%+v), want the worker's answer last", len(reqs), reqs)
		}
		return reqs[len(reqs)-1]
	}

	lc.slash(t, "settings", "set", "", discordsim.Bool("track_offline", true)) // the stream is offline
	lc.slash(t, "raffle", "start", "Raffle started", discordsim.String("prize", "a PS5"))
	lc.slash(t, "giveaway", "start", "Giveaway #1", discordsim.String("prize", "a chair"), discordsim.String("keyword", "pizza"))
	lc.slash(t, "timer", "add", "", discordsim.String("name", "socials"), discordsim.String("message", "follow us"), discordsim.Int("interval", 10))
	lc.slash(t, "command", "add", "", discordsim.String("name", "hype"), discordsim.String("response", "hype!"))

	kids := kicksim.NewIDs(base)
	bc := map[string]any{"user_id": seededChannel, "username": "streamer", "is_anonymous": false, "channel_slug": "streamer"}
	for i, user := range []int64{71, 72, 73} {
		sentAt := time.Now()
		name := fmt.Sprint("viewer", user)
		body, err := json.Marshal(map[string]any{
			"message_id": fmt.Sprintf("%08x-0000-4000-8000-%012x", user, i), "broadcaster": bc,
			"sender":  map[string]any{"user_id": user, "username": name, "is_anonymous": false, "channel_slug": name, "identity": map[string]any{"badges": []any{}}},
			"content": "pizza", "emotes": nil, "created_at": sentAt.UTC().Format(time.RFC3339),
		})
		if err != nil {
			t.Fatal(err)
		}
		sim.Set(sentAt.Add(time.Second))
		if status, err := kick.Send(ctx, kicksim.Delivery{ID: kids.Next(sentAt), Type: event.ChatMessage, At: sentAt, Body: body}); err != nil || status != http.StatusOK {
			t.Fatalf("chat of %d: status %d, err %v", user, status, err)
		}
	}
	drain()
	// Six minutes: one of them is a multiple of five, after which the
	// leaderboards are built and watchtime becomes raffle tickets,
	// whatever minute the test starts in.
	for m := range 6 {
		now := base.Add(time.Duration(m+2) * time.Minute)
		sim.Set(now)
		if _, err := r.Sweeper.Run(ctx, watchtime.MinuteOf(now), now); err != nil {
			t.Fatal(err)
		}
	}
	drain()

	// /export: the worker edits its answer with the CSV attached.
	lc.slash(t, "export", "", `"type":5`)
	drain()
	answer := lastAnswer()
	if len(answer.Files) != 1 {
		t.Fatalf("/export's answer has %d files, want the CSV", len(answer.Files))
	}
	rows, err := csv.NewReader(bytes.NewReader(answer.Files[0].Data)).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "kick_user_id" {
		t.Fatalf("/export's CSV = %q, %v; want the header and the 3 viewers", rows, err)
	}

	table := scanTable(t, r)
	families := map[string]bool{}
	for k, v := range table {
		if strings.Contains(v, seededGuild) {
			pk, sk, _ := strings.Cut(k, " ")
			families[strings.SplitN(pk, "#", 2)[0]+" "+strings.SplitN(sk, "#", 2)[0]] = true
		}
	}
	t.Logf("before the purge, the guild's items are of %d key families: %v", len(families), slices.Sorted(maps.Keys(families)))
	if len(families) < 15 {
		t.Fatalf("the guild has items of %d key families before the purge, want every feature's", len(families))
	}

	// /kick disconnect purge:true only asks.
	status, body, err := lc.ds.Send(ctx, lc.admin.Command(lc.ids.Next(), "kick", discordsim.Sub("disconnect", discordsim.Bool("purge", true))))
	if err != nil || status != http.StatusOK {
		t.Fatalf("/kick disconnect purge:true: status %d, err %v, body %s", status, err, body)
	}
	drain()
	asked, _ := json.Marshal(lastAnswer().Body)
	if !strings.Contains(string(asked), `"custom_id":"purge:confirm"`) {
		t.Fatalf("/kick disconnect purge:true answered %s, want the confirmation button", asked)
	}
	if _, err := r.Store.Load(ctx, seededChannel); err != nil {
		t.Fatalf("the channel's login before the click: %v, want it kept", err)
	}

	// A member without Manage Server cannot click it through.
	member := lc.admin
	member.Admin = false
	if status, body, err := lc.ds.Send(ctx, member.Click(lc.ids.Next(), "purge:confirm")); err != nil || status != http.StatusOK {
		t.Fatalf("member's click: status %d, err %v, body %s", status, err, body)
	}
	drain()
	if n := countMentions(scanTable(t, r), seededGuild); n == 0 {
		t.Fatal("a member's click purged the guild")
	}

	if status, body, err := lc.ds.Send(ctx, lc.admin.Click(lc.ids.Next(), "purge:confirm")); err != nil || status != http.StatusOK ||
		!strings.Contains(string(body), `"type":5`) {
		t.Fatalf("admin's click: status %d, err %v, body %s; want it deferred", status, err, body)
	}
	drain()
	done, _ := json.Marshal(lastAnswer().Body)
	if !strings.Contains(string(done), "Deleted this server's data") {
		t.Errorf("the purge answered %s, want it done", done)
	}
	after := scanTable(t, r)
	for k, v := range after {
		if strings.Contains(v, seededGuild) {
			t.Errorf("after the purge, item %s names the guild: %s", k, v)
		}
	}
	if _, err := r.Store.Load(ctx, seededChannel); !fault.Is(err, fault.NotFound) {
		t.Errorf("the channel's login after the purge: %v, want it gone (no other guild uses the channel)", err)
	}
}

// scanTable returns every item of the runner's table as JSON, by "pk sk".
func scanTable(t *testing.T, r *runner) map[string]string {
	t.Helper()
	client, ok := r.Store.Client.(*dynamodb.Client)
	if !ok {
		t.Fatalf("store client %T cannot scan", r.Store.Client)
	}
	out := map[string]string{}
	in := &dynamodb.ScanInput{TableName: &r.Store.Table}
	for {
		page, err := client.Scan(t.Context(), in)
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		for _, item := range page.Items {
			var v map[string]any
			if err := attributevalue.UnmarshalMap(item, &v); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			out[fmt.Sprint(v["pk"], " ", v["sk"])] = string(b)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

func countMentions(items map[string]string, s string) int {
	n := 0
	for _, v := range items {
		if strings.Contains(v, s) {
			n++
		}
	}
	return n
}
