package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
)

// TestWorkerWiresAnnouncements runs announcements through the worker as
// main wires it, against a fake Discord: /announce set for KICKs and
// follows, a KICKs job delivered twice (one post), two follows, and the
// follows job the sweep queues (one post naming both).
func TestWorkerWiresAnnouncements(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	store := dynamo.New(dynamotest.Table(t, "kickbot"), "kickbot")
	kf, kick, df, rest := fakes(t)
	connected(t, store, kf, now)
	w := worker(store, rest, kick, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const channel = "883082588674195777"
	slash := func(id string, opts map[string]string) job.Job {
		return job.ForInteraction(interact.Request{ID: id, Guild: guild, UserID: "190000000000000001", CanManage: true,
			Command: "announce", Sub: "set", Options: opts, At: now}, "tok-"+id)
	}
	kicks := job.ForEvent(guild, event.Event{ID: "01JQ7ZC4M2T8Y1B5N0P6R3K9K1", Type: event.KicksGifted, Broadcaster: broadcaster, SentAt: now,
		Kicks: &event.Kicks{Sender: event.User{ID: 7, Username: "neonfox"}, Amount: 250}}, nil)
	follow := func(id, name string) job.Job {
		return job.ForEvent(guild, event.Event{ID: id, Type: event.Followed, Broadcaster: broadcaster, SentAt: now,
			Follow: &event.Follow{Follower: event.User{ID: 8, Username: name}}}, nil)
	}
	for _, j := range []job.Job{
		slash("1482453932679758001", map[string]string{"kind": "kicks", "channel": channel, "role": "883082588674195888"}),
		slash("1482453932679758002", map[string]string{"kind": "follow", "channel": channel}),
		kicks, kicks,
		follow("01JQ7ZC4M2T8Y1B5N0P6R3K9F1", "pixelpanda"), follow("01JQ7ZC4M2T8Y1B5N0P6R3K9F2", "quietowl"),
	} {
		if err := w.Do(ctx, j); err != nil {
			t.Fatalf("%s: %v", j, err)
		}
	}
	due, err := store.DueFollows(ctx, now, now.Add(announce.FollowEvery+time.Minute))
	if err != nil || len(due) != 1 {
		t.Fatalf("DueFollows = %v, %v; want the batch", due, err)
	}
	if err := w.Do(ctx, job.ForFollows(guild, due[0].Opened)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range df.Requests() {
		if r.Method != http.MethodPost || r.Path != "/api/v9/channels/"+channel+"/messages" {
			continue
		}
		b, _ := json.Marshal(r.Body)
		var body struct {
			Content string
			Embeds  []struct{ Title, Description string }
		}
		_ = json.Unmarshal(b, &body)
		got = append(got, body.Content+" | "+body.Embeds[0].Title+": "+body.Embeds[0].Description)
	}
	want := []string{
		"<@&883082588674195888> neonfox sent 250 KICKs! | KICKs: **neonfox** sent 250 KICKs!",
		"2 new followers! | New followers: pixelpanda, quietowl",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("announcement channel:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
