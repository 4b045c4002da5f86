package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
)

// TestClipEndToEnd marks a clip through the local runner: the stream goes
// live, a viewer's !clip (delivered twice, as Kick retries) is answered
// once in the fake Kick chat with its offset, and /clips list shows the
// one marker; with a clip service configured, the reply and the list
// carry its clip.
func TestClipEndToEnd(t *testing.T) {
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/clips/create" || r.Header.Get("X-API-Key") != "local-key" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"success":true,"clip_url":"https://clips.example/c/1"}`)
	}))
	t.Cleanup(svc.Close)
	t.Run("marker only", func(t *testing.T) {
		clipEndToEnd(t, config{}, "@viewer001 clip marked at 1:02:03: Big win")
	})
	t.Run("with a clip service", func(t *testing.T) {
		clipEndToEnd(t, config{ClipServiceURL: svc.URL, ClipServiceKey: "local-key"}, "@viewer001 clip made at 1:02:03: https://clips.example/c/1")
	})
}

func clipEndToEnd(t *testing.T, cfg config, reply string) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	sim := clock.New(now)
	cfg.now = sim.Now
	lc := startLiveChannel(t, cfg)
	r, kick := lc.r, lc.kick
	// The channel's name, as /kick connect stores it (a seed has none):
	// the clip service is asked for the channel by name.
	if err := r.Store.ConnectChannel(ctx, seededGuild, seededChannel, "streamer", now); err != nil {
		t.Fatal(err)
	}
	ids := kicksim.NewIDs(now)
	user := func(id int64, name string) map[string]any {
		return map[string]any{"is_anonymous": false, "user_id": id, "username": name, "is_verified": false,
			"profile_picture": "", "channel_slug": name, "identity": map[string]any{"username_color": "#1E90FF", "badges": []any{}}}
	}
	send := func(typ event.Type, at time.Time, body map[string]any) {
		t.Helper()
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		d := kicksim.Delivery{ID: ids.Next(at), Type: typ, At: at, Body: b}
		for range 2 { // Kick retries: one effect
			if status, err := kick.Send(ctx, d); err != nil || status != http.StatusOK {
				t.Fatalf("%s: status %d, err %v", typ, status, err)
			}
		}
		if err := r.Queue.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	started := now.Add(-(time.Hour + 2*time.Minute + 33*time.Second))
	bc := user(seededChannel, "streamer")
	send(event.LivestreamStatus, started, map[string]any{"broadcaster": bc, "is_live": true, "title": "Bonus hunt Saturday",
		"started_at": started.Format(time.RFC3339), "ended_at": nil})
	send(event.ChatMessage, now, map[string]any{"message_id": "0000002a-0000-4000-8000-0000000000c1", "broadcaster": bc,
		"sender": user(70_000_001, "viewer001"), "content": "!clip Big win", "emotes": nil, "created_at": now.Format(time.RFC3339)})

	var said []string
	for _, m := range r.KickFake.Messages() {
		said = append(said, m.Content)
	}
	want := []string{reply}
	if fmt.Sprint(said) != fmt.Sprint(want) {
		t.Errorf("Kick chat = %q, want %q", said, want)
	}
	lc.slash(t, "clips", "list", "1:02:03")
	status, body, err := lc.ds.Send(ctx, lc.admin.Command(lc.ids.Next(), "clips", discordsim.Sub("list")))
	if err != nil || status != http.StatusOK || strings.Count(string(body), "Big win") != 1 || !strings.Contains(string(body), "(1)") {
		t.Errorf("/clips list: status %d, err %v, body %s; want the one marker", status, err, body)
	}
}
