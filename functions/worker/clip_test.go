package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/clipsvc"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/job"
)

// TestClipWiring runs a !clip job through the worker as main wires it
// with a clip service configured: the service, over HTTP, is asked once
// for the connected channel's clip, and the viewer's reply in the fake
// Kick chat carries its URL and the offset.
func TestClipWiring(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	store := dynamo.New(dynamotest.Table(t, "kickbot"), "kickbot")
	kf, kick, _, rest := fakes(t)
	connected(t, store, kf, now)
	started := now.Add(-(time.Hour + 2*time.Minute + 33*time.Second))
	if err := store.SetStreamStatus(ctx, guild, started, event.Status{Live: true, Title: "Bonus hunt", StartedAt: started}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []map[string]any
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &body)
		body["key"] = r.Header.Get("X-API-Key")
		mu.Lock()
		asked = append(asked, body)
		mu.Unlock()
		io.WriteString(w, `{"success":true,"clip_url":"https://clips.example/c/1"}`)
	}))
	t.Cleanup(svc.Close)
	client, err := clipsvc.New(svc.URL, "clip-key")
	if err != nil {
		t.Fatal(err)
	}
	w := worker(store, rest, kick, slog.New(slog.NewTextHandler(io.Discard, nil)))
	useClipService(w, client)

	j := job.ForEvent(guild, event.Event{ID: "01JQ7ZC4M2T8Y1B5N0P6R3K9CL", Type: event.ChatMessage, Broadcaster: broadcaster, SentAt: now,
		Chat: &event.Chat{MessageID: "3f1c8e0a-5b7d-4e2a-9c61-0d8f2b7a4ec1", Sender: event.User{ID: 51234077, Username: "pixelpanda"},
			Content: "!clip Big win", CreatedAt: now}}, &command.Command{Name: "clip", Args: "Big win"})
	for range 2 { // a redelivered job: one clip, one reply
		if err := w.Do(ctx, j); err != nil {
			t.Fatalf("!clip: %v", err)
		}
	}
	msgs := kf.Messages()
	if want := "@pixelpanda clip made at 1:02:03: https://clips.example/c/1"; len(msgs) != 1 || msgs[0].Content != want {
		t.Errorf("Kick chat = %+v, want one reply %q", msgs, want)
	}
	want := map[string]any{"channel": "northwind", "duration": 30.0, "username": "pixelpanda", "title": "Big win", "discord_server_id": guild, "key": "clip-key"}
	if len(asked) != 1 || !equalJSON(asked[0], want) {
		t.Errorf("clip service asked %v, want once %v", asked, want)
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
