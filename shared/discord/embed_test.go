package discord_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

func TestPostEmbed(t *testing.T) {
	fake, c := fakeDiscord(t)
	e := interact.Embed{Title: "Slot call #12", Description: "Sweet Bonanza @everyone", Color: 0x53FC18, Footer: "round r1",
		Fields: []interact.Field{{Name: "Called by", Value: "alice", Inline: true}}}
	if err := c.PostEmbed(t.Context(), channelID, e); err != nil {
		t.Fatalf("PostEmbed() = %v, want nil", err)
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
	want := map[string]any{
		"embeds": []any{map[string]any{
			"type": "rich", "title": "Slot call #12", "description": "Sweet Bonanza @everyone", "color": float64(0x53FC18),
			"footer": map[string]any{"text": "round r1"},
			"fields": []any{map[string]any{"name": "Called by", "value": "alice", "inline": true}},
		}},
		// The slot's "@everyone" pings no one.
		"allowed_mentions": map[string]any{"parse": []any{}, "replied_user": false},
	}
	for k := range body {
		if _, ok := want[k]; !ok {
			delete(body, k)
		}
	}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("message body (-want +got):\n%s", diff)
	}
}

func TestPostEmbedErrors(t *testing.T) {
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
			err := c.PostEmbed(t.Context(), channelID, interact.Embed{Title: "x"})
			if k := fault.KindOf(err); k != tt.want {
				t.Errorf("PostEmbed() = %v (kind %v), want %v", err, k, tt.want)
			}
			checkNoSecrets(t, err)
		})
	}
	fake, c := fakeDiscord(t)
	bad := []struct {
		name, channel string
		e             interact.Embed
	}{
		{"channel not a snowflake", "1/messages", interact.Embed{Title: "x"}},
		{"empty embed", channelID, interact.Embed{Footer: "only a footer"}},
		{"description too long", channelID, interact.Embed{Description: strings.Repeat("é", 4097)}},
		{"too much text", channelID, interact.Embed{Title: "x", Fields: []interact.Field{
			{Name: "a", Value: strings.Repeat("x", 3000)}, {Name: "b", Value: strings.Repeat("x", 3001)}}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.PostEmbed(t.Context(), tt.channel, tt.e); !fault.Is(err, fault.Invalid) {
				t.Errorf("PostEmbed(%s) = %v, want invalid", tt.name, err)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("requests = %d, want 0: bad input must not reach Discord", n)
	}
}
