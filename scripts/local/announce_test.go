package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/event"
)

// TestAnnounceEndToEnd sets KICKs announcements with /announce set and
// sends a KICKs gift through the signed webhook twice, as Kick retries:
// the fake Discord gets one post, in the chosen channel, mentioning the
// chosen role.
func TestAnnounceEndToEnd(t *testing.T) {
	ctx := context.Background()
	lc := startLiveChannel(t, config{})
	r := lc.r
	const channel, role = "883082588674195777", "883082588674195888"
	lc.slash(t, "announce", "set", "kicks announcements go to", discordsim.String("kind", "kicks"),
		discordsim.Channel("channel", channel), discordsim.Role("role", role))
	bc := map[string]any{"user_id": seededChannel, "username": "streamer", "is_anonymous": false, "channel_slug": "streamer"}
	sentAt := time.Now()
	body, err := json.Marshal(map[string]any{"broadcaster": bc,
		"sender":     map[string]any{"user_id": 71, "username": "neon_fox", "is_anonymous": false, "channel_slug": "neon_fox"},
		"gift":       map[string]any{"amount": 250, "name": "Hype Train", "type": "LEVEL_UP", "tier": "MID", "message": "lets go"},
		"created_at": sentAt.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		t.Fatal(err)
	}
	d := kicksim.Delivery{ID: kicksim.NewIDs(sentAt).Next(sentAt), Type: event.KicksGifted, At: sentAt, Body: body}
	for range 2 {
		if status, err := lc.kick.Send(ctx, d); err != nil || status != http.StatusOK {
			t.Fatalf("KICKs delivery: status %d, err %v", status, err)
		}
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var posts []string
	for _, req := range r.DiscordFake.Requests() {
		if req.Method != http.MethodPost || req.Path != "/api/v9/channels/"+channel+"/messages" {
			continue
		}
		raw, _ := json.Marshal(req.Body)
		var m struct {
			Content string
			Embeds  []struct {
				Title  string
				Fields []struct{ Name, Value string }
			}
			AllowedMentions struct{ Roles []string } `json:"allowed_mentions"`
		}
		_ = json.Unmarshal(raw, &m)
		if len(m.Embeds) != 1 || len(m.AllowedMentions.Roles) != 1 || m.AllowedMentions.Roles[0] != role {
			t.Errorf("post %s: want one embed and only the role mentionable", raw)
		}
		posts = append(posts, m.Content)
	}
	if want := "<@&" + role + "> neon\\_fox sent 250 KICKs!"; len(posts) != 1 || posts[0] != want {
		t.Errorf("posts = %q, want one: %q", posts, want)
	}
}
