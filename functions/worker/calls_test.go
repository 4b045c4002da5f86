package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
)

// TestWorkerWiresCalls runs slot calls through the worker as main wires
// it, against a fake Kick and a fake Discord: /calls open and channel, a
// !call and a !sr (each answered in chat and posted to the calls
// channel), a retried !call job (nothing new), then the deferred /calls
// pick (said in chat, posted, answered) and !current.
func TestWorkerWiresCalls(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	// Limited to what the function's role grants.
	store := dynamo.New(dynamotest.Restrict(t, dynamotest.Table(t, "kickbot"), "WorkerFunction"), "kickbot")
	kf, kick, df, rest := fakes(t)
	connected(t, store, kf, now)
	w := worker(store, rest, kick, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const channel = "883082588674195999"

	slash := func(id, sub string, opts map[string]string) job.Job {
		return job.ForInteraction(interact.Request{ID: id, Guild: guild, UserID: "190000000000000001", CanManage: true,
			Command: "calls", Sub: sub, Options: opts, At: now}, "tok-"+sub)
	}
	msgN := 0
	say := func(user int64, name, text string) job.Job {
		msgN++
		id := fmt.Sprintf("3f1c8e0a-5b7d-4e2a-9c61-0d8f2b7a4e%02d", msgN)
		cmd, _ := command.Parse(text)
		return job.ForEvent(guild, event.Event{ID: fmt.Sprintf("01JQ7ZC4M2T8Y1B5N0P6R3K9%02d", msgN), Type: event.ChatMessage, Broadcaster: broadcaster, SentAt: now,
			Chat: &event.Chat{MessageID: id, Sender: event.User{ID: user, Username: name}, Content: text, CreatedAt: now}}, &cmd)
	}
	first := say(51234077, "pixelpanda", "!call Sweet Bonanza")
	for _, j := range []job.Job{
		slash("1482453932679757901", "open", nil),
		slash("1482453932679757902", "channel", map[string]string{"channel": channel}),
		first,
		say(51234078, "neonfox", "!sr Big  Bass [emote:37226:KEKW]"),
		first, // a retried job
		slash("1482453932679757903", "pick", nil),
		say(51234079, "quietowl", "!current"),
	} {
		if err := w.Do(ctx, j); err != nil {
			t.Fatalf("%s: %v", j, err)
		}
	}
	st, err := store.CallState(ctx, guild)
	if err != nil || st.Last == nil {
		t.Fatalf("CallState = %+v, %v, want a pick", st, err)
	}
	p := st.Last.Call
	var said []string
	for _, m := range kf.Messages() {
		said = append(said, m.Content)
	}
	want := []string{
		"@pixelpanda your call for Sweet Bonanza is in (#1)",
		"@neonfox your call for Big Bass is in (#2)",
		fmt.Sprintf("🎰 Picked call #%d: %s, called by @%s! (verify: /calls verify)", p.Number, p.Slot, p.Username),
		fmt.Sprintf("@quietowl now playing %s, called by %s (#%d)", p.Slot, p.Username, p.Number),
	}
	if strings.Join(said, "\n") != strings.Join(want, "\n") {
		t.Errorf("Kick chat:\n%s\nwant:\n%s", strings.Join(said, "\n"), strings.Join(want, "\n"))
	}
	var embeds []string
	answered := false
	for _, r := range df.Requests() {
		b, _ := json.Marshal(r.Body)
		switch {
		case r.Method == http.MethodPost && r.Path == "/api/v9/channels/"+channel+"/messages":
			var body struct {
				Embeds []struct{ Title, Description string }
			}
			_ = json.Unmarshal(b, &body)
			for _, e := range body.Embeds {
				embeds = append(embeds, e.Title+": "+e.Description)
			}
		case r.Method == http.MethodPatch && strings.Contains(r.Path, "/tok-pick/messages/@original"):
			answered = strings.Contains(string(b), fmt.Sprintf("Picked call #%d", p.Number))
		}
	}
	wantEmbeds := []string{"Slot call #1: Sweet Bonanza", "Slot call #2: Big Bass", fmt.Sprintf("Picked call #%d: %s", p.Number, p.Slot)}
	if strings.Join(embeds, "\n") != strings.Join(wantEmbeds, "\n") {
		t.Errorf("calls channel embeds:\n%s\nwant:\n%s", strings.Join(embeds, "\n"), strings.Join(wantEmbeds, "\n"))
	}
	if !answered {
		t.Errorf("/calls pick was not answered with the pick: %+v", df.Requests())
	}
}
