package discord

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRouteOf(t *testing.T) {
	tests := []struct {
		name, method, path string
		wantRoute          string
		wantMajor          string
	}{
		{"channel message", "POST", "/api/v9/channels/883000000000000333/messages",
			"POST /channels/{major}/messages", "883000000000000333"},
		{"one message of a channel", "PATCH", "/api/v9/channels/883000000000000333/messages/883000000000000999",
			"PATCH /channels/{major}/messages/{id}", "883000000000000333"},
		{"role grant", "PUT", "/api/v9/guilds/883082587327823872/members/883099999999999001/roles/883000000000000111",
			"PUT /guilds/{major}/members/{id}/roles/{id}", "883082587327823872"},
		{"webhook and token", "PATCH", "/api/v9/webhooks/1250143022583250947/tok-en_1/messages/@original",
			"PATCH /webhooks/{major}/{major}/messages/@original", "1250143022583250947/tok-en_1"},
		{"followup", "POST", "/api/v9/webhooks/1250143022583250947/tok-en_1",
			"POST /webhooks/{major}/{major}", "1250143022583250947/tok-en_1"},
		{"application commands", "PUT", "/api/v9/applications/1250143022583250947/guilds/883082587327823872/commands",
			"PUT /applications/{id}/guilds/{id}/commands", ""},
		{"the bot", "GET", "/api/v9/users/@me", "GET /users/@me", ""},
		{"mounted under a prefix", "GET", "/fake/discord/api/v10/guilds/883082587327823872/roles",
			"GET /guilds/{major}/roles", "883082587327823872"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route, major := routeOf(tt.method, tt.path)
			if route != tt.wantRoute || major != tt.wantMajor {
				t.Errorf("routeOf(%s, %s) = %q, %q, want %q, %q", tt.method, tt.path, route, major, tt.wantRoute, tt.wantMajor)
			}
		})
	}
}

// discordgo's own limiter would sleep, whatever the context, on the
// headers it reads; the limiter takes them off every answer it passes on.
// A 429's body stays readable for discordgo.
func TestLimiterAnswered(t *testing.T) {
	now := time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantGlobal time.Duration // the global hold from now; 0 for none
		wantBucket time.Duration // the route's bucket hold from now; 0 for none
	}{
		{name: "bucket headers", status: 200, header: map[string]string{
			"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "2.25", "X-RateLimit-Bucket": "abc"},
			wantBucket: 2250 * time.Millisecond},
		{name: "bucket with some left", status: 200, header: map[string]string{
			"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset-After": "2.25", "X-RateLimit-Bucket": "abc"}},
		{name: "route 429", status: 429, header: map[string]string{"Retry-After": "4", "X-RateLimit-Scope": "user"},
			body: `{"retry_after": 3.5, "global": false}`, wantBucket: 3500 * time.Millisecond},
		{name: "global 429 by body", status: 429, body: `{"retry_after": 1.25, "global": true}`, wantGlobal: 1250 * time.Millisecond},
		{name: "global 429 by header", status: 429, header: map[string]string{"X-RateLimit-Global": "true", "Retry-After": "2"},
			body: `{"message": "slow"}`, wantGlobal: 2 * time.Second},
		{name: "Cloudflare's 429", status: 429, header: map[string]string{"Retry-After": "30"},
			body: `<html>banned</html>`, wantGlobal: 30 * time.Second},
		// Longer than any real limit: held for MaxHold, then asked again.
		{name: "a 429 of years", status: 429, body: `{"retry_after": 2000000000, "global": false}`, wantBucket: MaxHold},
		{name: "a global 429 of days", status: 429, body: `{"retry_after": 400000, "global": true}`, wantGlobal: MaxHold},
		{name: "a reset of years", status: 200, header: map[string]string{
			"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "2000000000", "X-RateLimit-Bucket": "abc"},
			wantBucket: MaxHold},
		{name: "bad headers are ignored", status: 200, header: map[string]string{
			"X-RateLimit-Remaining": "none", "X-RateLimit-Reset-After": "-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Limiter{Now: func() time.Time { return now }}
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tt.body))}
			for k, v := range tt.header {
				resp.Header.Set(k, v)
			}
			route, major := routeOf("POST", "/api/v9/channels/883000000000000333/messages")
			if got := l.answered(route, major, resp); got != (tt.status == 429) {
				t.Errorf("answered() = %v, want %v", got, tt.status == 429)
			}
			for k := range resp.Header {
				if strings.HasPrefix(k, "X-Ratelimit-") {
					t.Errorf("answer still has header %s", k)
				}
			}
			if body, _ := io.ReadAll(resp.Body); string(body) != tt.body {
				t.Errorf("body after = %q, want %q", body, tt.body)
			}
			if got := l.global.Sub(now); tt.wantGlobal != 0 && got != tt.wantGlobal || tt.wantGlobal == 0 && !l.global.IsZero() {
				t.Errorf("global hold = %v, want %v", got, tt.wantGlobal)
			}
			var hold time.Duration
			if b := l.buckets[l.key(route, major)]; b != nil && b.remaining <= 0 {
				hold = b.reset.Sub(now)
			}
			if hold != tt.wantBucket {
				t.Errorf("bucket hold = %v, want %v", hold, tt.wantBucket)
			}
		})
	}
}
