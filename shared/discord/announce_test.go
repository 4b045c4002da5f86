package discord_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

func TestPostAnnouncement(t *testing.T) {
	at := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	full := announce.Message{
		Channel: channelID, Content: "<@&222> pixelpanda is live! @everyone", MentionRole: "222",
		Embed: interact.Embed{Title: "Bonus hunt!", URL: "https://kick.com/pixelpanda", Description: "Slots", Color: 0x53FC18,
			Thumbnail: "https://files.kick.com/cat.png", Image: "https://files.kick.com/thumb.jpg", Timestamp: at, Footer: "kick.com",
			Fields: []interact.Field{{Name: "Category", Value: "Slots", Inline: true}}},
		Link: announce.Link{Label: "Watch", URL: "https://kick.com/pixelpanda"},
	}
	tests := []struct {
		name string
		m    announce.Message
		want map[string]any
	}{
		{"every part", full, map[string]any{
			"content": "<@&222> pixelpanda is live! @everyone",
			"embeds": []any{map[string]any{
				"type": "rich", "title": "Bonus hunt!", "url": "https://kick.com/pixelpanda", "description": "Slots", "color": float64(0x53FC18),
				"thumbnail": map[string]any{"url": "https://files.kick.com/cat.png"},
				"image":     map[string]any{"url": "https://files.kick.com/thumb.jpg"},
				"timestamp": "2026-03-14T20:00:00Z", "footer": map[string]any{"text": "kick.com"},
				"fields": []any{map[string]any{"name": "Category", "value": "Slots", "inline": true}},
			}},
			"components": []any{map[string]any{"type": float64(1), "components": []any{
				map[string]any{"type": float64(2), "style": float64(5), "label": "Watch", "url": "https://kick.com/pixelpanda", "disabled": false},
			}}},
			// Only the role may ping: not @everyone, not a member.
			"allowed_mentions": map[string]any{"parse": []any{}, "roles": []any{"222"}, "replied_user": false},
		}},
		{"no role, no link", announce.Message{Channel: channelID, Content: "alice followed", Embed: interact.Embed{Title: "New followers"}},
			map[string]any{
				"content":          "alice followed",
				"embeds":           []any{map[string]any{"type": "rich", "title": "New followers"}},
				"components":       nil, // no buttons
				"allowed_mentions": map[string]any{"parse": []any{}, "replied_user": false},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := fakeDiscord(t)
			if err := c.PostAnnouncement(t.Context(), tt.m); err != nil {
				t.Fatalf("PostAnnouncement() = %v, want nil", err)
			}
			got := fake.Requests()
			if len(got) != 1 {
				t.Fatalf("requests = %+v, want one", got)
			}
			r := got[0]
			if r.Method != http.MethodPost || r.Path != api+"/channels/"+channelID+"/messages" || !r.Authorized {
				t.Errorf("request = %s %s (authorised %v), want POST of a channel message as the bot", r.Method, r.Path, r.Authorized)
			}
			body, _ := r.Body.(map[string]any)
			for _, k := range []string{"tts", "flags", "sticker_ids"} {
				delete(body, k) // discordgo's zero values
			}
			if diff := cmp.Diff(tt.want, body); diff != "" {
				t.Errorf("message body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPostAnnouncementErrors(t *testing.T) {
	ok := announce.Message{Channel: channelID, Embed: interact.Embed{Title: "x"}}
	tests := []struct {
		name   string
		status int
		want   fault.Kind
	}{
		{"unknown channel", 404, fault.NotFound},
		{"missing access", 403, fault.Forbidden},
		{"rate limited", 429, fault.Transient},
		{"server error", 500, fault.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := fakeDiscord(t)
			fake.FailPath("/channels/"+channelID, tt.status, 0)
			err := c.PostAnnouncement(t.Context(), ok)
			if k := fault.KindOf(err); k != tt.want {
				t.Errorf("PostAnnouncement() = %v (kind %v), want %v", err, k, tt.want)
			}
			checkNoSecrets(t, err)
		})
	}
	fake, c := fakeDiscord(t)
	with := func(f func(*announce.Message)) announce.Message {
		m := ok
		f(&m)
		return m
	}
	bad := []struct {
		name string
		m    announce.Message
	}{
		{"channel not a snowflake", with(func(m *announce.Message) { m.Channel = "1/messages" })},
		{"role not a snowflake", with(func(m *announce.Message) { m.MentionRole = "everyone" })},
		{"empty embed", with(func(m *announce.Message) { m.Embed = interact.Embed{Footer: "only"} })},
		{"link not http", with(func(m *announce.Message) { m.Link = announce.Link{Label: "Watch", URL: "javascript:alert(1)"} })},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.PostAnnouncement(t.Context(), tt.m); !fault.Is(err, fault.Invalid) {
				t.Errorf("PostAnnouncement(%s) = %v, want invalid", tt.name, err)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("requests = %d, want 0: bad input must not reach Discord", n)
	}
}
